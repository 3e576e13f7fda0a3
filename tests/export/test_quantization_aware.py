"""Quantisation-aware models: fine-tuned from a trained model, exported to int8 from the ranges
they learned, refused for float formats."""

import json
import os

import numpy as np
import pytest

from tfimg.export import ExportConfig, TfliteModel, export, tflite
from tfimg.export.serving import serving_archive
from tfimg.models import AirbenchNet
from tfimg.train import TrainConfig, train
from tfimg.models import load_model_folder


@pytest.fixture(scope="module")
def model_folder(digits_cnn):
    return digits_cnn(5)


@pytest.fixture(scope="module")
def quantization_aware_folder(model_folder, digits, tmp_path_factory):
    """`model_folder` fine-tuned for an epoch in its quantisation-aware form."""
    out = tmp_path_factory.mktemp("train") / "digits_cnn_int8"
    train(TrainConfig(data=str(digits), epochs=1, out=str(out), image_size=(24, 24),
                      batch_size=32, learning_rate=1e-4, init=model_folder,
                      quantization_aware=True))
    return str(out / "model")


def _config(model_folder, digits, out, **values):
    return ExportConfig(model=model_folder, data=str(digits), out=str(out), **values)


def test_quantization_aware_model_exports_int8_from_its_learned_ranges(
        model_folder, quantization_aware_folder, digits, tmp_path):
    target, figures = export(_config(quantization_aware_folder, digits, tmp_path,
                                     format="tflite", quantize="int8"))
    assert figures["passed"] and figures["top1_agreement"] >= 0.99
    float_accuracy = json.loads(open(os.path.join(model_folder, "metadata.json")).read())[
        "validation_accuracy"]
    assert figures["accuracy_export"] >= float_accuracy - 0.02
    model = TfliteModel((tmp_path / "tflite" / "digits_cnn_int8" / "1" / "model.tflite")
                        .read_bytes())
    assert np.dtype(model.input_details["dtype"]).name == "int8"
    # The input scale is the range the model learned, not a calibration of its own.
    keras_model, _ = load_model_folder(quantization_aware_folder)
    learned = keras_model.quantizers[0]
    expected_scale = (learned.range_max.numpy() - learned.range_min.numpy()) / 255
    assert figures["input"]["scale"] == pytest.approx(expected_scale, rel=1e-3)
    target, figures = export(_config(quantization_aware_folder, digits, tmp_path))
    assert figures["passed"] and figures["max_abs_difference"] == 0
    with pytest.raises(ValueError, match="quantisation-aware"):
        export(_config(quantization_aware_folder, digits, tmp_path, format="tflite"))


def test_quantization_aware_airbench_converts_to_int8_that_follows_it(tmp_path):
    images = np.random.default_rng(0).normal(size=(64, 32, 32, 3)).astype("float32")
    model = AirbenchNet(num_classes=3, widths=(8, 16, 16), quantization_aware=True)
    model.adapt(images)
    model(images, training=True)  # activation ranges
    metadata = {"image_size": [32, 32], "channels": 3, "class_names": ["a", "b", "c"],
                "normalize": "standardize"}
    serving_archive(model, metadata).write_out(str(tmp_path / "saved"), verbose=False)
    content = tflite.convert(str(tmp_path / "saved"), "int8", quantization_aware=True)
    scores = TfliteModel(content).predict(images)
    # The int8 model computes what the Keras model simulates, up to a few of the 256 levels
    # (integer rounding of the rescaling between layers).
    assert np.abs(scores - model.predict(images, verbose=0)).max() <= 4 / 256
    with pytest.raises(ValueError, match="int8 only"):
        tflite.convert(str(tmp_path / "saved"), "fp16", quantization_aware=True)


def test_init_from_a_model_of_another_input_is_refused(model_folder, digits, tmp_path):
    with pytest.raises(ValueError, match="image_size"):
        train(TrainConfig(data=str(digits), epochs=1, out=str(tmp_path / "run"),
                          init=model_folder, image_size=(32, 32)))

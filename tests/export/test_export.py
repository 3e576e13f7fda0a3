"""Exports of a real trained model: SavedModel on encoded bytes, TFLite in every quantisation,
the parity check, and atomic versions that survive SIGKILL."""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from tfimg.export import ExportConfig, ParityError, TfliteModel, export, next_version
from tfimg.export import parity, tflite
from tfimg.export.serving import serving_archive
from tfimg.models import AirbenchNet
from tfimg.train import TrainConfig, train
from tfimg.train.evaluate import load_model_folder, predict

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def digits(digits_subset):
    return digits_subset(200)  # all 1,797: 365 validation images to check exports on


@pytest.fixture(scope="module")
def model_folder(digits, tmp_path_factory):
    """The survey's CNN trained for 8 epochs on the digits (24x24), about 97% accurate."""
    out = tmp_path_factory.mktemp("train") / "digits_cnn"
    train(TrainConfig(data=str(digits), epochs=8, out=str(out), image_size=(24, 24),
                      batch_size=32))
    return str(out / "model")


@pytest.fixture(scope="module")
def quantization_aware_folder(model_folder, digits, tmp_path_factory):
    """`model_folder` fine-tuned for 2 epochs in its quantisation-aware form."""
    out = tmp_path_factory.mktemp("train") / "digits_cnn_int8"
    train(TrainConfig(data=str(digits), epochs=2, out=str(out), image_size=(24, 24),
                      batch_size=32, learning_rate=1e-4, init=model_folder,
                      quantization_aware=True))
    return str(out / "model")


def _config(model_folder, digits, out, **values):
    return ExportConfig(model=model_folder, data=str(digits), out=str(out), **values)


def test_saved_model_on_encoded_bytes_agrees_with_tfimg_predict(model_folder, digits, tmp_path):
    target, figures = export(_config(model_folder, digits, tmp_path, name="digits"))
    assert target == str(tmp_path / "digits" / "1")
    assert {"saved_model.pb", "variables", "metadata.json", "labels.txt", "parity.json",
            "export_config.json"} <= set(os.listdir(target))
    assert figures["passed"] and figures["top1_agreement"] == 1.0
    assert figures["max_abs_difference"] <= parity.THRESHOLDS["saved_model"][0]
    loaded = tf.saved_model.load(target)
    serve = loaded.signatures["serving_default"]
    paths = sorted(str(p) for p in digits.glob("*/*.png"))[::7]
    result = serve(image_bytes=tf.constant([open(p, "rb").read() for p in paths]))
    expected = [top[0][0] for top in predict(model_folder, paths, top_k=1)]
    best = result["scores"].numpy().argmax(1)
    assert [result["classes"].numpy()[i][j].decode() for i, j in enumerate(best)] == expected
    labels = (tmp_path / "digits" / "1" / "labels.txt").read_text().split()
    assert labels == [str(i) for i in range(10)]


def test_saved_model_cli_lists_both_signatures(model_folder, digits, tmp_path):
    target, _ = export(_config(model_folder, digits, tmp_path))
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    shown = subprocess.run([cli, "show", "--all", "--dir", target], capture_output=True,
                           text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    for text in ("signature_def['serving_default']", "inputs['image_bytes']", "DT_STRING",
                 "outputs['classes']", "outputs['scores']", "signature_def['predict_images']",
                 "inputs['images']", "(-1, 24, 24, 3)"):
        assert text in shown.stdout


@pytest.mark.parametrize("quantize", ["none", "fp16", "dynamic", "int8", "int16x8"])
def test_tflite_exports_pass_their_parity_thresholds(model_folder, digits, tmp_path, quantize):
    target, figures = export(_config(model_folder, digits, tmp_path, format="tflite",
                                     quantize=quantize))
    assert figures["passed"] and figures["kind"] == f"tflite-{quantize}"
    content = (tmp_path / "digits_cnn" / "1" / "model.tflite").read_bytes()
    assert b"Flex" not in content  # builtin ops only
    model = TfliteModel(content)
    expected_input = {"int8": "int8", "int16x8": "int16"}.get(quantize, "float32")
    assert np.dtype(model.input_details["dtype"]).name == expected_input
    assert figures["input"]["shape"] == [-1, 24, 24, 3]
    saved = json.loads((tmp_path / "digits_cnn" / "1" / "parity.json").read_text())
    assert saved == json.loads(json.dumps(figures))
    if quantize in ("int8", "int16x8"):
        assert figures["input"]["scale"] > 0 and figures["output"]["scale"] > 0


def test_quantization_aware_model_exports_int8_from_its_learned_ranges(
        model_folder, quantization_aware_folder, digits, tmp_path):
    target, figures = export(_config(quantization_aware_folder, digits, tmp_path,
                                     format="tflite", quantize="int8"))
    assert figures["passed"] and figures["top1_agreement"] >= 0.99
    float_accuracy = json.loads(open(os.path.join(model_folder, "metadata.json")).read())[
        "validation_accuracy"]
    assert figures["accuracy_export"] >= float_accuracy - 0.02
    model = TfliteModel((tmp_path / "digits_cnn_int8" / "1" / "model.tflite").read_bytes())
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


def test_a_failed_parity_check_leaves_no_version(model_folder, digits, tmp_path, monkeypatch):
    # An agreement no export can reach (the real export agrees on every image).
    monkeypatch.setitem(parity.THRESHOLDS, "saved_model", (None, 1.01, None))
    with pytest.raises(ParityError, match="top-1 agreement 1.0000 < 1.01"):
        export(_config(model_folder, digits, tmp_path))
    assert os.listdir(tmp_path / "digits_cnn") == []


def test_versions_are_numbered_and_never_overwritten(model_folder, digits, tmp_path):
    (tmp_path / "digits_cnn" / "7").mkdir(parents=True)
    (tmp_path / "digits_cnn" / ".tmp-8-killed").mkdir()
    assert next_version(tmp_path / "digits_cnn") == 8
    with pytest.raises(FileExistsError, match="never overwritten"):
        export(_config(model_folder, digits, tmp_path, version=7))
    target, _ = export(_config(model_folder, digits, tmp_path))
    assert target.endswith(os.path.join("digits_cnn", "8"))
    assert sorted(os.listdir(tmp_path / "digits_cnn")) == ["7", "8"]  # leftovers removed


@pytest.mark.parametrize("values, message", [
    ({"format": "onnx"}, "format"),
    ({"quantize": "int4"}, "quantize"),
    ({"quantize": "int8"}, "TFLite option"),
    ({"name": "../escape"}, "plain folder name"),
    ({"version": 0}, "version >= 1"),
])
def test_bad_settings_are_named(values, message):
    with pytest.raises(ValueError, match=message):
        ExportConfig(model="m", **values)


def test_missing_parity_data_is_named(model_folder, tmp_path):
    with pytest.raises(FileNotFoundError, match="parity check"):
        export(ExportConfig(model=model_folder, data=str(tmp_path / "nothing"),
                            out=str(tmp_path)))


@pytest.mark.slow
def test_export_killed_at_random_moments_leaves_complete_versions_only(model_folder, digits,
                                                                       tmp_path):
    out = tmp_path / "exports"
    command = [sys.executable, "-m", "tfimg.cli", "export", "--model", model_folder,
               "--data", str(digits), "--out", str(out), "--name", "m", "--parity-images", "50"]
    chooser = random.Random(5)
    kills = 0
    for _ in range(6):
        process = subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        # Start-up takes about 3 s; the export is written from about 5 s on.
        time.sleep(chooser.uniform(3.0, 8.0))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    assert kills >= 3, kills
    versions = [name for name in os.listdir(out / "m") if not name.startswith(".tmp-")]
    assert all(name.isdigit() for name in versions)
    images = tf.constant([open(p, "rb").read() for p in sorted(digits.glob("0/*.png"))[:2]])
    for name in versions:  # each complete and loadable
        assert json.loads((out / "m" / name / "parity.json").read_text())["passed"]
        scores = tf.saved_model.load(str(out / "m" / name)).signatures["serving_default"](
            image_bytes=images)["scores"]
        assert scores.shape == (2, 10)
    shutil.rmtree(out)

"""Exports of a real trained model: SavedModel on encoded bytes, TFLite in every quantisation,
the parity check, and numbered versions (`test_export_kill.py` kills exports;
`test_quantization_aware.py` exports quantisation-aware models)."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tfimg.export import ExportConfig, ParityError, TfliteModel, export, next_version
from tfimg.export import parity
from tfimg.train.predict import predict

from tests.data.test_pipeline import tfds_metadata  # noqa: F401 (a fixture)


@pytest.fixture(scope="module")
def model_folder(digits_cnn):
    """The survey's CNN trained for 8 epochs on the digits, about 97% accurate."""
    return digits_cnn(8)


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
    assert target == str(tmp_path / "tflite" / "digits_cnn" / "1")
    assert not (tmp_path / "digits_cnn").exists()  # TF Serving's folder: SavedModels only
    content = (tmp_path / "tflite" / "digits_cnn" / "1" / "model.tflite").read_bytes()
    assert b"Flex" not in content  # builtin ops only
    model = TfliteModel(content)
    expected_input = {"int8": "int8", "int16x8": "int16"}.get(quantize, "float32")
    assert np.dtype(model.input_details["dtype"]).name == expected_input
    assert figures["input"]["shape"] == [-1, 24, 24, 3]
    saved = json.loads((tmp_path / "tflite" / "digits_cnn" / "1" / "parity.json").read_text())
    assert saved == json.loads(json.dumps(figures))
    if quantize in ("int8", "int16x8"):
        assert figures["input"]["scale"] > 0 and figures["output"]["scale"] > 0


def test_a_failed_parity_check_leaves_no_version(model_folder, digits, tmp_path, monkeypatch):
    # An agreement no export can reach (the real export agrees on every image).
    monkeypatch.setitem(parity.THRESHOLDS, "saved_model", (None, 1.01, None))
    with pytest.raises(ParityError) as refusal:
        export(_config(model_folder, digits, tmp_path))
    assert os.listdir(tmp_path / "digits_cnn") == []
    # One readable line: what disagreed, on which images, and what to do; no JSON dump.
    message = str(refusal.value)
    assert "\n" not in message and "{" not in message
    assert message.startswith(f"saved_model export of {model_folder} refused: top-1 agreement "
                              f"1.0000 (0 of ")
    assert f"images of {digits}; " in message
    assert "--data DIR" in message and "--accept-parity-failure" in message


def test_a_failed_parity_check_can_be_accepted_and_is_recorded(
        model_folder, digits, tmp_path, monkeypatch):
    monkeypatch.setitem(parity.THRESHOLDS, "saved_model", (None, 1.01, None))
    target, figures = export(_config(model_folder, digits, tmp_path,
                                     accept_parity_failure=True))
    saved = json.loads((tmp_path / "digits_cnn" / "1" / "parity.json").read_text())
    assert saved["passed"] is False and saved["accepted_by_flag"] is True
    assert saved["failures"][0].startswith("top-1 agreement 1.0000")
    assert json.loads((tmp_path / "digits_cnn" / "1" / "export_config.json").read_text())[
        "accept_parity_failure"] is True


def test_explicit_data_is_checked_whole_and_the_training_folder_by_its_split(
        model_folder, digits, digits_subset, tmp_path):
    other = digits_subset(5)  # 50 images the model may have seen: all of them are used
    _, figures = export(_config(model_folder, other, tmp_path / "a"))
    assert figures["examples"] == 50 and figures["data"] == str(other)
    _, figures = export(_config(model_folder, digits, tmp_path / "b"))
    metadata = json.loads((pathlib.Path(model_folder) / "metadata.json").read_text())
    assert figures["examples"] == metadata["validation_examples"]


def _moved_model(model_folder, tmp_path, dataset):
    """A copy of the model folder whose metadata records `dataset` as its training data."""
    folder = tmp_path / "moved"
    shutil.copytree(model_folder, folder)
    metadata = json.loads((folder / "metadata.json").read_text())
    (folder / "metadata.json").write_text(json.dumps({**metadata, "dataset": dataset}))
    return str(folder)


def test_training_images_elsewhere_are_named_with_the_flag(model_folder, tmp_path,
                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    moved = _moved_model(model_folder, tmp_path, "../shared/data/digits")
    with pytest.raises(FileNotFoundError) as missing:
        export(ExportConfig(model=moved, out=str(tmp_path / "exports")))
    message = str(missing.value)
    assert "../" not in message and "--data DIR" in message
    assert str(tmp_path.parent / "shared" / "data" / "digits") in message


def test_a_model_trained_on_tfds_is_checked_on_its_tfds_split(
        model_folder, tfds_metadata, tmp_path):  # noqa: F811 (the imported fixture)
    tfds, data_dir = tfds_metadata
    moved = _moved_model(model_folder, tmp_path, {"tfds": "mnist", "split": "train"})
    with tfds.testing.mock_data(num_examples=8, policy=tfds.testing.MockPolicy.USE_FILES,
                                data_dir=data_dir):
        _, figures = export(ExportConfig(model=moved, out=str(tmp_path / "exports")))
    assert figures["passed"] and figures["examples"] == 8
    assert figures["data"] == "tfds mnist train"


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


def test_images_that_do_not_decode_are_counted_and_named(model_folder, digits_subset, tmp_path):
    other = digits_subset(3)
    (other / "0" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    _, figures = export(_config(model_folder, other, tmp_path))
    assert figures["examples"] == 30 and figures["skipped"] == 1
    assert figures["skipped_files"][0].endswith("broken.png")

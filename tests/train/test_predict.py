"""`tfimg.train.predict.predict` and `tfimg predict` on bad files and broken model folders: each
bad image is named with its cause and the others are still predicted; a broken model folder is
one line naming the file."""

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tfimg.cli import main
from tfimg.data import Preprocessing
from tfimg.models import build_model, save_model_folder
from tfimg.train.predict import predict


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A model folder of an untrained three-class CNN on 32x32 images."""
    out = tmp_path_factory.mktemp("model") / "model"
    model = build_model("cifar_cnn", 3, (32, 32, 3))
    model(np.zeros((1, 32, 32, 3), np.float32))  # builds the weights, so that they are saved
    save_model_folder(model, {"task": "classify", "model": "cifar_cnn",
                              "preprocessing": Preprocessing(image_size=(32, 32)).to_json(),
                              "class_names": ["ant", "bee", "cat"]}, out)
    return out


def test_bad_files_are_reported_and_the_others_predicted(folder, hostile_folder):
    good = [str(hostile_folder / "good" / "rgb.jpg"), str(hostile_folder / "good" / "rgba.png")]
    bad = {str(hostile_folder / "bad" / "truncated.jpg"): "corrupt: .*truncated",
           str(hostile_folder / "bad" / "page.jpg"): "not_image: .*",
           str(hostile_folder / "bad" / "bomb.png"): "too_large: declares .*pixels",
           str(hostile_folder / "missing.png"): "No such file or directory"}
    paths = [good[0], *bad, good[1]]
    errors = []
    results = predict(folder, paths, top_k=3, on_error=errors.append)
    assert [result is None for result in results] == [False, True, True, True, True, False]
    alone = predict(folder, good, top_k=3)
    for result, expected in zip((results[0], results[-1]), alone):
        # An untrained model's scores may nearly tie: compare them class by class.
        result, expected = dict(result), dict(expected)
        assert sorted(result) == ["ant", "bee", "cat"]
        np.testing.assert_allclose([result[name] for name in sorted(result)],
                                   [expected[name] for name in sorted(result)], atol=1e-6)
    assert len(errors) == len(bad)
    for error, (path, cause) in zip(errors, bad.items()):
        assert isinstance(error, ValueError)
        assert str(error).startswith(("Cannot decode", "Cannot read"))
        assert repr(path) in str(error) and re.search(cause, str(error)), str(error)
    with pytest.raises(ValueError, match=r"truncated\.jpg': corrupt"):
        predict(folder, paths, top_k=2)


def test_predict_cli_goes_on_and_exits_2(folder, hostile_folder):
    """In a child process: TensorFlow's WebP decoder is never given the animation (the decoder
    checks its header first), but a native crash must not take pytest down if it were."""
    good = str(hostile_folder / "good" / "rgb.png")
    command = [sys.executable, "-m", "tfimg.cli", "predict", "--model", str(folder), "--top",
               "1", good, str(hostile_folder / "bad" / "anim.webp"),
               str(hostile_folder / "bad" / "empty.jpg"), good]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert result.returncode == 2, result.stderr
    assert [line.split(": ")[0] for line in result.stdout.splitlines()] == [good, good]
    errors = [line for line in result.stderr.splitlines() if line.startswith("tfimg predict:")]
    assert "anim.webp': unsupported: animated WebP (3 frames)" in errors[0]
    assert "empty.jpg': empty" in errors[1]
    assert errors[2] == "tfimg predict: 2 of 4 images could not be predicted"


def _broken(folder, tmp_path, name, content):
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    if content is None:
        os.remove(broken / name)
    else:
        (broken / name).write_bytes(content)
    return broken


@pytest.mark.parametrize("name, content, message", [
    ("metadata.json", b"{\"task\": ", r"metadata.json' is not valid JSON: Expecting value"),
    ("metadata.json", b"\xff\xfe{}", r"metadata.json' is not valid JSON: 'utf-8' codec"),
    ("metadata.json", b"[1, 2]", r"Expected a JSON object in '.*metadata.json', received list"),
    ("metadata.json", b"[" * 100000, r"metadata.json' is not valid JSON: nested too deeply"),
    ("metadata.json", json.dumps({"task": "classify", "class_names": ["a", "b"],
                                  "preprocessing": Preprocessing(image_size=(32, 32)).to_json()}
                                 ).encode(),
     r"2 class_names in the metadata.json of '.*broken' for a model with 3 outputs"),
    ("metadata.json", json.dumps({"task": "classify", "preprocessing": {}}).encode(),
     r"Expected a classifier with \"class_names\" .* in the metadata.json of '.*broken'"),
    ("metadata.json", json.dumps({"task": "classify", "class_names": ["a", "b", "c"],
                                  "preprocessing": {"size": 3}}).encode(),
     r"Bad \"preprocessing\" in the metadata.json of '.*broken': Unknown preprocessing "
     r"settings \['size'\]"),
    ("model.keras", b"", r"model.keras' is empty \(0 bytes\)"),
    ("model.keras", b"PK\x03\x04 truncated", r"model.keras' is not a Keras model archive"),
    ("model.keras", None, r"model.keras' is missing"),
])
def test_a_broken_model_folder_is_one_line_naming_the_file(folder, hostile_folder, tmp_path,
                                                           capsys, name, content, message):
    broken = _broken(folder, tmp_path, name, content)
    assert main(["predict", "--model", str(broken), str(hostile_folder / "good" / "rgb.jpg")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and re.search(message, error), error


def test_a_truncated_model_archive_names_the_file(folder, tmp_path):
    data = (folder / "model.keras").read_bytes()
    broken = _broken(folder, tmp_path, "model.keras", data[:len(data) // 2])
    with pytest.raises(ValueError, match=r"model.keras' is not a Keras model archive .*"
                                         r"truncated"):
        predict(broken, [])


def test_a_fifo_among_the_images_is_named_not_waited_on(folder, hostile_folder, tmp_path):
    """Opening a FIFO for reading blocks until a writer comes: it is refused before that."""
    os.mkfifo(tmp_path / "pipe.jpg")
    good = str(hostile_folder / "good" / "rgb.jpg")
    errors = []
    results = predict(folder, [str(tmp_path / "pipe.jpg"), str(tmp_path), good],
                      on_error=errors.append)
    assert [result is None for result in results] == [True, True, False]
    assert "pipe.jpg': not a regular file" in str(errors[0])

"""Your own Keras model through tfimg's training: `--model FILE.py:FUNCTION` and
`train(config, model=...)`."""

import os
import subprocess
import sys
import textwrap

import keras
import pytest

from tfimg.models import build_model, custom_builder, load_model_folder
from tfimg.train import TrainConfig, train

BUILDER = textwrap.dedent('''
    import keras


    def build(num_classes, input_shape):
        return keras.Sequential([
            keras.Input(input_shape),
            keras.layers.Conv2D(8, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(num_classes, activation="softmax"),
        ])


    def not_a_model(num_classes, input_shape):
        return "model"
''')


@pytest.fixture()
def builder(tmp_path):
    path = tmp_path / "my_models.py"
    path.write_text(BUILDER)
    return path


def test_custom_builders_are_found_or_refused_by_name(builder, tmp_path):
    model = build_model(f"{builder}:build", 3, (16, 16, 3))
    assert model.output_shape == (None, 3)
    assert custom_builder("keras.layers:Dense") is keras.layers.Dense  # package.module form
    with pytest.raises(ValueError, match="no file"):
        custom_builder(f"{tmp_path}/missing.py:build")
    with pytest.raises(ValueError, match="has no function 'nothing'"):
        custom_builder(f"{builder}:nothing")
    with pytest.raises(ValueError, match="FILE.py:FUNCTION"):
        custom_builder(f"{builder}:")
    with pytest.raises(TypeError, match="returned str, expected a keras.Model"):
        build_model(f"{builder}:not_a_model", 3, (16, 16, 3))


def test_cli_trains_and_resumes_a_model_from_a_file(digits_subset, builder, tmp_path):
    data = digits_subset(10)
    out = tmp_path / "run"
    command = [sys.executable, "-m", "tfimg.cli", "train", "--data", str(data), "--model",
               f"{builder}:build", "--out", str(out), "--epochs", "1", "--image-size", "16",
               "16"]
    subprocess.run(command, check=True, capture_output=True)
    (out / "model" / "metadata.json").unlink()  # unfinished: the next run resumes
    command[command.index("--epochs") + 1] = "2"
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    assert "resuming after epoch 1" in result.stderr
    model, metadata = load_model_folder(out / "model")
    assert metadata["model"] == f"{builder}:build" and metadata["epochs"] == 2
    assert model.output_shape == (None, 10)


def test_train_takes_a_keras_model_and_checks_its_outputs(digits_subset, tmp_path):
    data = digits_subset(10)
    config = TrainConfig(data=str(data), out=str(tmp_path / "run"), epochs=1,
                         image_size=(16, 16))
    wrong = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(4, activation="softmax")])
    with pytest.raises(ValueError, match=r"10 class scores, received outputs of shape \(1, 4\)"):
        train(config, model=wrong)
    model = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    config = TrainConfig(data=str(data), out=str(tmp_path / "run2"), epochs=1,
                         image_size=(16, 16))
    metadata = train(config, model=model)
    assert metadata["model"] == "keras.src.models.sequential.Sequential"
    assert 0 <= metadata["validation_accuracy"] <= 1


def test_builder_files_are_keyed_by_path_and_reimported_when_edited(tmp_path, monkeypatch):
    for folder, width in (("a", 2), ("b", 3)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "model.py").write_text(f"def width():\n    return {width}\n")
    assert custom_builder(f"{tmp_path}/a/model.py:width")() == 2
    assert custom_builder(f"{tmp_path}/b/model.py:width")() == 3  # same name, other file
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('syntax of the day')\n")
    for _ in range(2):  # the failed import is not kept: the real error both times
        with pytest.raises(RuntimeError, match="syntax of the day"):
            custom_builder(f"{broken}:build")
    broken.write_text("def build():\n    return 'fixed'\n")
    os.utime(broken, ns=(0, 10 ** 18))  # a new modification time, whatever the clock
    assert custom_builder(f"{broken}:build")() == "fixed"
    monkeypatch.chdir(tmp_path / "a")
    config = TrainConfig(data="d", model="model.py:width")
    assert config.model == f"{tmp_path}/a/model.py:width" and config.out == "runs/width"

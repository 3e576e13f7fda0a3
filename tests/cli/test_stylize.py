import json

import numpy as np
import pytest
from PIL import Image

from tfimg.cli import main
from tfimg.data import Preprocessing
from tfimg.models import TransformNet, save_model_folder


def _write(path, shape, seed):
    pixels = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return str(path)


@pytest.fixture
def style_model(tmp_path):
    model = TransformNet(width=4, residual_blocks=1)
    model(np.zeros((1, 16, 16, 3), np.float32))
    folder = tmp_path / "style_model"
    save_model_folder(model, {"task": "style", "preprocessing": Preprocessing(
        image_size=(16, 16), normalize="none").to_json()}, folder)
    return model, str(folder)


def test_stylize_with_a_model_keeps_the_size(style_model, tmp_path, capsys):
    model, folder = style_model
    content = _write(tmp_path / "content.png", (13, 21, 3), seed=0)
    output = str(tmp_path / "out.png")
    assert main(["stylize", "--model", folder, content, output]) == 0
    result = np.asarray(Image.open(output))
    assert result.shape == (13, 21, 3)
    expected = np.asarray(model(np.asarray(Image.open(content), np.float32)[None]))[0]
    assert np.abs(result.astype(float) - expected).max() <= 0.5 + 1e-3
    assert capsys.readouterr().out.strip() == output


def test_stylize_by_optimisation_writes_frames(tmp_path):
    content = _write(tmp_path / "content.png", (20, 30, 3), seed=0)
    style = _write(tmp_path / "style.png", (40, 40, 3), seed=1)
    output = str(tmp_path / "out.jpg")
    assert main(["stylize", "--method", "optimize", "--style", style, content, output,
                 "--steps", "3", "--size", "24", "--weights", "random",
                 "--frames", str(tmp_path / "frames")]) == 0
    assert Image.open(output).size == (24, 16)
    assert [p.name for p in (tmp_path / "frames").iterdir()] == ["frame-0003.png"]


@pytest.mark.parametrize("arguments, message", [
    (["stylize", "in.png", "out.png"], "Expected --model"),
    (["stylize", "--method", "optimize", "in.png", "out.png"], "Expected --style"),
    (["train", "--style", "s.png", "--data", "photos"],
     "--style does not apply to --task classify"),
    (["train", "--task", "sr", "--style", "s.png", "--data", "photos"],
     "--style does not apply to --task sr"),
])
def test_missing_options_named(arguments, message, capsys):
    assert main(arguments) == 2
    assert message in capsys.readouterr().err


def test_another_task_is_refused(style_model, tmp_path, capsys):
    model, _ = style_model
    folder = tmp_path / "denoiser"
    save_model_folder(model, {"task": "denoise", "preprocessing": Preprocessing(
        image_size=(16, 16), normalize="none").to_json()}, folder)
    content = _write(tmp_path / "content.png", (8, 8, 3), seed=0)
    assert main(["stylize", "--model", str(folder), content, str(tmp_path / "out.png")]) == 2
    assert "Expected a style model folder (task 'style'), received task 'denoise'" in (
        capsys.readouterr().err)


@pytest.mark.slow
def test_train_task_style(tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    for index in range(4):
        _write(photos / f"p{index}.jpg", (24, 30, 3), seed=index)
    config = tmp_path / "style.json"
    config.write_text(json.dumps({"steps_per_epoch": 1, "width": 4, "residual_blocks": 1}))
    style = _write(tmp_path / "style.png", (32, 32, 3), seed=9)
    assert main(["train", "--task", "style", "--style", style, "--data", str(photos),
                 "--out", str(tmp_path / "run"), "--epochs", "1", "--batch-size", "1",
                 "--image-size", "16", "16", "--weights", "random", "--validation", "0.3",
                 "--config", str(config)]) == 0
    assert "epoch 1/1: loss" in capsys.readouterr().err
    metadata = json.loads((tmp_path / "run" / "model" / "metadata.json").read_text())
    assert metadata["task"] == "style" and metadata["config"]["width"] == 4

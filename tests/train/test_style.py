import json

import numpy as np
import pytest
from PIL import Image

from tfimg.models import load_model, load_model_folder
from tfimg.data.patches import photo_paths
from tfimg.train.style import StyleConfig, read_rgb, train_style


@pytest.fixture
def style_data(tmp_path):
    """A style image and a folder of 8 small photos in two subfolders."""
    rng = np.random.default_rng(0)
    style = tmp_path / "strokes.png"
    Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(style)
    for index in range(8):
        folder = tmp_path / "photos" / ("a" if index % 2 else "b")
        folder.mkdir(parents=True, exist_ok=True)
        y, x = np.mgrid[:30, :41]
        photo = np.stack([x * 6, y * 8, np.full_like(x, 30 * index)], -1).astype(np.uint8)
        Image.fromarray(photo).save(folder / f"photo{index}.jpg")
    return style, tmp_path / "photos"


def _config(style, photos, out, epochs):
    return StyleConfig(style=str(style), data=str(photos), out=str(out), epochs=epochs,
                       steps_per_epoch=2, batch_size=2, image_size=(16, 16), width=4,
                       residual_blocks=1, weights=None, validation=0.25)


@pytest.mark.slow  # two short trainings: about 10 s on an idle machine
def test_trains_writes_a_style_model_folder_and_resumes(style_data, tmp_path):
    style, photos = style_data
    out = tmp_path / "run"
    folder = train_style(_config(style, photos, out, epochs=1))
    model, metadata = load_model_folder(folder)
    assert metadata["task"] == "style" and metadata["model"] == "transform_net"
    assert metadata["preprocessing"]["normalize"] == "none"
    assert metadata["features"]["network"] == "random_multiscale"
    assert metadata["loss_weights"] == {"content": 1.0, "style": 1e6, "tv": 1e-5}
    assert metadata["style"] == "style.png"
    assert (out / "model" / "style.png").read_bytes() == style.read_bytes()
    splits = photo_paths(str(photos), 0.25)
    train, held_out = splits["train"], splits["validation"]
    assert metadata["held_out"] == [str(p.relative_to(photos)) for p in map(
        type(photos), held_out)]
    assert len(train) + len(held_out) == 8 and held_out
    stylized = np.asarray(model(np.full((1, 13, 21, 3), 100.0, np.float32)))
    assert stylized.shape == (1, 13, 21, 3)
    # A second run with more epochs resumes after the first: the optimizer continues.
    train_style(_config(style, photos, out, epochs=2))
    history = json.loads((out / "backups" / "epoch-0002.json").read_text())["history"]
    assert len(history["loss"]) == 2 and np.isfinite(history["style"]).all()
    resumed = load_model(out / "backups" / "epoch-0002.keras")
    assert int(resumed.optimizer.iterations) == 4
    assert (out / "history.csv").read_text().count("\n") == 3


def test_bad_settings_named(style_data, tmp_path):
    style, photos = style_data
    with pytest.raises(ValueError, match="--style, a style image"):
        StyleConfig(style=str(tmp_path / "none.png"), data=str(photos))
    with pytest.raises(ValueError, match="--data, a folder of photos"):
        StyleConfig(style=str(style), data=str(tmp_path / "none"))
    with pytest.raises(ValueError, match="image_size"):
        StyleConfig(style=str(style), data=str(photos), image_size=(8, 8))


def test_read_rgb_keeps_16_bit_levels_and_names_a_broken_file(tmp_path):
    grey = np.full((8, 10), 40 * 257, np.uint16)  # level 40 in 16 bits
    Image.fromarray(grey).save(tmp_path / "grey16.png")
    image = read_rgb(str(tmp_path / "grey16.png"))
    assert image.shape == (8, 10, 3) and np.all(image == 40)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    with pytest.raises(ValueError, match="broken.jpg"):
        read_rgb(str(tmp_path / "broken.jpg"))


def test_broken_training_photos_are_skipped_and_named(style_data, tmp_path, capsys):
    style, _ = style_data
    photos = tmp_path / "broken_photos"
    photos.mkdir()
    for index in range(6):
        (photos / f"bad{index}.jpg").write_bytes(b"\xff\xd8\xff truncated")
    with pytest.raises(ValueError, match="None of the .* training files"):
        train_style(_config(style, photos, tmp_path / "run", epochs=1))
    assert "skipped:" in capsys.readouterr().err

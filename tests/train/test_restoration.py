import json

import numpy as np
import pytest

from tfimg.models import load_model_folder
from tfimg.train import RestorationConfig, train_restoration


def _config(folder, out, **overrides):
    settings = dict(data=str(folder), task="sr", scale=2, model="espcn",
                    model_options={"filters": [8, 8]}, out=str(out), epochs=1,
                    steps_per_epoch=2, batch_size=2, patch_size=32, validation=0.25,
                    validation_crop=64, precision="float32")
    return RestorationConfig(**{**settings, **overrides})


@pytest.fixture(scope="module")
def sr_run(small_photo_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "espcn_x2"
    train_restoration(_config(small_photo_folder, out))
    return out


def test_a_run_writes_a_model_folder_with_figures(sr_run):
    model, metadata = load_model_folder(sr_run)
    assert metadata["task"] == "sr" and metadata["scale"] == 2 and metadata["model"] == "espcn"
    assert len(metadata["held_out"]) == metadata["validation_photos"] == 1
    figures = metadata["figures"]["x2"]
    assert set(figures) == {"model", "baseline"}
    assert 15 < figures["baseline"]["y_psnr"] < 60 and 0 < figures["model"]["y_ssim"] <= 1
    assert model(np.zeros((1, 8, 8, 3), "float32")).shape == (1, 16, 16, 3)
    for name in ("config.json", "history.csv", "best.keras"):
        assert (sr_run / name).is_file()
    assert list((sr_run / "logs" / "images").iterdir())


def test_more_epochs_resume_from_the_last_backup(small_photo_folder, tmp_path, capsys):
    out = tmp_path / "run"
    train_restoration(_config(small_photo_folder, out, epochs=1))
    (out / "model" / "metadata.json").unlink()  # as if killed before the model was saved
    metadata = train_restoration(_config(small_photo_folder, out, epochs=2))
    assert "resuming after epoch 1" in capsys.readouterr().err
    assert metadata["epochs"] == 2 and len(metadata["history"]["val_psnr"]) == 2


def test_a_finished_run_only_reports(sr_run, small_photo_folder, capsys):
    metadata = train_restoration(_config(small_photo_folder, sr_run))
    assert "finished already" in capsys.readouterr().err
    assert metadata == json.loads((sr_run / "model" / "metadata.json").read_text())


def test_denoise_run_starts_from_matching_layers_of_another_model(small_photo_folder,
                                                                  tmp_path, capsys):
    first = tmp_path / "first"
    options = {"filters": 8, "depth": 3, "downscale": 2}
    settings = dict(task="denoise", model="dncnn", model_options=options, scale=1)
    train_restoration(_config(small_photo_folder, first, **settings))
    source, _ = load_model_folder(first)
    second = train_restoration(_config(small_photo_folder, tmp_path / "second", init=str(first),
                                       steps_per_epoch=1, **settings))
    assert "started from 3 layers" in capsys.readouterr().err
    assert set(second["figures"]) == {"sigma15", "sigma25", "sigma50"}


def test_sr_run_starts_from_every_layer_of_the_same_model(sr_run, small_photo_folder, tmp_path,
                                                          capsys):
    # The layers are named: automatic names differ between two models of one process.
    train_restoration(_config(small_photo_folder, tmp_path / "second", init=str(sr_run),
                              steps_per_epoch=1))
    assert "started from 3 layers" in capsys.readouterr().err


@pytest.mark.parametrize("overrides, match", [
    ({"task": "style"}, "task"),
    ({"model": "dncnn"}, "sr model"),
    ({"scale": 3}, "dividing patch_size"),
    ({"sigma": (30, 10)}, "sigma"),
    ({"loss": "huber"}, "loss"),
    ({"precision": "int8"}, "precision"),
    ({"validation_crop": 30}, "validation_crop"),
    ({"scale": 3, "patch_size": 48, "validation_crop": 200}, "divisible by 12"),
    ({"data": None}, "--data"),
])
def test_bad_settings_are_refused(overrides, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        _config(tmp_path, tmp_path / "out", **overrides)


def test_a_folder_that_is_not_a_run_is_left_alone(small_photo_folder, tmp_path):
    (tmp_path / "mine.txt").write_text("keep")
    with pytest.raises(ValueError, match="not a tfimg training run"):
        train_restoration(_config(small_photo_folder, tmp_path))
    assert (tmp_path / "mine.txt").read_text() == "keep"


def test_a_folder_without_validation_photos_is_refused_by_name(small_photo_folder, tmp_path):
    photos = tmp_path / "two"
    photos.mkdir()
    for name in ("astronaut.png", "chelsea.png"):  # both fall in the training split
        (photos / name).write_bytes((small_photo_folder / name).read_bytes())
    with pytest.raises(ValueError, match="validation split"):
        train_restoration(_config(photos, tmp_path / "out"))

import re

import numpy as np
import pytest
from PIL import Image

from tfimg.cli import main
from tfimg.train import RestorationConfig, train_restoration

RNG = np.random.default_rng(0)


def _train(folder, out, **settings):
    base = dict(data=str(folder), epochs=1, steps_per_epoch=1, batch_size=2, patch_size=32,
                validation=0.25, validation_crop=64, precision="float32", out=str(out))
    train_restoration(RestorationConfig(**{**base, **settings}))
    return out


@pytest.fixture(scope="module")
def models(small_photo_folder, tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return {"sr": _train(small_photo_folder, root / "espcn_x2", task="sr", scale=2,
                         model="espcn", model_options={"filters": [4, 4]}),
            "denoise": _train(small_photo_folder, root / "dncnn", task="denoise",
                              model_options={"filters": 4, "depth": 3, "downscale": 2})}


def _photo(path, size=(40, 30), mode="RGB"):
    pixels = RNG.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).convert(mode).save(path)
    return path


def test_sr_upscales_a_file_and_writes_the_comparison(models, tmp_path):
    source = _photo(tmp_path / "in.png")
    code = main(["sr", "--scale", "2", "--model", str(models["sr"]), str(source),
                 str(tmp_path / "out.png"), "--compare", str(tmp_path / "cmp.png")])
    assert code == 0
    assert Image.open(tmp_path / "out.png").size == (80, 60)
    assert Image.open(tmp_path / "cmp.png").size[0] == 3 * 320 + 8


def test_sr_tiles_large_images_like_whole_ones(models, tmp_path):
    source = _photo(tmp_path / "in.png", (70, 50))
    outputs = []
    for tile in ("0", "16"):
        target = tmp_path / f"out{tile}.png"
        assert main(["sr", "--scale", "2", "--model", str(models["sr"]), "--tile", tile,
                     str(source), str(target)]) == 0
        outputs.append(np.asarray(Image.open(target), np.int16))
    assert np.abs(outputs[0] - outputs[1]).max() <= 1


def test_a_folder_keeps_relative_names_and_skips_bad_files(models, tmp_path, capsys):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    _photo(folder / "a.png")
    _photo(folder / "sub" / "grey.png", mode="L")
    _photo(folder / "alpha.png", mode="RGBA")
    Image.fromarray(RNG.integers(0, 65535, size=(20, 20), dtype=np.uint16)).save(
        folder / "deep.png")
    (folder / "fake.jpg").write_text("<html>not an image</html>")
    code = main(["denoise", "--model", str(models["denoise"]), str(folder),
                 str(tmp_path / "out")])
    assert code == 1
    written = sorted(p.relative_to(tmp_path / "out").as_posix()
                     for p in (tmp_path / "out").rglob("*.*"))
    assert written == ["a.png", "alpha.png", "deep.png", "sub/grey.png"]
    assert Image.open(tmp_path / "out" / "deep.png").mode == "RGB"
    assert "skipped fake.jpg" in capsys.readouterr().err


def test_denoise_sigma_adds_noise_first(models, tmp_path):
    source = tmp_path / "flat.png"
    Image.new("RGB", (32, 32), (128, 128, 128)).save(source)
    assert main(["denoise", "--sigma", "25", "--model", str(models["denoise"]), str(source),
                 str(tmp_path / "out.png"), "--compare", str(tmp_path / "cmp.png")]) == 0
    assert (tmp_path / "cmp.png").is_file()


@pytest.mark.parametrize("args, message", [
    (["sr", "--scale", "3", "--model", "{sr}", "{photo}", "{out}"], "upscales x2"),
    (["sr", "--scale", "2", "--model", "{denoise}", "{photo}", "{out}"], "'denoise' model"),
    (["sr", "--model", "no_such_model", "{photo}", "{out}"], "no shipped model"),
    (["sr", "--scale", "2", "--model", "{sr}", "--max-pixels", "2000", "{photo}", "{out}"],
     "output would have 4800 pixels"),
    (["denoise", "--model", "{denoise}", "--max-pixels", "100", "{photo}", "{out}"],
     "too_many_pixels|pixels"),
    (["denoise", "--model", "{denoise}", "--sigma", "-1", "{photo}", "{out}"], "--sigma"),
    (["denoise", "--model", "{denoise}", "{text}", "{out}"], "not_image|HTML"),
    (["denoise", "--model", "{denoise}", "{missing}", "{out}"], "no such file"),
])
def test_bad_input_gives_one_line_and_exit_2(models, tmp_path, capsys, args, message):
    values = {"sr": models["sr"], "denoise": models["denoise"], "out": tmp_path / "o.png",
              "photo": _photo(tmp_path / "p.png"), "missing": tmp_path / "missing.png",
              "text": tmp_path / "t.png"}
    (tmp_path / "t.png").write_text("<html></html>")
    assert main([arg.format(**values) for arg in args]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and re.search(message, error)

"""`tfimg match` and `tfimg similarity` on real photos, in a real process and in-process."""

import inspect
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfimg import cv, ops
from tfimg.cli import build_parser, main

from tests.cv.conftest import random_homography, read_rgb, sun80_paths, warp


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(photo.png, warped.png, the true homography) in a temporary folder."""
    paths = sun80_paths()
    if not paths:
        pytest.skip("shared data photos/sun80 not found (see ../shared/data/README.md)")
    photo = cv2.resize(read_rgb(paths[1]), (480, 360), interpolation=cv2.INTER_AREA)
    truth = random_homography(np.random.default_rng(11), photo.shape[:2])
    root = tmp_path_factory.mktemp("match")
    Image.fromarray(photo).save(root / "photo.png")
    Image.fromarray(warp(photo, truth)).save(root / "warped.png")
    return root / "photo.png", root / "warped.png", truth


@pytest.mark.parametrize("method", ["orb", "sift"])
def test_match_writes_the_homography_and_a_picture(pair, tmp_path, method):
    first, second, truth = pair
    result = subprocess.run(
        [sys.executable, "-m", "tfimg.cli", "match", str(first), str(second), "--method",
         method, "--json", str(tmp_path / "m.json"), "--out", str(tmp_path / "viz.png")],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "inliers" in result.stdout and "homography (IMAGE1 -> IMAGE2" in result.stdout
    found = json.loads((tmp_path / "m.json").read_text())
    assert found["method"] == method and 20 < found["inliers"] <= found["matches"]
    assert cv.corner_error(np.array(found["homography"]), truth, (360, 480)) <= 2.0
    assert np.asarray(Image.open(tmp_path / "viz.png")).shape == (360, 960, 3)


def test_match_without_a_homography_says_so(pair, tmp_path, capsys):
    Image.new("RGB", (64, 64), "gray").save(tmp_path / "flat.png")
    assert main(["match", str(pair[0]), str(tmp_path / "flat.png")]) == 1
    assert "no homography" in capsys.readouterr().out


def test_match_defaults_are_the_library_s():
    signature = inspect.signature(cv.match_images).parameters
    parser = build_parser()
    args = parser.parse_args(["match", "a.png", "b.png"])
    for name in ("method", "matcher", "ratio", "threshold", "max_features"):
        assert getattr(args, name) == signature[name].default, name


def test_similarity_of_a_photo_and_a_noisy_copy(pair, tmp_path, capsys):
    photo = np.asarray(Image.open(pair[0]))
    noisy = np.clip(photo + np.random.default_rng(0).normal(0, 10, photo.shape), 0,
                    255).astype(np.uint8)
    Image.fromarray(noisy).save(tmp_path / "noisy.png")
    assert main(["similarity", str(pair[0]), str(tmp_path / "noisy.png"), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    a, b = tf.constant(photo), tf.constant(noisy)
    assert scores["psnr"] == pytest.approx(float(ops.psnr(a, b, 255)), abs=1e-4)
    assert scores["ssim"] == pytest.approx(float(ops.ssim(a, b, 255)), abs=1e-6)
    assert scores["ms_ssim"] == pytest.approx(float(ops.ms_ssim(a, b, 255)), abs=1e-6)
    assert 0.9 < scores["cosine"] < 1.0
    assert main(["similarity", str(pair[0]), str(pair[0])]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["cosine   1.000000", "psnr     inf dB", "ssim     1.000000",
                     "ms_ssim  1.000000"]


def test_similarity_of_different_sizes_is_refused(pair, tmp_path, capsys):
    Image.new("RGB", (20, 10)).save(tmp_path / "small.png")
    assert main(["similarity", str(pair[0]), str(tmp_path / "small.png")]) == 2
    error = capsys.readouterr().err
    assert error == (f"tfimg similarity: error: {tmp_path / 'small.png'}: size 20x10 differs "
                     f"from {pair[0]}'s 480x360\n")

"""`tfimg process`: files and folders on real photos, results equal to the library's, formats
kept, bad files skipped and named, flags checked against the operation."""

import subprocess
import sys

import cv2
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfimg import ops
from tfimg.cli import main
from tfimg.cli.process import OPERATIONS
from tfimg.formats import sniff_format

from tests.cli.test_quiet import RUN_AND_REPORT
from tests.cv.conftest import read_rgb, sun80_paths


@pytest.fixture(scope="module")
def photo():
    paths = sun80_paths()
    if not paths:
        pytest.skip("shared data photos/sun80 not found (see ../shared/data/README.md)")
    return cv2.resize(read_rgb(paths[0]), (160, 120), interpolation=cv2.INTER_AREA)


@pytest.fixture()
def folder(tmp_path, photo):
    """in/a.png (the photo), in/sub/b.jpg (a crop), in/bad.png (not an image)."""
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    Image.fromarray(photo).save(root / "a.png")
    Image.fromarray(photo[:64, :96]).save(root / "sub" / "b.jpg", quality=95)
    (root / "bad.png").write_bytes(b"not an image at all")
    return root


def test_list_shows_every_operation_and_its_parameters(capsys):
    assert main(["process", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == sorted(OPERATIONS)
    assert "gaussian_blur            [rgb] --ksize required --sigma 0.0" in lines
    assert any(line.startswith("inpaint ") and "--mask required" in line for line in lines)


def test_a_folder_keeps_names_and_formats_and_skips_bad_files(folder, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["process", "gaussian_blur", str(folder), str(out), "--ksize", "5",
                 "--sigma", "1.2"])
    captured = capsys.readouterr()
    assert code == 1  # one file skipped
    assert "skipped bad.png: " in captured.err and "not an image" in captured.err
    assert "2 of 3 images written" in captured.out
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "a.png", "sub/b.jpg"]
    assert sniff_format((out / "a.png").read_bytes()[:32]) == "png"
    assert sniff_format((out / "sub" / "b.jpg").read_bytes()[:32]) == "jpeg"
    source = np.asarray(Image.open(folder / "a.png"))
    expected = ops.gaussian_blur(tf.constant(source), 5, 1.2).numpy()
    np.testing.assert_array_equal(np.asarray(Image.open(out / "a.png")), expected)


def test_grey_operations_write_one_channel(folder, tmp_path):
    out = tmp_path / "edges.png"
    assert main(["process", "canny", str(folder / "a.png"), str(out), "--low-threshold", "50",
                 "--high-threshold", "150"]) == 0
    edges = np.asarray(Image.open(out))
    assert edges.ndim == 2 and set(np.unique(edges)) <= {0, 255}
    assert 0.01 < np.mean(edges == 255) < 0.5


def test_inpaint_fills_only_the_mask(folder, tmp_path, photo):
    mask = np.zeros(photo.shape[:2], np.uint8)
    mask[40:50, 30:90] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    out = tmp_path / "restored.png"
    assert main(["process", "inpaint", str(folder / "a.png"), str(out), "--mask",
                 str(tmp_path / "mask.png"), "--method", "ns"]) == 0
    restored = np.asarray(Image.open(out))
    np.testing.assert_array_equal(restored[mask == 0], photo[mask == 0])
    assert np.any(restored[mask > 0] != photo[mask > 0])


@pytest.mark.parametrize("args,message", [
    (["box_blur", "{a}", "{out}", "--ksize", "3", "--sigma", "1"],
     "box_blur does not read --sigma (it takes --ksize)"),
    (["box_blur", "{a}", "{out}"], "box_blur needs --ksize"),
    (["erode", "{a}", "{out}", "--shape", "ellipse"], "erode --shape ellipse needs --ksize"),
    (["inpaint", "{a}", "{out}"], "inpaint needs --mask"),
    (["grayscale", "{folder}", "{folder}"], "the output folder would overwrite the input"),
    (["grayscale", "{folder}/missing.png", "{out}"], "missing.png: no such file or folder"),
    (["grayscale", "{folder}/bad.png", "{out}"], "bad.png: not an image"),
    (["median_blur", "{a}", "{out}", "--ksize", "4"], "ksize=4"),
    (["grayscale"], "expected OP INPUT OUTPUT (or --list)"),
    (["grayscale", "{a}", "{out}", "--max-pixels", "100"], "is over 100 pixels"),
])
def test_mistakes_are_one_line_naming_the_flag_or_file(folder, tmp_path, capsys, args, message):
    values = {"a": folder / "a.png", "out": tmp_path / "out.png", "folder": folder}
    assert main(["process"] + [arg.format(**values) for arg in args]) == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("tfimg process: error: ") and message in error, error
    assert not (tmp_path / "out.png").exists()


def test_symbolic_links_are_not_followed_out_of_the_folder(folder, tmp_path, photo):
    outside = tmp_path / "outside"
    outside.mkdir()
    Image.fromarray(photo).save(outside / "secret.png")
    (folder / "link").symlink_to(outside, target_is_directory=True)
    (folder / "linked.png").symlink_to(outside / "secret.png")
    out = tmp_path / "out"
    main(["process", "grayscale", str(folder), str(out)])
    assert not (out / "link").exists() and not (out / "linked.png").exists()


def test_an_output_folder_inside_the_input_is_not_read_back(folder, capsys):
    out = folder / "processed"
    assert main(["process", "grayscale", str(folder), str(out)]) == 1  # bad.png
    assert main(["process", "grayscale", str(folder), str(out)]) == 1
    assert "2 of 3 images written" in capsys.readouterr().out.splitlines()[-1]
    assert not (out / "processed").exists()


def test_help_of_the_image_verbs_does_not_import_tensorflow():
    for verb in ("process", "match", "similarity"):
        result = subprocess.run([sys.executable, "-c", RUN_AND_REPORT, verb, "--help"],
                                capture_output=True, text=True, timeout=300)
        assert result.stdout.strip().endswith("tensorflow loaded: False"), result.stdout

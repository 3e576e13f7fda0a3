"""What a user can get wrong on the command line ends in one line naming the flag or the file,
and every option says what it does and its default."""

import argparse
import json
import re
import subprocess
import sys

import pytest
from PIL import Image

from tfimg.cli import VERBS, build_parser, main


def _options(parser, path=()):
    """(verb path, action) of every option of `parser` and its sub-commands."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, (*path, name))
        elif action.option_strings and action.dest != "help" and not isinstance(
                action, argparse._VersionAction):
            yield path, action


@pytest.mark.parametrize("verb", VERBS)
def test_every_option_says_what_it_does_and_its_default(verb):
    missing = [f"{' '.join(path)} {action.option_strings[-1]}"
               for path, action in _options(build_parser()) if path[0] == verb and not (
                   action.help and (action.required or "default" in action.help))]
    assert missing == []


def test_download_merge_has_its_own_help(capsys):
    with pytest.raises(SystemExit):
        main(["download", "merge", "--help"])
    shown = capsys.readouterr().out
    assert shown.startswith("usage: tfimg download merge") and "SHARD_DIR" in shown
    assert "--threads" not in shown


def test_train_without_data_is_one_line():
    result = subprocess.run([sys.executable, "-m", "tfimg.cli", "train", "--epochs", "1"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("tfimg train: error: ")


@pytest.mark.parametrize("content, flags, message", [
    ("[" * 100000, [], r"cfg.json': JSON nested too deeply"),
    ("{\"epochs\": ", [], r"cfg.json' is not JSON: Expecting value"),
    ("{}", ["--learning-rate", "nan"], r"Expected learning_rate >= 0, received nan"),
])
def test_train_settings_that_cannot_be_used_are_one_line(tmp_path, capsys, content, flags,
                                                         message):
    (tmp_path / "cfg.json").write_text(content)
    (tmp_path / "data" / "a").mkdir(parents=True)
    assert main(["train", "--data", str(tmp_path / "data"), "--config", str(tmp_path / "cfg.json"),
                 "--out", str(tmp_path / "run"), *flags]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and re.search(message, error), error
    assert not (tmp_path / "run").exists()


def _yolo_folder(root):
    root.mkdir()
    Image.new("RGB", (40, 20)).save(root / "a.png")
    (root / "a.txt").write_text("0 0.5 0.5 0.25 0.5\n")
    (root / "classes.txt").write_text("cat\n")
    return root


def test_label_format_is_inferred_from_the_files(tmp_path, capsys):
    root = _yolo_folder(tmp_path / "yolo")
    assert main(["labels", "validate", str(root)]) == 0
    captured = capsys.readouterr()
    assert "1 annotated images, 1 boxes, 0 issues" in captured.out  # not 0 files checked
    assert "yolo annotations (inferred; --format to choose)" in captured.err
    assert main(["labels", "stats", str(root)]) == 0
    assert "1 images, 1 boxes" in capsys.readouterr().out


@pytest.mark.parametrize("files, message", [
    ({"a.txt": "0 0.5 0.5 0.1 0.1\n", "b.xml": "<annotation/>"},
     "1 .xml (VOC) and 1 .txt (YOLO) annotation files; pass --format voc or --format yolo"),
    ({"a.png": None}, "no annotation files (.xml for VOC, .txt for YOLO); pass --format"),
])
def test_an_unclear_label_format_is_refused(tmp_path, capsys, files, message):
    for name, text in files.items():
        if text is None:
            Image.new("RGB", (4, 4)).save(tmp_path / name)
        else:
            (tmp_path / name).write_text(text)
    assert main(["labels", "validate", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"tfimg labels: error: {tmp_path}: {message}\n"


def test_missing_annotations_are_an_error_not_an_empty_success(tmp_path, capsys):
    missing = str(tmp_path / "missing")
    assert main(["labels", "convert", "--from", "voc", "--to", "coco", missing,
                 str(tmp_path / "out.json")]) == 2
    assert main(["labels", "validate", missing, "--format", "voc"]) == 2
    assert capsys.readouterr().err.count(f"No annotation file or folder at {missing!r}") == 2
    assert not (tmp_path / "out.json").exists()


def test_tfrecord_leaves_out_and_names_the_files_scan_finds_bad(hostile_folder, tmp_path):
    result = subprocess.run([sys.executable, "-m", "tfimg.cli", "tfrecord", str(hostile_folder),
                             "--out", str(tmp_path), "--name", "h"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "skipped bad/truncated.jpg: corrupt: " in result.stderr
    assert "skipped bad/bomb.png: too_large: " in result.stderr
    assert "6 of 18 files skipped" in result.stderr
    assert json.loads((tmp_path / "h-train.json").read_text())["num_examples"] == 12

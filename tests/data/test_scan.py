"""Tests for tfimg.data.scan on the hostile folder built by tests/data/hostile.py."""

import csv
import dataclasses
import importlib
import json
import os
import pathlib
import subprocess
import sys

import pytest
from PIL import Image

from tests.data.hostile import (
    BOMB_SIZE,
    EXPECTED_FRAMES,
    EXPECTED_MODES,
    EXPECTED_SIZES,
    make_hostile_folder,
)
from tfimg.formats import DEFAULT_MAX_PIXELS
from tfimg.data.scan import STATUSES, ScanEntry, ScanReport, scan, scan_bytes, scan_file

scan_module = importlib.import_module("tfimg.data.scan")

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """(root, expected statuses, report) for one hostile folder shared by the module."""
    root = tmp_path_factory.mktemp("hostile")
    expected = make_hostile_folder(root)
    return root, expected, scan(root)


def _by_path(report):
    return {entry.path: entry for entry in report.entries}


def test_every_file_gets_its_expected_status(hostile):
    _, expected, report = hostile
    assert {entry.path: entry.status for entry in report.entries} == expected


def test_scan_bytes_finds_what_scan_file_finds(hostile):
    """The checks that name a request's bad instance are the file checks, on bytes."""
    root, expected, report = hostile
    for entry in report.entries:
        found = scan_bytes((root / entry.path).read_bytes(), name=entry.path)
        assert dataclasses.replace(found, reason="") == dataclasses.replace(entry, reason="")
        assert (found.reason == "") == (entry.reason == ""), entry.path
    assert scan_bytes(b"", name="instances[2]") == ScanEntry("instances[2]", "empty",
                                                             reason="0 bytes")


def test_entries_are_sorted_relative_posix_paths(hostile):
    _, expected, report = hostile
    paths = [entry.path for entry in report.entries]
    assert paths == sorted(expected)
    assert all("\\" not in path and not path.startswith("/") for path in paths)


def test_reasons_are_empty_exactly_for_ok_files(hostile):
    _, _, report = hostile
    for entry in report.entries:
        assert (entry.reason == "") == (entry.status == "ok"), entry


def test_too_large_reason_names_the_pixel_count_and_the_limit(hostile):
    _, _, report = hostile
    reason = _by_path(report)["bad/bomb.png"].reason
    assert str(BOMB_SIZE[0] * BOMB_SIZE[1]) in reason
    assert str(DEFAULT_MAX_PIXELS) in reason


def test_too_large_from_own_header_check_when_pillow_has_no_limit(hostile, monkeypatch):
    root, _, _ = hostile
    # With Pillow's own bomb guard off, the scanner's header check must still stop the file.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    entry = scan_file(root / "bad" / "bomb.png", root=root)
    assert entry.status == "too_large"
    width, height = BOMB_SIZE
    assert f"{width}x{height} = {width * height} pixels > limit {DEFAULT_MAX_PIXELS}" in (
        entry.reason)
    assert (entry.width, entry.height) == BOMB_SIZE


def test_animated_webp_is_unsupported_and_says_why(hostile):
    _, _, report = hostile
    entry = _by_path(report)["bad/anim.webp"]
    assert "animated WebP" in entry.reason
    assert entry.frames == EXPECTED_FRAMES["bad/anim.webp"]


def test_truncated_jpeg_reason_carries_pillow_message(hostile):
    _, _, report = hostile
    assert "truncated" in _by_path(report)["bad/truncated.jpg"].reason


def test_sizes_modes_and_frames_of_good_files(hostile):
    _, _, report = hostile
    entries = _by_path(report)
    assert {path: (entries[path].height, entries[path].width) for path in EXPECTED_SIZES} == (
        EXPECTED_SIZES)
    assert {path: entries[path].mode for path in EXPECTED_MODES} == EXPECTED_MODES
    assert entries["good/anim.gif"].frames == EXPECTED_FRAMES["good/anim.gif"]
    assert entries["good/rotated.jpg"].orientation == 6
    assert entries["good/rgb.jpg"].orientation == 1


def test_format_comes_from_content_not_name(hostile):
    _, _, report = hostile
    entries = _by_path(report)
    assert entries["bad/png_named.jpg"].format == "png"
    assert entries["good/still.webp"].format == "webp"
    assert entries["bad/drawing.svg"].format == "svg"
    assert entries["bad/text.jpg"].format == ""


def test_bytes_are_file_sizes(hostile):
    root, _, report = hostile
    for entry in report.entries:
        assert entry.bytes == os.path.getsize(root / entry.path)


def test_counts_cover_every_status_and_sum_to_files(hostile):
    _, expected, report = hostile
    counts = report.counts
    assert tuple(counts) == STATUSES
    assert sum(counts.values()) == len(expected)
    assert counts["ok"] == 12
    assert counts["unreadable"] == 0


def test_ok_paths_and_bad_entries_partition_the_report(hostile):
    _, expected, report = hostile
    assert report.ok_paths() == tuple(sorted(p for p, s in expected.items() if s == "ok"))
    assert {entry.path for entry in report.bad_entries()} == {
        p for p, s in expected.items() if s != "ok"}


def test_both_classes_have_good_images(hostile):
    _, _, report = hostile
    classes = {path.split("/")[0] for path in report.ok_paths()}
    assert classes == {"good", "bad"}
    assert sum(path.startswith("bad/") for path in report.ok_paths()) >= 2


def test_summary_lists_counts_and_each_bad_file(hostile):
    _, _, report = hostile
    summary = report.summary()
    assert "too_large: 1" in summary
    for entry in report.bad_entries():
        assert f"{entry.path}: {entry.status} ({entry.reason})" in summary
    assert "good/rgb.jpg" not in summary


def test_write_csv_round_trips(hostile, tmp_path):
    _, _, report = hostile
    path = tmp_path / "report.csv"
    report.write(path)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    integers = ("width", "height", "frames", "orientation", "bytes")
    entries = tuple(
        ScanEntry(**{key: int(value) if key in integers else value for key, value in row.items()})
        for row in rows)
    assert entries == report.entries
    assert os.listdir(tmp_path) == ["report.csv"]  # No temporary file left behind.


def test_write_json_round_trips(hostile, tmp_path):
    _, _, report = hostile
    path = tmp_path / "report.json"
    report.write(str(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["root"] == report.root
    assert document["counts"] == report.counts
    assert ScanReport(document["root"], tuple(ScanEntry(**row) for row in document["entries"])) \
        == report


def test_write_replaces_an_existing_report(hostile, tmp_path):
    _, _, report = hostile
    path = tmp_path / "report.json"
    path.write_text("stale", encoding="utf-8")
    report.write(path)
    assert json.loads(path.read_text(encoding="utf-8"))["counts"] == report.counts


def test_write_unknown_suffix_raises_naming_the_path(hostile, tmp_path):
    _, _, report = hostile
    path = tmp_path / "report.txt"
    with pytest.raises(ValueError, match="report.txt"):
        report.write(path)
    assert not path.exists()


def test_scan_of_a_single_file(hostile):
    root, _, _ = hostile
    report = scan(root / "good" / "rotated.jpg")
    assert report.root == str(root / "good")
    assert [(entry.path, entry.status) for entry in report.entries] == [("rotated.jpg", "ok")]


def test_scan_file_keeps_path_as_given_without_root(hostile):
    root, _, _ = hostile
    path = str(root / "bad" / "empty.jpg")
    entry = scan_file(path)
    assert (entry.path, entry.status) == (path.replace(os.sep, "/"), "empty")


def test_unreadable_when_the_file_cannot_be_read(hostile):
    root, _, _ = hostile
    # A folder passed as a file fails to open with IsADirectoryError, an OSError like EACCES
    # (permissions do not stop root, which runs tests in some containers).
    entry = scan_file(root / "good", root=root)
    assert entry.status == "unreadable"
    assert entry.reason


def test_missing_root_raises_naming_it(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="nowhere"):
        scan(missing)


@pytest.mark.parametrize("arguments", [{"max_pixels": 0}, {"workers": 0}])
def test_bad_arguments_raise_value_error(tmp_path, arguments):
    with pytest.raises(ValueError, match=list(arguments)[0]):
        scan(tmp_path, **arguments)


def test_small_max_pixels_turns_good_images_too_large(hostile):
    root, expected, _ = hostile
    report = scan(root, max_pixels=100, workers=2)
    statuses = {entry.path: entry.status for entry in report.entries}
    for path in EXPECTED_SIZES:
        assert statuses[path] == "too_large", path
        assert "limit 100" in _by_path(report)[path].reason
    # Files that are not decodable images keep their own status.
    assert statuses["bad/text.jpg"] == expected["bad/text.jpg"]
    assert statuses["bad/anim.webp"] == "unsupported"


def test_hidden_files_and_folders_are_skipped(tmp_path):
    make_hostile_folder(tmp_path)
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "x.jpg").write_bytes(b"junk")
    (tmp_path / "good" / ".DS_Store").write_bytes(b"junk")
    paths = [entry.path for entry in scan(tmp_path).entries]
    assert not any("/." in path or path.startswith(".") for path in paths)


def test_progress_goes_to_stderr(hostile, capsys):
    root, expected, _ = hostile
    scan(root, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{len(expected)}/{len(expected)}" in captured.err


def test_hostile_folder_is_deterministic_and_small(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    expected = make_hostile_folder(first)
    make_hostile_folder(second)
    for path in expected:
        assert (first / path).read_bytes() == (second / path).read_bytes(), path
    assert (first / "bad" / "bomb.png").stat().st_size < 10_000


def test_scan_module_imports_no_tensorflow():
    # tfimg/data/__init__.py may import TensorFlow for the pipeline, so the stage package is
    # replaced by an empty package over the same folder: only scan.py and what it imports run.
    code = "\n".join([
        "import sys, types",
        "import tfimg",
        "package = types.ModuleType('tfimg.data')",
        f"package.__path__ = [{str(pathlib.Path(scan_module.__file__).parent)!r}]",
        "sys.modules['tfimg.data'] = package",
        "import tfimg.data.scan",
        "assert 'PIL.Image' in sys.modules",
        "print(sorted(name for name in sys.modules if name.split('.')[0] in",
        "             ('tensorflow', 'keras', 'jax', 'torch')))",
    ])
    result = subprocess.run([sys.executable, "-c", code], cwd=REPOSITORY, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_csv_report_keeps_a_file_name_that_is_not_utf8(tmp_path):
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.png"), "wb") as file:
        Image.new("RGB", (4, 4)).save(file, format="PNG")
    report = scan(tmp_path)
    report.write(tmp_path / "report.csv")
    assert b"caf\xe9.png,ok," in (tmp_path / "report.csv").read_bytes()


def test_a_link_out_of_the_folder_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"TOP SECRET")
    root = tmp_path / "data"
    (root / "cat").mkdir(parents=True)
    (root / "cat" / "leak.jpg").symlink_to(secret)
    Image.new("RGB", (4, 4)).save(root / "cat" / "inside.png")
    (root / "cat" / "alias.png").symlink_to(root / "cat" / "inside.png")
    report = scan(root)
    entries = {entry.path: entry for entry in report.entries}
    assert entries["cat/leak.jpg"].status == "unreadable"
    assert "outside the folder" in entries["cat/leak.jpg"].reason
    assert "SECRET" not in json.dumps([dataclasses.asdict(e) for e in report.entries])
    assert entries["cat/alias.png"].status == "ok"  # a link within the folder is fine

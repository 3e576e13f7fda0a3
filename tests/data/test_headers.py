"""Tests for tfimg.data.headers: declared sizes and formats read without decoding, against
PIL on the hostile files."""

import io

import tensorflow as tf
from PIL import Image

from tests.data.hostile import BOMB_SIZE, EXPECTED_STATUSES
from tfimg.data.headers import BMP, GIF, JPEG, PNG, UNKNOWN, WEBP, declared_size, image_format


def _read(root, relative):
    return (root / relative).read_bytes()


def test_declared_size_of_the_bomb_is_read_from_its_header(hostile_folder):
    data = _read(hostile_folder, "bad/bomb.png")
    assert len(data) < 1_000_000  # 400 megapixels declared, a few rows of data stored.
    height, width, found = declared_size(tf.constant([data]))
    assert (int(height[0]), int(width[0]), bool(found[0])) == (BOMB_SIZE[1], BOMB_SIZE[0], True)


def test_declared_size_and_format_of_every_hostile_file(hostile_folder, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # Let PIL open the bomb's header.
    paths = sorted(EXPECTED_STATUSES)
    contents = tf.constant([_read(hostile_folder, relative) for relative in paths])
    heights, widths, found = (value.numpy() for value in declared_size(contents))
    formats = image_format(contents).numpy()
    codes = {"JPEG": JPEG, "PNG": PNG, "GIF": GIF, "BMP": BMP, "WEBP": WEBP}
    for relative, height, width, is_found, code in zip(paths, heights, widths, found, formats):
        data = _read(hostile_folder, relative)
        try:
            with Image.open(io.BytesIO(data)) as image:  # Stored size, before any EXIF turn.
                expected = (image.format, image.size[1], image.size[0])
        except Exception:  # noqa: BLE001 - text, SVG, empty: no image PIL knows.
            expected = None
        if expected is None or expected[0] not in codes:
            assert code == UNKNOWN and not is_found, relative
            continue
        assert code == codes[expected[0]], relative
        assert (bool(is_found), int(height), int(width)) == (True, *expected[1:]), relative

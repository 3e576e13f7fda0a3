"""Tests for tfimg.data.headers: declared sizes and formats read without decoding, against
PIL on the hostile files."""

import io

import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.data.hostile import BOMB_SIZE, EXPECTED_STATUSES
from tfimg.data.headers import (BMP, GIF, JPEG, PNG, UNKNOWN, WEBP, declared_size, image_format,
                                parse_headers, plain_jpeg_heads)


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


def _plain_jpeg_head(head):
    """The rule `plain_jpeg_heads` implements, in Python: SOI, then no APP1 "Exif" segment
    right after it or after a JFIF APP0, and enough bytes to see that."""
    if not head.startswith(b"\xff\xd8\xff"):
        return False
    position = 4 + int.from_bytes(head[4:6].ljust(2, b"\0"), "big") \
        if head[2:4] == b"\xff\xe0" else 2
    if position + 10 > len(head):
        return False
    segment = head[position:position + 10]
    return not (segment[:2] == b"\xff\xe1" and segment[4:] == b"Exif\0\0")


_SEGMENTS = st.sampled_from([b"\xff\xd8\xff", b"\xff\xd8", b"\xff\xe0", b"\xff\xe1",
                             b"\x00\x10", b"\x00\x0e", b"\xff\xff", b"Exif\0\0", b"JFIF\0",
                             b"\x89PNG"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(_SEGMENTS, st.binary(max_size=8)), max_size=10)
                .map(b"".join).map(lambda head: head[:64]), min_size=1, max_size=8))
def test_plain_jpeg_heads_follows_the_segment_rule_on_hostile_heads(heads):
    expected = [_plain_jpeg_head(head) for head in heads]
    assert plain_jpeg_heads(tf.constant(heads)).numpy().tolist() == expected


def test_plain_jpeg_heads_agrees_with_parse_headers_on_the_hostile_files(hostile_folder):
    paths = sorted(EXPECTED_STATUSES)
    contents = [_read(hostile_folder, relative) for relative in paths]
    parsed = parse_headers(tf.constant(contents))
    plain = plain_jpeg_heads(tf.constant([data[:64] for data in contents])).numpy()
    for data, is_plain, code, exif in zip(contents, plain, parsed.format_code.numpy(),
                                          parsed.has_exif.numpy()):
        if is_plain:  # A plain head is a JPEG in which the full parser finds no EXIF.
            assert code == JPEG and not exif
        assert is_plain == _plain_jpeg_head(data[:64])
    named = dict(zip(paths, plain))
    assert named["good/rgb.jpg"] and not named["good/rotated.jpg"]

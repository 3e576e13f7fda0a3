"""Tests for tfimg.data.headers: declared sizes and formats read without decoding, against
PIL on the hostile files."""

import io
import struct

import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.data.hostile import BOMB_SIZE, EXPECTED_STATUSES
from tfimg.data.headers import (BMP, GIF, JPEG, PNG, UNKNOWN, WEBP, declared_size,
                                exif_orientation, image_format, jpeg_headers, parse_headers,
                                plain_jpeg_heads)


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


# --- EXIF orientation: the batch reader, the one-file reader and the rule in Python -----------

def _orientation_rule(data):
    """The EXIF rule the readers implement: an APP1 "Exif" segment right after SOI or after a
    JFIF APP0; in its TIFF header's byte order ("II" little endian, anything else big), the
    largest Orientation value among IFD0's first 32 entries; 1 unless that is 1-8. Bytes past
    the end read as zeros."""
    def at(position, length):
        return data[position:position + length].ljust(length, b"\0")

    if data[:2] != b"\xff\xd8":
        return 1
    position = 4 + int.from_bytes(at(4, 2), "big") if at(2, 2) == b"\xff\xe0" else 2
    segment = at(position, 18)
    if segment[:2] != b"\xff\xe1" or segment[4:10] != b"Exif\0\0":
        return 1
    order = "little" if segment[10:12] == b"II" else "big"
    ifd = at(position + 10 + min(int.from_bytes(segment[14:18], order), 2 ** 30), 2 + 12 * 32)
    entries = [ifd[2 + 12 * i:14 + 12 * i] for i in range(min(int.from_bytes(ifd[:2], order), 32))]
    value = max((int.from_bytes(entry[8:10], order) for entry in entries
                 if int.from_bytes(entry[:2], order) == 0x0112), default=0)
    return value if 1 <= value <= 8 else 1


@st.composite
def _exif_jpegs(draw):
    """SOI, maybe a JFIF APP0 of any length, an APP1 "Exif" segment (maybe damaged) whose IFD0
    holds random entries, some of them Orientation tags; maybe cut short anywhere."""
    order = draw(st.sampled_from([b"II", b"MM", b"IM", b"\0\0"]))
    pack = "<" if order == b"II" else ">"
    values = st.one_of(st.integers(0, 9), st.integers(0, 0xFFFF))
    entries = draw(st.lists(st.tuples(st.sampled_from([0x0112, 0x0110, 0x1201, 0]), values),
                            max_size=40))
    ifd = struct.pack(pack + "H", draw(st.integers(0, 0xFFFF)) if draw(st.booleans())
                      else len(entries))
    ifd += b"".join(struct.pack(pack + "HHIH2x", tag, 3, 1, value) for tag, value in entries)
    gap = draw(st.binary(max_size=16))
    offset = draw(st.one_of(st.just(8 + len(gap)), st.integers(0, 2 ** 32 - 1)))
    tiff = order + struct.pack(pack + "HI", 42, offset) + gap + ifd
    exif = draw(st.sampled_from([b"Exif\0\0", b"Exif\0\1", b"JFIF\0\0"])) + tiff
    app1 = draw(st.sampled_from([b"\xff\xe1", b"\xff\xe2"])) + struct.pack(">H", 2 + len(exif))
    data = b"\xff\xd8"
    if draw(st.booleans()):
        body = draw(st.binary(max_size=40))
        length = draw(st.sampled_from([2 + len(body), 16, 0, 1]))
        data += b"\xff\xe0" + struct.pack(">H", length) + body
    data += app1 + exif + b"\xff\xd9"
    return data[:draw(st.integers(0, len(data)))] if draw(st.booleans()) else data


_ONE_FILE = tf.function(lambda data: jpeg_headers(data, tf.constant([1, 1, 3])).orientation,
                        autograph=False, input_signature=[tf.TensorSpec([], tf.string)])


@settings(max_examples=200, deadline=None)
@given(st.lists(_exif_jpegs(), min_size=1, max_size=6))
def test_exif_readers_follow_the_rule_on_hostile_segments(contents):
    expected = [_orientation_rule(data) for data in contents]
    assert exif_orientation(tf.constant(contents)).numpy().tolist() == expected
    assert [int(_ONE_FILE(tf.constant(data))[0]) for data in contents] == expected

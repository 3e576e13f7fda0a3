"""Tests for tfimg.data.decode against PIL: formats, EXIF orientation, grayscale, batches, the DCT
scaled-decode path, header sizes and the hostile files."""

import io
import json
import os
import struct
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image, ImageOps

from tests.data.hostile import EXPECTED_SIZES, EXPECTED_STATUSES
from tests.data.samples import (EXIF_ORIENTATION, MIXED, expected_batch_item, jpeg_bytes,
                                oriented_jpeg, read_relative, to_uint8, traced_decode)
from tests.tolerances import UINT8_ATOL, assert_uint8_close, psnr
from tfimg.data import decode_batch, decode_image
from tfimg.data.decode import dct_ratio_index
from tfimg.data.headers import exif_orientation
from tfimg.ops import resize

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOOD_FILES = sorted(EXPECTED_SIZES)
BAD_FILES = sorted(path for path, status in EXPECTED_STATUSES.items() if status != "ok")
JPEG_FILES = ("good/rgb.jpg", "good/rotated.jpg", "good/cmyk.jpg", "bad/rgb2.jpg")


def _pil_rgb(data):
    """What a photo viewer shows: first frame, EXIF-transposed, as uint8 RGB (alpha dropped)."""
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        if image.mode == "I;16":
            # PIL clips 16-bit values to 255 when converting to "L"/"RGB" (measured difference
            # 252); the decoder keeps the high byte, as tf.image.convert_image_dtype does.
            gray = (np.asarray(image).astype(np.uint16) >> 8).astype(np.uint8)
            return np.repeat(gray[..., None], 3, axis=-1)
        return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))


# --- one image, every format ------------------------------------------------------------------

@pytest.mark.parametrize("relative", GOOD_FILES)
def test_decode_image_matches_pil(hostile_folder, relative):
    data = read_relative(hostile_folder, relative)
    actual = traced_decode(data)
    assert actual.dtype == np.uint8
    assert actual.shape == (*EXPECTED_SIZES[relative], 3)
    # JPEG: the accurate integer IDCT and libjpeg's fancy upsampling are PIL's defaults too, so
    # pixels match exactly (CMYK included: measured difference 0, both invert Adobe CMYK the
    # same way). Lossless formats: measured 0 as well; the bound is the uint8 tolerance.
    atol = 0 if relative in JPEG_FILES else UINT8_ATOL
    assert_uint8_close(actual, _pil_rgb(data), atol=atol)


@pytest.mark.parametrize("options", [
    {}, {"progressive": True}, {"subsampling": 0}, {"subsampling": 1},
    {"restart_marker_blocks": 2}, {"grayscale": True}], ids=str)
def test_decode_image_jpeg_variants_match_pil_exactly(photos, options):
    _, _, pixels = photos[0]
    image = Image.fromarray(pixels).resize((80, 60), Image.BILINEAR)
    options = dict(options)
    if options.pop("grayscale", False):
        image = image.convert("L")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, **options)
    data = buffer.getvalue()
    np.testing.assert_array_equal(traced_decode(data), _pil_rgb(data))


def test_decode_image_eager_graph_and_dataset_agree(hostile_folder):
    data = read_relative(hostile_folder, "good/rotated.jpg")
    eager = decode_image(data).numpy()
    graph = tf.function(decode_image)(tf.constant(data)).numpy()
    mapped = next(iter(tf.data.Dataset.from_tensors(data).map(decode_image))).numpy()
    np.testing.assert_array_equal(graph, eager)
    np.testing.assert_array_equal(mapped, eager)


# --- grayscale --------------------------------------------------------------------------------

def _pil_gray(data):
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        if image.format == "JPEG":
            # Ask libjpeg for the luma plane (Image.draft), as decode_jpeg(channels=1) does.
            # Converting PIL's RGB decode instead recomputes luma from upsampled chroma: measured
            # up to 4 levels off on good/rgb.jpg, 0 with draft.
            image.draft("L", image.size)
            return np.asarray(ImageOps.exif_transpose(image).convert("L"))
        if image.mode == "I;16":
            return (np.asarray(image).astype(np.uint16) >> 8).astype(np.uint8)
        return np.asarray(image.convert("RGB").convert("L"))


@pytest.mark.parametrize("relative", [path for path in GOOD_FILES if path != "good/cmyk.jpg"])
def test_decode_image_grayscale_matches_pil_luma(hostile_folder, relative):
    data = read_relative(hostile_folder, relative)
    actual = traced_decode(data, channels=1)
    assert actual.shape == (*EXPECTED_SIZES[relative], 1)
    # Lossless formats: TF's rgb_to_grayscale (float weights, rounded) against PIL's integer
    # ITU-R 601 "L" conversion: measured max difference 1.
    atol = 0 if relative in JPEG_FILES else UINT8_ATOL
    assert_uint8_close(actual[..., 0], _pil_gray(data), atol=atol)


def test_decode_image_grayscale_of_a_cmyk_jpeg(hostile_folder):
    data = read_relative(hostile_folder, "good/cmyk.jpg")
    expected = np.asarray(Image.fromarray(_pil_rgb(data)).convert("L"))
    assert_uint8_close(traced_decode(data, channels=1)[..., 0], expected)


def test_decode_rejects_channels_other_than_1_or_3(hostile_folder):
    data = read_relative(hostile_folder, "good/rgb.png")
    with pytest.raises(ValueError, match="channels=4"):
        decode_image(data, channels=4)
    with pytest.raises(ValueError, match="channels=2"):
        decode_batch([data], (8, 8), channels=2)


# --- EXIF orientation -------------------------------------------------------------------------

EXIF_CASES = [(orientation, byte_order, layout) for orientation in range(1, 9)
              for byte_order in (b"MM", b"II") for layout in ("jfif", "exif")]


@pytest.mark.parametrize("orientation, byte_order, layout", EXIF_CASES)
def test_decode_image_turns_jpegs_by_exif_orientation(orientation, byte_order, layout):
    data = oriented_jpeg(orientation, byte_order, layout)
    with Image.open(io.BytesIO(data)) as image:  # The hand-built EXIF reads back in PIL.
        assert image.getexif()[EXIF_ORIENTATION] == orientation
    actual = traced_decode(data)
    assert actual.shape == ((24, 40, 3) if orientation < 5 else (40, 24, 3))
    np.testing.assert_array_equal(actual, _pil_rgb(data))
    gray = traced_decode(data, channels=1)[..., 0]
    np.testing.assert_array_equal(gray, _pil_gray(data))


def test_exif_orientation_reads_a_batch_of_layouts_and_byte_orders(hostile_folder):
    contents = [oriented_jpeg(*case) for case in EXIF_CASES]
    plain = io.BytesIO()
    Image.new("RGB", (8, 8)).save(plain, "JPEG")
    contents += [plain.getvalue(), read_relative(hostile_folder, "good/rgb.png"), b"",
                 b"not an image"]
    expected = [orientation for orientation, _, _ in EXIF_CASES] + [1, 1, 1, 1]
    np.testing.assert_array_equal(exif_orientation(tf.constant(contents)), expected)


def test_exif_orientation_of_a_damaged_segment_is_1():
    data = bytearray(oriented_jpeg(6, b"II", "exif"))
    position = data.index(b"II*\0")
    data[position + 4:position + 8] = struct.pack("<I", 2 ** 31)  # IFD0 far past the end.
    assert int(exif_orientation(tf.constant([bytes(data)]))[0]) == 1


def test_decode_batch_turns_and_resizes_oriented_jpegs():
    # Orientations 5-8 show 40x24 and are resized to 24x40; 1-4 pass through turned only.
    contents = [oriented_jpeg(orientation, b"II") for orientation in range(1, 9)]
    actual = decode_batch(tf.constant(contents), (24, 40)).numpy()
    for orientation, data, image in zip(range(1, 9), contents, actual):
        np.testing.assert_array_equal(image, expected_batch_item(data, (24, 40)),
                                      err_msg=f"orientation {orientation}")


# --- batches of mixed formats -----------------------------------------------------------------

@pytest.mark.parametrize("mode", ["stretch", "crop", "pad"])
def test_decode_batch_of_mixed_formats_equals_decode_then_resize(hostile_folder, mode):
    # Target 32x40: every JPEG shrinks by less than 2, so no DCT scaling, and the result must be
    # exactly decode_image + resize + round; good/cmyk.jpg is already 32x40 and passes through.
    # antialias=True is the filter of every model folder written before "auto".
    contents = [read_relative(hostile_folder, relative) for relative in MIXED]
    actual = decode_batch(tf.constant(contents), (32, 40), mode=mode, antialias=True).numpy()
    assert actual.shape == (len(MIXED), 32, 40, 3)
    assert actual.dtype == np.uint8
    for relative, data, image in zip(MIXED, contents, actual):
        np.testing.assert_array_equal(image, expected_batch_item(data, (32, 40), mode),
                                      err_msg=relative)


def test_decode_batch_eager_graph_and_dataset_agree(hostile_folder):
    contents = tf.constant([read_relative(hostile_folder, relative) for relative in MIXED])

    def decode(batch):
        return decode_batch(batch, (24, 24))

    eager = decode(contents).numpy()
    graph = tf.function(decode)(contents).numpy()
    mapped = next(iter(tf.data.Dataset.from_tensors(contents).map(decode))).numpy()
    np.testing.assert_array_equal(graph, eager)
    np.testing.assert_array_equal(mapped, eager)


def test_decode_batch_grayscale_of_mixed_formats(hostile_folder):
    mixed = list(MIXED)
    contents = [read_relative(hostile_folder, relative) for relative in mixed]
    actual = decode_batch(tf.constant(contents), (32, 40), channels=1, antialias=True).numpy()
    assert actual.shape == (len(mixed), 32, 40, 1)
    for relative, data, image in zip(mixed, contents, actual):
        np.testing.assert_array_equal(image, expected_batch_item(data, (32, 40), channels=1),
                                      err_msg=relative)


def test_decode_batch_of_nothing_is_an_empty_batch():
    assert decode_batch(tf.constant([], tf.string), (8, 8)).shape == (0, 8, 8, 3)


# --- the DCT scaled-decode path ---------------------------------------------------------------

# Measured on the first three Sun-80 photos (1024 wide, 683 to 800 high), against PIL's
# BILINEAR resize of the full decode: 37.7, 47.4 and 51.6 dB (stretch to 224x224, decoded at
# 1/2). Against TF's own full decode + resize: crop 34.1 to 49.3 dB, pad 39.0 to 44.5 dB. The
# difference is the scaled IDCT's own low-pass, not an error; 30 dB is well below all of them.
DCT_MIN_PSNR_DB = 30.0


def test_dct_path_stretch_is_close_to_pil_resize_of_the_full_decode(photos, record_property):
    for name, data, pixels in photos:
        height, width = pixels.shape[:2]
        assert int(dct_ratio_index([height], [width], (224, 224), "stretch")[0]) >= 1, name
        actual = decode_batch(tf.constant([data]), (224, 224)).numpy()[0]
        expected = np.asarray(Image.fromarray(pixels).resize((224, 224), Image.BILINEAR))
        value = psnr(actual, expected)
        record_property(f"dct_psnr_db[{name}]", round(value, 2))
        print(f"DCT path {name}: PSNR {value:.2f} dB against PIL")
        assert value > DCT_MIN_PSNR_DB, (name, value)


@pytest.mark.parametrize("mode, size", [("crop", (224, 224)), ("pad", (224, 224)),
                                        ("crop", (100, 100))])
def test_dct_path_crop_and_pad_are_close_to_the_full_decode(photos, mode, size):
    for name, data, pixels in photos:
        assert int(dct_ratio_index([pixels.shape[0]], [pixels.shape[1]], size, mode)[0]) >= 1
        actual = decode_batch(tf.constant([data]), size, mode=mode).numpy()[0]
        expected = to_uint8(resize(pixels, size, mode=mode))
        assert psnr(actual, expected) > DCT_MIN_PSNR_DB, (name, mode, psnr(actual, expected))


def test_dct_path_with_exif_rotation_uses_the_shown_size(photos):
    # Stored 1024x768 with orientation 6: shown 768 wide, 1024 high. The DCT ratio is chosen on
    # the stored sides swapped; measured 43.5 dB against PIL at 224x160.
    _, _, pixels = photos[1]
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=92, exif=exif)
    data = buffer.getvalue()
    shown = Image.fromarray(_pil_rgb(data))
    actual = decode_batch(tf.constant([data]), (224, 160)).numpy()[0]
    expected = np.asarray(shown.resize((160, 224), Image.BILINEAR))
    assert psnr(actual, expected) > DCT_MIN_PSNR_DB


def test_decode_batch_of_twice_the_size_is_the_half_scale_decode():
    # 24x40 to 12x20: the 1/2 scale decode has the size asked for, and no resize follows.
    data = jpeg_bytes(np.linspace(0, 255, 24 * 40 * 3).reshape(24, 40, 3))
    expected = tf.io.decode_jpeg(data, channels=3, ratio=2, dct_method="INTEGER_ACCURATE")
    np.testing.assert_array_equal(decode_batch(tf.constant([data]), (12, 20))[0], expected)


# --- the pixel limit --------------------------------------------------------------------------

def test_decode_checks_max_pixels_before_decoding(hostile_folder):
    data = read_relative(hostile_folder, "good/rgb.png")  # 30x40 = 1200 pixels.
    with pytest.raises(tf.errors.InvalidArgumentError, match="declared pixel count over 1000"):
        decode_image(data, max_pixels=1000)
    assert decode_image(data, max_pixels=1200).shape == (30, 40, 3)


# --- the hostile files, in a subprocess -------------------------------------------------------

# TensorFlow's WebP decoder corrupts the heap on animated WebP, so the bad files are only ever
# decoded in a child process: a native crash then fails these tests instead of killing pytest.
_HOSTILE_SCRIPT = r"""
import json, pathlib, sys
sys.path.insert(0, sys.argv[1])
import tensorflow as tf
from tfimg.data import build_pipeline, decode_batch, from_directory
from tfimg.data.decode import decode_resized, read_jpeg

root = pathlib.Path(sys.argv[2])
bad = json.loads(sys.argv[3])
good = (root / "good" / "rgb.png").read_bytes()
decode = tf.function(lambda contents: decode_batch(contents, (16, 16)),
                     input_signature=[tf.TensorSpec([None], tf.string)])
decode_one = tf.function(lambda contents: decode_resized(contents, (16, 16)),
                         input_signature=[tf.TensorSpec([], tf.string)])
read_one = tf.function(lambda path: read_jpeg(path, (16, 16)),
                       input_signature=[tf.TensorSpec([1], tf.string)])

def outcome(decode, contents):
    try:
        decode(tf.constant(contents))
        return "decoded"
    except tf.errors.InvalidArgumentError:
        return "InvalidArgumentError"
    except Exception as error:
        return type(error).__name__

result = {"alone": {}, "with_good": {}, "one": {}, "jpeg": {}}
for name in bad:
    data = (root / name).read_bytes()
    result["alone"][name] = outcome(decode, [data])
    result["with_good"][name] = outcome(decode, [good, data])
    result["one"][name] = outcome(decode_one, data)
    result["jpeg"][name] = outcome(read_one, [str(root / name)])

files = from_directory(root)
result.update(listed=list(files.paths), class_names=list(files.class_names))
for chunk_size in (64, 1):
    pipeline = build_pipeline(files, image_size=(16, 16), batch_size=5, normalize="none",
                              chunk_size=chunk_size)
    labels = [int(label) for _, batch in pipeline.dataset for label in batch.numpy()]
    result[f"chunks of {chunk_size}"] = dict(labels=labels, skipped=pipeline.skipped())
print("RESULT " + json.dumps(result))
"""


@pytest.fixture(scope="module", autouse=True)
def hostile_child(request, hostile_folder, tmp_path_factory):
    """The child process, started when this module starts so that it runs (about 10 s, most
    of it importing TensorFlow and building a pipeline) alongside the in-process tests; not
    started when no test that needs it was selected (`-m "not slow"`, `-k ...`)."""
    if not any(item.module is request.module and "hostile_run" in item.fixturenames
               for item in request.session.items):
        yield None
        return
    folder = tmp_path_factory.mktemp("hostile_child")
    stdout, stderr = folder / "stdout.txt", folder / "stderr.txt"
    with open(stdout, "w") as out, open(stderr, "w") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", _HOSTILE_SCRIPT, REPOSITORY, str(hostile_folder),
             json.dumps(BAD_FILES)],
            stdout=out, stderr=err, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    yield process, stdout, stderr
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def hostile_run(hostile_child):
    process, stdout, stderr = hostile_child
    returncode = process.wait(timeout=300)
    lines = [line for line in stdout.read_text().splitlines() if line.startswith("RESULT ")]
    assert returncode == 0 and lines, (
        f"child exited with {returncode}\n{stderr.read_text()[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


@pytest.mark.slow
def test_every_bad_hostile_file_makes_every_decoder_raise(hostile_run):
    expected = {name: "InvalidArgumentError" for name in BAD_FILES}
    assert hostile_run["alone"] == expected
    assert hostile_run["with_good"] == expected  # One bad file fails its whole batch.
    assert hostile_run["one"] == expected
    assert hostile_run["jpeg"] == expected


@pytest.mark.slow
@pytest.mark.parametrize("chunk_size", [64, 1])
def test_pipeline_over_the_hostile_folder_loads_the_good_and_skips_the_bad(hostile_run,
                                                                           chunk_size):
    image_named = sorted(path for path in EXPECTED_STATUSES
                         if path.rsplit(".", 1)[-1] in ("jpg", "png", "gif", "bmp", "webp"))
    assert hostile_run["listed"] == image_named  # drawing.svg and notes.txt are not listed.
    assert hostile_run["class_names"] == ["bad", "good"]
    run = hostile_run[f"chunks of {chunk_size}"]
    assert sorted(run["skipped"]) == sorted(
        path for path in image_named if EXPECTED_STATUSES[path] != "ok")
    # The 12 decodable files: 2 in bad/ (rgb2.jpg, png_named.jpg), 10 in good/.
    assert len(run["labels"]) == len(EXPECTED_SIZES) == 12
    assert sorted(run["labels"]) == [0] * 2 + [1] * 10

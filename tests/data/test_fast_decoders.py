"""Tests for the decoders of the input layer's fast paths against decode_batch, the general
decoder: one image without loops (decode_resized, read_jpeg), folders of same-size JPEGs
(read_uniform_jpegs), and the folders that take each path in build_pipeline."""

import io
import shutil

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tests.data.hostile import EXPECTED_SIZES
from tests.data.samples import epoch, jpeg_bytes, oriented_jpeg, pil_exif, write_files
from tfimg.data import build_pipeline, decode_batch, from_directory, from_tfrecords, \
    write_tfrecords
from tfimg.data import pipeline as pipeline_module
from tfimg.data.decode import decode_resized, read_jpeg, read_uniform_jpegs

GOOD_FILES = sorted(EXPECTED_SIZES)


# --- one image at a time ------------------------------------------------------------------------

@pytest.mark.parametrize("size, mode, antialias, channels", [
    ((32, 40), "stretch", "auto", 3), ((12, 20), "crop", "auto", 1), ((300, 90), "pad", "auto", 3),
    ((12, 20), "stretch", True, 3), ((32, 40), "pad", False, 1), ((300, 90), "crop", False, 3)])
def test_decode_resized_and_read_jpeg_give_the_pixels_of_decode_batch(
        hostile_folder, tmp_path, size, mode, antialias, channels):
    # Every format, the eight orientations, a CMYK JPEG and one large enough for every DCT
    # ratio; sizes that keep or shrink a little, shrink by 2 and more, and enlarge. The JPEGs
    # again from files, through read_jpeg.
    contents = [(hostile_folder / path).read_bytes() for path in GOOD_FILES]
    contents += [oriented_jpeg(orientation, layout=layout) for orientation in range(1, 9)
                 for layout in ("jfif", "exif")]
    contents.append(jpeg_bytes(np.linspace(0, 255, 240 * 320 * 3).reshape(240, 320, 3) % 97 * 2.6))
    one = tf.function(lambda data: decode_resized(data, size, channels, mode, antialias),
                      input_signature=[tf.TensorSpec([], tf.string)])
    jpeg = tf.function(lambda path: read_jpeg(path, size, channels, mode, antialias),
                       input_signature=[tf.TensorSpec([1], tf.string)])
    expected = decode_batch(tf.constant(contents), size, channels, mode, antialias)
    paths = write_files(tmp_path, contents)
    for index, (data, image) in enumerate(zip(contents, expected)):
        np.testing.assert_array_equal(one(data), image, err_msg=f"item {index}")
        if data.startswith(b"\xff\xd8"):
            np.testing.assert_array_equal(jpeg(paths[index:index + 1]), image,
                                          err_msg=f"JPEG item {index}")


# --- the fast path for folders of same-size JPEGs ---------------------------------------------

@pytest.mark.parametrize("stored, size, mode", [((32, 32), (32, 32), "stretch"),
                                                ((240, 320), (224, 224), "crop"),
                                                ((240, 320), (100, 60), "pad"),
                                                ((240, 320), (300, 200), "stretch")])
@pytest.mark.parametrize("antialias", ["auto", True])
def test_read_uniform_jpegs_gives_the_pixels_of_decode_batch(photos, tmp_path, stored, size,
                                                             mode, antialias):
    resized = [Image.fromarray(pixels).resize(stored[::-1]) for _, _, pixels in photos]
    contents = [jpeg_bytes(image) for image in resized]
    contents.append(jpeg_bytes(np.asarray(resized[0])[..., 0]))
    paths = write_files(tmp_path, contents)
    for channels in (3, 1):
        actual = read_uniform_jpegs(paths, stored, size, channels, mode, antialias)
        expected = decode_batch(tf.constant(contents), size, channels, mode, antialias)
        np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("intruder", ["other size", "exif", "png", "not an image"])
@pytest.mark.parametrize("size", [(24, 40), (12, 20)])
def test_read_uniform_jpegs_fails_for_a_file_it_cannot_take(tmp_path, intruder, size):
    pixels = np.linspace(0, 255, 24 * 40 * 3).reshape(24, 40, 3)
    png = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(png, "PNG")
    contents = {"other size": jpeg_bytes(pixels[:, :32]), "exif": oriented_jpeg(1),
                "png": png.getvalue(), "not an image": b"<html></html>"}[intruder]
    paths = write_files(tmp_path, [jpeg_bytes(pixels), contents])
    np.testing.assert_array_equal(read_uniform_jpegs(paths[:1], (24, 40), size),
                                  decode_batch(tf.constant([jpeg_bytes(pixels)]), size))
    with pytest.raises(tf.errors.InvalidArgumentError):
        read_uniform_jpegs(paths, (24, 40), size)
    with pytest.raises(tf.errors.InvalidArgumentError):
        read_uniform_jpegs(paths[1:], (24, 40), size, one=True)


@pytest.mark.parametrize("size", [(24, 40), (12, 20), (10, 10)])
def test_read_uniform_jpegs_of_one_file_without_a_loop(tmp_path, size):
    pixels = np.linspace(0, 255, 24 * 40 * 3).reshape(24, 40, 3)
    paths = write_files(tmp_path, [jpeg_bytes(pixels), jpeg_bytes(pixels[::-1])])
    expected = read_uniform_jpegs(paths, (24, 40), size)
    for index in range(2):
        np.testing.assert_array_equal(
            read_uniform_jpegs(paths[index:index + 1], (24, 40), size, one=True),
            expected[index:index + 1])
    for wrong in (paths, paths[:0]):  # exactly one path, or a run-time error
        with pytest.raises(tf.errors.InvalidArgumentError):
            read_uniform_jpegs(wrong, (24, 40), size, one=True)


# --- the folders that take them ---------------------------------------------------------------

def test_a_folder_of_same_size_jpegs_with_intruders_loads_them_all(cifar_folder, tmp_path):
    # The sampled files are 32x32 JPEGs, so chunks take the fast path; the intruders fail it
    # and are decoded one by one by the general decoder, as they would be without it.
    root = tmp_path / "uniform"
    shutil.copytree(cifar_folder / "bird", root / "bird")
    with Image.open(next((root / "bird").iterdir())) as image:
        pixels = np.asarray(image)
    intruders = {"wide.jpg": ("JPEG", Image.fromarray(pixels).resize((48, 32)), {}),
                 "image.png": ("PNG", Image.fromarray(pixels[::-1]), {}),
                 "turned.jpg": ("JPEG", Image.fromarray(pixels), {"exif": pil_exif(6)})}
    for name, (kind, image, options) in intruders.items():
        image.save(root / "bird" / name, kind, **options)
    files = from_directory(root)
    pipeline = build_pipeline(files, image_size=(32, 32), batch_size=8, normalize="none",
                              chunk_size=4)
    images, _, _ = epoch(pipeline)
    assert pipeline.skipped() == []
    contents = [open(path, "rb").read() for path in files.full_paths()]
    expected = decode_batch(tf.constant(contents), (32, 32)).numpy()
    np.testing.assert_array_equal(images, expected.astype(np.float32))


def test_a_folder_of_jpegs_of_many_sizes_one_file_per_call(cifar_folder, tmp_path, monkeypatch):
    # JPEGs of many sizes (smaller and larger than asked, turned, grey, CMYK) take read_jpeg;
    # a PNG among them fails it and is decoded by the general decoder; the broken files are
    # skipped. Every image is decode_batch's.
    root = tmp_path / "jpegs" / "a"
    root.mkdir(parents=True)
    with Image.open(next((cifar_folder / "bird").iterdir())) as image:
        pixels = Image.fromarray(np.asarray(image))
    made = {"a_wide.jpg": (pixels.resize((96, 40)), {}),
            "b_small.jpg": (pixels.resize((20, 30)), {}),
            "c_turned.jpg": (pixels.resize((64, 48)), {"exif": pil_exif(6)}),
            "d_flipped.jpg": (pixels.resize((50, 80)), {"exif": pil_exif(3)}),
            "e_gray.jpg": (pixels.convert("L").resize((70, 70)), {}),
            "f_cmyk.jpg": (pixels.convert("CMYK").resize((60, 45)), {}),
            "g_large.jpg": (pixels.resize((400, 300)), {}),
            "h_exact.jpg": (pixels.resize((24, 24)), {})}
    for name, (image, options) in made.items():
        image.save(root / name, "JPEG", quality=90, **options)
    pixels.resize((50, 30)).save(root / "y_image.png", "PNG")
    (root / "z_truncated.jpg").write_bytes((root / "g_large.jpg").read_bytes()[:400])
    (root / "z_text.jpg").write_bytes(b"not an image")
    traced = []
    monkeypatch.setattr(pipeline_module, "read_jpeg",
                        lambda *args: traced.append(args) or read_jpeg(*args))
    files = from_directory(tmp_path / "jpegs")
    pipeline = build_pipeline(files, image_size=(24, 24), batch_size=4, normalize="none",
                              chunk_size=1)
    images, _, _ = epoch(pipeline)
    assert traced  # the JPEG reader, not the general decoder
    assert sorted(pipeline.skipped()) == ["a/z_text.jpg", "a/z_truncated.jpg"]
    good = [path for path in files.full_paths() if "/z_" not in path]
    contents = [open(path, "rb").read() for path in good]
    expected = decode_batch(tf.constant(contents), (24, 24)).numpy()
    np.testing.assert_array_equal(images, expected.astype(np.float32))
    # The same files as TFRecords: one image per call through decode_resized.
    write_tfrecords(files, tmp_path / "records", "jpegs", "train", num_shards=1)
    records = build_pipeline(from_tfrecords(tmp_path / "records", "jpegs", "train"),
                             image_size=(24, 24), batch_size=4, normalize="none", chunk_size=1)
    np.testing.assert_array_equal(epoch(records)[0], images)
    assert records.skipped() == ["record 9", "record 10"]

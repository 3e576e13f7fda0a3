"""antialias="auto": an area average when an image shrinks on both axes, the antialiased
filter otherwise (True, the filter before "auto"), decided per file."""

import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tests.data.samples import MIXED, expected_batch_item, jpeg_bytes, read_relative, to_uint8
from tests.tolerances import UINT8_ATOL, psnr
from tfimg.data import decode_batch
from tfimg.ops import resize


def _noise(height, width, seed=0):
    """Uniform noise: unlike the hostile folder's smooth ramps, which every normalised filter
    keeps exactly, it tells the filters apart."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def _png(pixels):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["stretch", "crop", "pad"])
def test_antialias_auto_area_averages_a_shrink_and_keeps_the_old_filter_otherwise(mode):
    # A PNG, so that no DCT scale-down comes first (JPEGs: the photo tests below).
    pixels = _noise(48, 64)
    contents = tf.constant([_png(pixels)])
    # (32, 40) shrinks both axes; (60, 80) enlarges both; (24, 80) shrinks one, enlarges one
    # (for "pad" it is a shrink: the image fits by its height).
    for size, shrinks in (((32, 40), True), ((60, 80), False), ((24, 80), mode == "pad")):
        auto = decode_batch(contents, size, mode=mode, antialias="auto").numpy()[0]
        old = decode_batch(contents, size, mode=mode, antialias=True).numpy()[0]
        np.testing.assert_array_equal(old, expected_batch_item(_png(pixels), size, mode))
        expected = to_uint8(resize(pixels, size, mode, method="area")) if shrinks else old
        np.testing.assert_array_equal(auto, expected, err_msg=(size, mode))
        assert shrinks == (np.abs(auto.astype(int) - old.astype(int)).max() > UINT8_ATOL)


def test_antialias_auto_decides_per_file_in_one_batch(hostile_folder):
    # A shrinking noise PNG, an enlarged one, and the hostile folder's mixed formats in one
    # batch: each image is what it is alone.
    contents = [_png(_noise(48, 64)), _png(_noise(20, 30, seed=1))] + [
        read_relative(hostile_folder, relative) for relative in MIXED]
    batch = decode_batch(tf.constant(contents), (32, 40), antialias="auto").numpy()
    for data, image in zip(contents, batch):
        np.testing.assert_array_equal(image, decode_batch(tf.constant([data]), (32, 40))[0])


def test_antialias_auto_in_graph_and_dataset_equals_eager():
    contents = tf.constant([_png(_noise(48, 64)), jpeg_bytes(_noise(400, 300))])

    def decode(batch):
        return decode_batch(batch, (32, 40), antialias="auto")

    eager = decode(contents).numpy()
    np.testing.assert_array_equal(tf.function(decode)(contents), eager)
    np.testing.assert_array_equal(
        next(iter(tf.data.Dataset.from_tensors(contents).map(decode))), eager)


def test_antialias_auto_is_closer_to_pil_lanczos_than_antialiased_and_keras_resizes(
        photos, record_property):
    # Median PSNR against PIL's Lanczos resize of the full decode, 224x224 stretch. Measured on
    # the first Sun-80 photos: auto (1/2 DCT decode, area) above True (1/2 DCT decode,
    # ScaleAndTranslate) above Keras' loader (full decode, bilinear without antialiasing).
    values = {"auto": [], "antialias": [], "keras": []}
    for _, data, pixels in photos:
        expected = np.asarray(Image.fromarray(pixels).resize((224, 224), Image.LANCZOS))
        values["auto"].append(psnr(decode_batch(tf.constant([data]), (224, 224),
                                                antialias="auto")[0], expected))
        values["antialias"].append(psnr(decode_batch(tf.constant([data]), (224, 224),
                                                     antialias=True)[0], expected))
        keras_like = tf.image.resize(tf.io.decode_jpeg(data, channels=3), (224, 224))
        values["keras"].append(psnr(to_uint8(keras_like), expected))
    medians = {name: float(np.median(found)) for name, found in values.items()}
    record_property("median_psnr_db", medians)
    print(f"median PSNR against PIL Lanczos: {medians}")
    assert medians["auto"] >= medians["antialias"] > medians["keras"], medians

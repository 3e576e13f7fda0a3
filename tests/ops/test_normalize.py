"""Tests for tfimg.ops.normalize: standardize, caffe, scale_unit, scale_symmetric, normalize."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tests.tolerances import assert_close_to_reference, assert_same_program
from tfimg.ops.normalize import (CAFFE_BGR_MEAN, NORMALIZATIONS, caffe, cifar10, normalize,
                                 scale_symmetric, scale_unit, standardize)

MODES = tuple(NORMALIZATIONS)


def _random_image(shape, seed=0, dtype=np.uint8):
    return np.random.default_rng(seed).integers(0, 256, size=shape).astype(dtype)


@pytest.fixture(scope="module")
def photo_batch(photos):
    """uint8 (3, 60, 80, 3): the shared photos shrunk by PIL, one batch of real images."""
    return np.stack([np.asarray(Image.fromarray(pixels).resize((80, 60), Image.BILINEAR))
                     for _, _, pixels in photos])


def _numpy_standardize(images):
    """(x - mean) / max(std, 1 / sqrt(N)) over each image's pixels and channels, in float64."""
    images = np.asarray(images, np.float64)
    axes = (-3, -2, -1)
    count = np.prod(images.shape[-3:])
    mean = images.mean(axis=axes, keepdims=True)
    deviation = np.maximum(images.std(axis=axes, keepdims=True), 1.0 / np.sqrt(count))
    return (images - mean) / deviation


# --- shapes and dtypes ------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(6, 5, 3), (2, 6, 5, 3)])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.int64])
def test_normalize_keeps_shape_and_returns_float32(mode, shape, dtype):
    result = normalize(_random_image(shape, dtype=dtype), mode)
    assert result.shape == shape
    assert result.dtype == tf.float32


@pytest.mark.parametrize("mode", MODES)
def test_normalize_dispatches_to_the_named_function(mode):
    image = _random_image((2, 6, 5, 3))
    function = {"standardize": standardize, "caffe": caffe, "cifar10": cifar10, "unit": scale_unit,
                "symmetric": scale_symmetric, "none": lambda x: tf.cast(x, tf.float32)}[mode]
    np.testing.assert_array_equal(normalize(image, mode), function(image))


@pytest.mark.parametrize("mode", MODES)
def test_normalize_eager_graph_and_dataset_agree(photo_batch, run_three_ways, mode):
    eager, graph, mapped = run_three_ways(lambda images: normalize(images, mode), photo_batch)
    assert_same_program(graph, eager)
    assert_same_program(mapped, eager)


# --- golden values ----------------------------------------------------------------------------

def test_standardize_matches_the_numpy_formula_per_image(photo_batch):
    # Rank 4: each image gets its own mean and deviation, not the batch's.
    assert_close_to_reference(standardize(photo_batch), _numpy_standardize(photo_batch))
    for image in photo_batch:
        assert_close_to_reference(standardize(image), _numpy_standardize(image))


def test_standardize_gives_zero_mean_unit_deviation(photo_batch):
    result = standardize(photo_batch).numpy().astype(np.float64)
    assert_close_to_reference(result.mean(axis=(1, 2, 3)), np.zeros(3))
    assert_close_to_reference(result.std(axis=(1, 2, 3)), np.ones(3))


def test_standardize_keeps_a_flat_image_finite():
    # The deviation is floored at 1/sqrt(N), so a constant image maps to zeros, not NaN.
    result = standardize(np.full((4, 4, 3), 200, np.uint8)).numpy()
    np.testing.assert_array_equal(result, np.zeros((4, 4, 3), np.float32))


def test_caffe_matches_keras_resnet50_preprocess_input(photo_batch):
    # Same arithmetic in float32 (flip to BGR, subtract the means): measured difference 0.
    expected = keras.applications.resnet50.preprocess_input(photo_batch.astype(np.float32))
    np.testing.assert_array_equal(caffe(photo_batch), expected)
    np.testing.assert_array_equal(caffe(photo_batch[0]), expected[0])


def test_caffe_golden_pixel():
    # One RGB pixel (255, 128, 0) -> BGR (0, 128, 255) minus the ImageNet BGR means.
    pixel = np.array([[[255, 128, 0]]], np.uint8)
    expected = np.array([0.0, 128.0, 255.0]) - np.array(CAFFE_BGR_MEAN)
    assert_close_to_reference(caffe(pixel)[0, 0], expected)
    assert CAFFE_BGR_MEAN == (103.939, 116.779, 123.68)


def test_scale_symmetric_matches_keras_tf_mode(photo_batch):
    # keras.applications' "tf" mode (MobileNetV2): x / 127.5 - 1; measured difference 0.
    expected = keras.applications.mobilenet_v2.preprocess_input(photo_batch.astype(np.float32))
    np.testing.assert_array_equal(scale_symmetric(photo_batch), expected)


def test_cifar10_golden_pixel():
    # (255 * 0.4914 - 255 * 0.4914) / (255 * 0.2470) = 0 in red; 255 -> (1 - mean) / std.
    image = np.array([[[0.4914 * 255, 255, 0]]], np.float32)
    expected = [0, (1 - 0.4822) / 0.2435, -0.4465 / 0.2616]
    np.testing.assert_allclose(cifar10(image)[0, 0], expected, rtol=1e-5, atol=1e-6)


def test_unit_and_symmetric_golden_values_and_ranges():
    levels = np.array([0, 51, 127, 255], np.uint8).reshape(1, 2, 2, 1)
    assert_close_to_reference(scale_unit(levels).numpy().ravel(), [0.0, 0.2, 127 / 255, 1.0])
    assert_close_to_reference(scale_symmetric(levels).numpy().ravel(),
                              [-1.0, 51 / 127.5 - 1, 127 / 127.5 - 1, 1.0])
    image = _random_image((2, 8, 8, 3), seed=3)
    assert 0.0 <= float(tf.reduce_min(scale_unit(image))) <= float(
        tf.reduce_max(scale_unit(image))) <= 1.0
    assert -1.0 <= float(tf.reduce_min(scale_symmetric(image))) <= float(
        tf.reduce_max(scale_symmetric(image))) <= 1.0


def test_none_only_casts():
    image = _random_image((2, 5, 4, 3), seed=4)
    np.testing.assert_array_equal(normalize(image, "none"), image.astype(np.float32))


# --- errors -----------------------------------------------------------------------------------

def test_normalize_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="received 'imagenet'"):
        normalize(_random_image((4, 4, 3)), "imagenet")


@pytest.mark.parametrize("function", [standardize, caffe, scale_unit, scale_symmetric])
@pytest.mark.parametrize("shape", [(4, 4), (1, 1, 4, 4, 3)])
def test_rejects_bad_rank(function, shape):
    with pytest.raises(ValueError, match=r"rank 3 or 4, received shape="):
        function(np.zeros(shape, np.uint8))


@pytest.mark.parametrize("channels", [1, 4])
def test_caffe_needs_three_channels(channels):
    with pytest.raises(ValueError, match=f"channels={channels}"):
        caffe(np.zeros((4, 4, channels), np.uint8))

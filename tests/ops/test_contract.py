"""Every public image op of `tfimg.ops` kept to the same contract (STYLE.md, Tests): eager equals
`tf.function` equals inside `Dataset.map`; a rank-4 batch gives, image by image, what rank 3
gives; uint8 and float inputs; bad input (rank, channels, dtype, empty) is a one-line
`ValueError` naming the input. Tiny real-photo crops keep it quick; the goldens against
OpenCV live in test_opencv_goldens.py."""

import numpy as np
import pytest
import tensorflow as tf
from skimage import data as skdata

from tfimg import ops

from tests.tolerances import REORDERED_SUMS, assert_same_program

HEIGHT, WIDTH = 20, 24


def _colour():
    return np.ascontiguousarray(skdata.astronaut()[120:120 + HEIGHT, 180:180 + WIDTH])


def _other(image):
    """A second, different image of the same shape for the two-image ops."""
    return tf.reverse(image, axis=[-2])


def _peak(image):
    return 255.0 if image.dtype == tf.uint8 else 1.0


# name -> (function of one image tensor, channels it takes). Parameters are small but real.
OPS = {
    "grayscale": (ops.grayscale, 3),
    "adjust_brightness": (lambda x: ops.adjust_brightness(x, 0.1), 3),
    "adjust_contrast": (lambda x: ops.adjust_contrast(x, 1.5), 3),
    "adjust_gamma": (lambda x: ops.adjust_gamma(x, 0.8), 3),
    "adjust_hue": (lambda x: ops.adjust_hue(x, 0.1), 3),
    "adjust_saturation": (lambda x: ops.adjust_saturation(x, 1.4), 3),
    "equalize_histogram": (ops.equalize_histogram, 1),
    "clahe": (lambda x: ops.clahe(x, 2.0, (2, 2)), 1),
    "box_blur": (lambda x: ops.box_blur(x, 3), 3),
    "gaussian_blur": (lambda x: ops.gaussian_blur(x, 5, 1.2), 3),
    "median_blur": (lambda x: ops.median_blur(x, 3), 3),
    "bilateral_filter": (lambda x: ops.bilateral_filter(x, 5, 30.0, 5.0), 3),
    "unsharp_mask": (lambda x: ops.unsharp_mask(x, 5, 1.0, 1.0), 3),
    "sobel": (lambda x: ops.sobel(x, 1, 0, 3), 1),
    "laplacian": (lambda x: ops.laplacian(x, 3), 1),
    "canny": (lambda x: ops.canny(x, 50, 150), 1),
    "threshold": (lambda x: ops.threshold(x, 0.5 * _peak(x)), 1),
    "otsu_threshold": (ops.otsu_threshold, 1),
    "adaptive_threshold": (lambda x: ops.adaptive_threshold(x, 5, 2 / 255 * _peak(x)), 1),
    "region_grow": (lambda x: ops.region_grow(x, [(3, 4)], 0.2 * _peak(x)), 3),
    "connected_components": (lambda x: ops.connected_components(
        ops.threshold(x, 0.5 * _peak(x)))[0], 1),
    "erode": (lambda x: ops.erode(x, ops.structuring_element("ellipse", 3)), 3),
    "dilate": (lambda x: ops.dilate(x, ops.structuring_element("rect", 3)), 3),
    "opening": (lambda x: ops.opening(x, ops.structuring_element("cross", 3)), 1),
    "closing": (lambda x: ops.closing(x, ops.structuring_element("rect", 3)), 1),
    "morphological_gradient": (lambda x: ops.morphological_gradient(x), 1),
    "cosine_similarity": (lambda x: ops.cosine_similarity(x, _other(x)), 3),
    "psnr": (lambda x: ops.psnr(x, _other(x), _peak(x)), 3),
    "ssim": (lambda x: ops.ssim(x, _other(x), _peak(x), filter_size=5), 3),
    "blend": (lambda x: ops.blend(x, _other(x), 0.3), 3),
    "laplacian_pyramid_blend": (lambda x: ops.laplacian_pyramid_blend(
        x, _other(x), tf.ones_like(x[..., :1]), levels=2), 3),
    "dark_channel": (lambda x: ops.dark_channel(x, 5), 3),
    "dehaze": (lambda x: ops.dehaze(x, patch_size=5, radius=4), 3),
}
NAMES = sorted(OPS)


def _input(channels, dtype, batch=None):
    image = _colour()
    if channels == 1:
        image = (image @ np.array([0.299, 0.587, 0.114]))[..., None].round().astype(np.uint8)
    if batch:
        image = np.stack([image, image[::-1]])  # a second, different image
    if dtype == "float32":
        return tf.constant(image.astype(np.float32) / 255.0)
    return tf.constant(image)


# Graph rewrites reorder float32 sums: the guided filter's running box sums (dehaze, measured
# 1.3e-6) and SSIM's mean of E[x^2] - E[x]^2 (measured 2.4e-6) move in the sixth digit.
REORDERED = {"dehaze", "ssim"}


def _compare(actual, expected, name=None):
    if np.asarray(expected).dtype.kind in "iub":
        np.testing.assert_array_equal(actual, expected)
    elif name in REORDERED:
        np.testing.assert_allclose(actual, expected, rtol=0, atol=REORDERED_SUMS)
    else:
        assert_same_program(actual, expected)


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("name", NAMES)
def test_eager_graph_and_dataset_map_agree(run_three_ways, name, dtype):
    function, channels = OPS[name]
    eager, graph, mapped = run_three_ways(function, _input(channels, dtype))
    _compare(graph, eager, name)
    _compare(mapped, eager, name)


@pytest.mark.parametrize("name", NAMES)
def test_a_batch_gives_what_each_image_gives(name):
    function, channels = OPS[name]
    batch = _input(channels, "uint8", batch=True)
    together = np.asarray(function(batch))
    for index in range(2):
        alone = np.asarray(function(batch[index]))
        assert together[index].shape == alone.shape
        _compare(together[index], alone)


@pytest.mark.parametrize("name", NAMES)
def test_image_ops_keep_dtype_and_shape(name):
    function, channels = OPS[name]
    for dtype in ("uint8", "float32"):
        image = _input(channels, dtype)
        result = function(image)
        if result.shape.rank == 3 and name not in ("sobel", "laplacian", "connected_components"):
            assert result.dtype == image.dtype, (name, result.dtype)
            assert result.shape[:2] == image.shape[:2]


def _bad_inputs(channels):
    return {
        "rank 2": tf.zeros([HEIGHT, WIDTH], tf.uint8),
        "rank 5": tf.zeros([1, 1, HEIGHT, WIDTH, channels], tf.uint8),
        "channels": tf.zeros([HEIGHT, WIDTH, 2], tf.uint8),  # wrong for grey, RGB and both
        "dtype": tf.zeros([HEIGHT, WIDTH, channels], tf.int32),
        "empty": tf.zeros([0, WIDTH, channels], tf.uint8),
    }


BAD_KINDS = ["rank 2", "rank 5", "channels", "dtype", "empty"]
# Ops that take any channel count have no wrong one (cosine similarity also takes embeddings
# of rank 1 and 2 and of any dtype).
ANY_CHANNELS = {"adjust_brightness", "adjust_contrast", "adjust_gamma", "box_blur",
                "gaussian_blur", "median_blur", "unsharp_mask", "threshold", "erode", "dilate",
                "region_grow", "psnr", "ssim", "blend", "laplacian_pyramid_blend",
                "dark_channel", "cosine_similarity", "equalize_histogram", "clahe", "sobel",
                "laplacian", "opening", "closing", "morphological_gradient"}


BAD_CASES = [(name, kind) for name in NAMES for kind in BAD_KINDS
             if not (kind == "channels" and name in ANY_CHANNELS)
             and not (name == "cosine_similarity" and kind in ("rank 2", "dtype"))]


@pytest.mark.parametrize("name,kind", BAD_CASES)
def test_bad_input_is_a_value_error_naming_it(name, kind):
    function, channels = OPS[name]
    bad = _bad_inputs(channels)[kind]
    with pytest.raises(ValueError) as caught:
        function(bad)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("Expected"), message
    assert (f"dtype={bad.dtype.name}" if kind == "dtype" else str(tuple(bad.shape))) in message


def test_exposure_fusion_takes_a_stack_of_shots(run_three_ways):
    shots = tf.stack([_input(3, "uint8"), ops.adjust_gamma(_input(3, "uint8"), 2.0)])
    eager, graph, mapped = run_three_ways(ops.exposure_fusion, shots)
    assert eager.shape == (HEIGHT, WIDTH, 3) and eager.dtype == np.uint8
    _compare(graph, eager)
    _compare(mapped, eager)
    with pytest.raises(ValueError, match="shots, height, width, channels"):
        ops.exposure_fusion(shots[0])


def test_ms_ssim_batch_matches_each_image():
    # ms_ssim halves the image four times: 11x11 windows need about 176x176 pixels.
    image = tf.constant(skdata.astronaut()[:176, :176])
    other = tf.reverse(image, axis=[0])
    batch = ops.ms_ssim(tf.stack([image, other]), tf.stack([other, image]), 255)
    assert_same_program(batch[0], ops.ms_ssim(image, other, 255))
    assert_same_program(batch[1], batch[0])  # symmetric

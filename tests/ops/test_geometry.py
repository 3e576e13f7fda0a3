"""Tests for tfimg.ops.geometry: resize (stretch, crop, pad), crop_box and apply_orientation."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image, ImageOps

from tests.tolerances import UINT8_ATOL, assert_close_to_reference, assert_same_program, \
    assert_uint8_close
from tfimg.ops import RESIZE_MODES, apply_orientation, crop_box, resize

# A 2x4 ramp, small enough to work out every resize by hand:
#   [[0 1 2 3]
#    [4 5 6 7]]
RAMP = np.arange(8, dtype=np.float32).reshape(2, 4, 1)

EXIF_ORIENTATION = 0x0112


def _random_image(shape, seed=0, dtype=np.uint8):
    return np.random.default_rng(seed).integers(0, 256, size=shape).astype(dtype)


def _to_uint8(image):
    return np.clip(np.round(np.asarray(image)), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def photo_crop(photos):
    """A non-square uint8 RGB piece of a real photo, 48x64, shrunk by PIL from the full photo."""
    _, _, pixels = photos[0]
    return np.asarray(Image.fromarray(pixels).resize((64, 48), Image.BILINEAR))


# --- resize: shapes, dtypes, ranks -----------------------------------------------------------

@pytest.mark.parametrize("mode", RESIZE_MODES)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64, np.int32])
def test_resize_rank3_shape_and_dtype(mode, dtype):
    image = _random_image((30, 40, 3), dtype=dtype)
    result = resize(image, (24, 20), mode=mode)
    assert result.shape == (24, 20, 3)
    assert result.dtype == tf.float32


@pytest.mark.parametrize("mode", RESIZE_MODES)
def test_resize_rank4_is_the_rank3_result_per_image(mode):
    batch = _random_image((3, 30, 40, 2))
    result = resize(batch, (24, 20), mode=mode)
    assert result.shape == (3, 24, 20, 2)
    assert result.dtype == tf.float32
    for index in range(3):
        assert_same_program(result[index], resize(batch[index], (24, 20), mode=mode))


def test_resize_int_size_means_square():
    assert resize(_random_image((30, 40, 3)), 16).shape == (16, 16, 3)


@pytest.mark.parametrize("mode", RESIZE_MODES)
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_eager_graph_and_dataset_agree(photo_crop, run_three_ways, mode, antialias):
    eager, graph, mapped = run_three_ways(
        lambda image: resize(image, (30, 36), mode=mode, antialias=antialias), photo_crop)
    assert eager.shape == (30, 36, 3)
    assert_same_program(graph, eager)
    assert_same_program(mapped, eager)


# --- resize: golden values --------------------------------------------------------------------

@pytest.mark.parametrize("size", [(224, 224), (100, 150), (350, 512)])
def test_resize_stretch_matches_pil_bilinear_when_shrinking_photos(photos, size):
    # PIL's BILINEAR resize is a triangle filter widened by the scale factor when shrinking,
    # the same filter as TF's antialiased scale_and_translate. Measured on the first three
    # Sun-80 photos at these sizes: max |difference| 1 (rounding of the last step), mean
    # |difference| 0.06 to 0.13 levels; the mean bound catches a systematic shift or a filter
    # change that stays within one level per pixel.
    for name, _, pixels in photos:
        expected = np.asarray(Image.fromarray(pixels).resize(size[::-1], Image.BILINEAR))
        actual = _to_uint8(resize(pixels, size, mode="stretch", antialias=True))
        assert_uint8_close(actual, expected, atol=UINT8_ATOL)
        mean_difference = np.mean(np.abs(actual.astype(int) - expected.astype(int)))
        assert mean_difference < 0.2, (name, size, mean_difference)


def test_resize_ramp_golden_values():
    # Shrinking 2x4 -> 1x2 averages the two rows. Without antialias each output samples the
    # point between two input columns: (0+1+4+5)/4 and (2+3+6+7)/4. With antialias the triangle
    # filter is widened to radius 2 input pixels; for output column 0 (centre x = 1.0) the input
    # centres 0.5, 1.5, 2.5 get weights 0.75, 0.75, 0.25 (renormalised, the left edge has no
    # pixel): (0*0.75 + 1*0.75 + 2*0.25) / 1.75 = 5/7, plus 2 for the row average -> 19/7;
    # symmetrically 30/7. PIL's "F" mode BILINEAR resize gives the same two numbers.
    assert_close_to_reference(resize(RAMP, (1, 2), antialias=False)[..., 0], [[2.5, 4.5]])
    assert_close_to_reference(resize(RAMP, (1, 2), antialias=True)[..., 0], [[19 / 7, 30 / 7]])
    pil = Image.fromarray(RAMP[..., 0], mode="F").resize((2, 1), Image.BILINEAR)
    assert_close_to_reference(resize(RAMP, (1, 2))[..., 0], np.asarray(pil))


@pytest.mark.parametrize("mode", RESIZE_MODES)
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_to_the_same_size_is_exact(mode, antialias):
    image = np.random.default_rng(1).uniform(0, 255, size=(2, 17, 23, 3)).astype(np.float32)
    np.testing.assert_array_equal(resize(image, (17, 23), mode=mode, antialias=antialias),
                                  image)


def test_crop_takes_the_centred_window_of_the_target_aspect():
    # 2x4 -> 2x2: the centred 2x2 window is columns 1 and 2; same size after the crop, no
    # interpolation.
    np.testing.assert_array_equal(resize(RAMP, (2, 2), mode="crop")[..., 0], [[1, 2], [5, 6]])
    # 2x4 -> 1x1: the same window, averaged.
    assert_close_to_reference(resize(RAMP, (1, 1), mode="crop")[..., 0], [[3.5]])
    # 2x4 -> 4x2: the window of aspect 2:1 is column 1 ([1, 5]), scaled up 2x with half-pixel
    # centres: rows sample y = -0.25 (clamped), 0.25, 0.75, 1.25 (clamped) -> 1, 2, 4, 5.
    np.testing.assert_allclose(resize(RAMP, (4, 2), mode="crop")[..., 0],
                               [[1, 1], [2, 2], [4, 4], [5, 5]])


def test_pad_keeps_the_aspect_and_centres_with_zeros():
    # 2x4 -> 4x4: fits at scale 1, one row of zeros above and below.
    np.testing.assert_array_equal(resize(RAMP, (4, 4), mode="pad")[..., 0],
                                  [[0, 0, 0, 0], [0, 1, 2, 3], [4, 5, 6, 7], [0, 0, 0, 0]])
    # 2x4 -> 2x8: two columns of zeros on each side.
    np.testing.assert_array_equal(resize(RAMP, (2, 8), mode="pad")[..., 0],
                                  [[0, 0, 0, 1, 2, 3, 0, 0], [0, 0, 4, 5, 6, 7, 0, 0]])
    # 2x4 -> 2x2: scale 1/2 to 1x2 (the ramp golden above), then half a row of padding each
    # side rounds to none above and one row below.
    result = resize(RAMP, (2, 2), mode="pad", antialias=False)[..., 0].numpy()
    assert result.shape == (2, 2)
    assert_close_to_reference(result[0], [2.5, 4.5])
    np.testing.assert_array_equal(result[1], [0, 0])


def test_pad_on_a_photo_is_the_stretched_image_inside_a_zero_border(photo_crop):
    # 48x64 -> 40x40: scale 40/64 gives 30x40, 5 rows of zeros above and below.
    padded = resize(photo_crop, (40, 40), mode="pad").numpy()
    np.testing.assert_array_equal(padded[:5], 0)
    np.testing.assert_array_equal(padded[35:], 0)
    assert_same_program(padded[5:35], resize(photo_crop, (30, 40), mode="stretch"))


@pytest.mark.parametrize("height, width, size, expected", [
    (2, 4, (2, 2), (0, 1, 2, 2)),
    (2, 4, (1, 1), (0, 1, 2, 2)),
    (2, 4, (4, 2), (0, 1, 2, 1)),
    (5, 9, (2, 2), (0, 2, 5, 5)),
    # scale = min(9/1, 5/2) = 2.5: the window is round(2.5) = 2 rows (tf.round: half to even).
    (9, 5, (1, 2), (3, 0, 2, 5)),
    (768, 1024, (224, 224), (0, 128, 768, 768)),
    (100, 100, (50, 100), (25, 0, 50, 100)),
    (3, 3, 1, (0, 0, 3, 3)),
])
def test_crop_box_golden_values(height, width, size, expected):
    box = tuple(int(value) for value in crop_box(height, width, size))
    top, left, crop_height, crop_width = box
    assert box == expected
    assert 0 <= top and top + crop_height <= height and 0 <= left and left + crop_width <= width


# --- apply_orientation ------------------------------------------------------------------------

def _pil_oriented(pixels, orientation):
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[EXIF_ORIENTATION] = orientation
    image.info["exif"] = exif.tobytes()
    return np.asarray(ImageOps.exif_transpose(image))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_apply_orientation_matches_pil_exif_transpose(photo_crop, orientation):
    expected = _pil_oriented(photo_crop, orientation)
    actual = apply_orientation(photo_crop, orientation).numpy()
    assert actual.dtype == np.uint8
    assert actual.shape == ((48, 64, 3) if orientation < 5 else (64, 48, 3))
    np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("orientation", [0, 9, -1, 255])
def test_apply_orientation_outside_1_to_8_is_identity(orientation):
    image = _random_image((2, 3, 1))
    np.testing.assert_array_equal(apply_orientation(image, orientation), image)


def test_apply_orientation_eager_graph_and_dataset_agree():
    # The orientation is a tensor here, as it is when read from EXIF inside tf.data: one traced
    # function serves all eight values.
    image = tf.constant(_random_image((5, 7, 3), seed=2))
    graph = tf.function(apply_orientation,
                        input_signature=[tf.TensorSpec([None, None, 3], tf.uint8),
                                         tf.TensorSpec([], tf.int32)])
    mapped = tf.data.Dataset.range(1, 9).map(
        lambda orientation: apply_orientation(image, orientation))
    for orientation, from_dataset in zip(range(1, 9), mapped):
        eager = apply_orientation(image, tf.constant(orientation)).numpy()
        np.testing.assert_array_equal(eager, _pil_oriented(image.numpy(), orientation))
        np.testing.assert_array_equal(graph(image, tf.constant(orientation)), eager)
        np.testing.assert_array_equal(from_dataset, eager)


# --- errors -----------------------------------------------------------------------------------

def test_resize_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode='squash'"):
        resize(_random_image((4, 4, 3)), (2, 2), mode="squash")


@pytest.mark.parametrize("shape", [(4, 4), (1, 1, 4, 4, 3), (4,)])
def test_resize_rejects_bad_rank(shape):
    with pytest.raises(ValueError, match=r"rank 3 or 4, received shape="):
        resize(np.zeros(shape, np.uint8), (2, 2))


@pytest.mark.parametrize("size", [0, (0, 4), (4, -1)])
def test_resize_rejects_a_non_positive_size(size):
    with pytest.raises(ValueError, match=r"size="):
        resize(_random_image((4, 4, 3)), size)


def test_apply_orientation_rejects_a_batch():
    with pytest.raises(ValueError, match=r"rank 3, received shape=\(2, 4, 4, 3\)"):
        apply_orientation(np.zeros((2, 4, 4, 3), np.uint8), 6)

"""Tests for tfimg.models._padding.mirror_pad against NumPy's "symmetric" padding."""

import numpy as np
import pytest
import tensorflow as tf

from tests.tolerances import assert_same_program
from tfimg.models._padding import mirror_pad

IMAGES = np.random.default_rng(0).uniform(size=(2, 5, 7, 3)).astype("float32")


@pytest.mark.parametrize("axis, before, after", [(1, 2, 2), (2, 2, 2), (1, 0, 3), (2, 0, 1),
                                                 (2, 0, 0), (1, 3, 0)])
def test_mirror_pad_is_numpy_symmetric(axis, before, after):
    widths = [(0, 0)] * 4
    widths[axis] = (before, after)
    expected = np.pad(IMAGES, widths, "symmetric")
    assert_same_program(mirror_pad(IMAGES, axis, before, after), expected)
    # Inside a graph, with the padding a tensor (as models compute it from the input's shape).
    traced = tf.function(lambda images: mirror_pad(images, axis, before,
                                                   tf.shape(images)[axis] * 0 + after))
    assert_same_program(traced(IMAGES), expected)


def test_sides_shorter_than_the_padding_repeat_their_pixels():
    row = np.arange(2, dtype="float32").reshape(1, 1, 2, 1)
    np.testing.assert_array_equal(np.asarray(mirror_pad(row, 2, 3, 3)).ravel(),
                                  [1, 1, 0, 0, 1, 1, 0, 0])

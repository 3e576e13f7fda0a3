import numpy as np
import pytest

from tests.tolerances import assert_close_to_reference
from tfimg.models.style_transfer.losses import (content_loss, gram_matrix, style_loss,
                                                total_variation_loss)

# One image of 1x2 pixels with 2 channels: pixel values (1, 2) and (3, 4).
FEATURES = np.array([[[[1.0, 2.0], [3.0, 4.0]]]], np.float32)
# F^T F = [[1*1 + 3*3, 1*2 + 3*4], [2*1 + 4*3, 2*2 + 4*4]] = [[10, 14], [14, 20]], divided by
# C * H * W = 2 * 1 * 2 = 4 (by hand).
GRAM = np.array([[[2.5, 3.5], [3.5, 5.0]]], np.float32)


def test_gram_matrix_hand_computed():
    assert_close_to_reference(gram_matrix(FEATURES), GRAM)


def test_gram_matrix_symmetric_and_scale_correct():
    features = np.random.default_rng(0).normal(size=(2, 5, 7, 6)).astype(np.float32)
    gram = np.asarray(gram_matrix(features))
    assert gram.shape == (2, 6, 6)
    assert_close_to_reference(gram, np.transpose(gram, (0, 2, 1)))
    # Features times 3 -> Gram times 9; the image tiled 2x2 (4x the pixels) -> the same Gram.
    assert_close_to_reference(gram_matrix(3 * features), 9 * gram)
    assert_close_to_reference(gram_matrix(np.tile(features, (1, 2, 2, 1))), gram)
    # Against NumPy: einsum over pixels.
    expected = np.einsum("bhwi,bhwj->bij", features, features) / (5 * 7 * 6)
    assert_close_to_reference(gram, expected)


def test_content_loss_hand_computed():
    target = np.zeros_like(FEATURES)
    # (1 + 4 + 9 + 16) / 4 = 7.5
    assert_close_to_reference(content_loss(FEATURES, target), 7.5)
    assert float(content_loss(FEATURES, FEATURES)) == 0.0


def test_style_loss_hand_computed_with_layer_weights():
    zero = np.zeros((1, 2, 2), np.float32)
    # mean(G^2) = (6.25 + 12.25 + 12.25 + 25) / 4 = 13.9375; weights 1 and 0.5, second layer
    # compared with its own Gram matrix (0).
    loss = style_loss([FEATURES, FEATURES], [zero, GRAM], weights=[1.0, 0.5])
    assert_close_to_reference(loss, 13.9375)
    assert_close_to_reference(style_loss([FEATURES], [zero]), 13.9375)


def test_total_variation_hand_computed():
    image = np.array([[[[0.0], [1.0]], [[2.0], [4.0]]]], np.float32)
    # Vertical differences 2 and 3 -> mean square 6.5; horizontal 1 and 2 -> 2.5.
    assert_close_to_reference(total_variation_loss(image), 9.0)
    assert float(total_variation_loss(np.full((1, 4, 4, 3), 7.0, np.float32))) == 0.0


def test_bad_inputs_named():
    with pytest.raises(ValueError, match="features of shape"):
        gram_matrix(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="one target Gram matrix per style layer"):
        style_loss([FEATURES, FEATURES], [GRAM])
    with pytest.raises(ValueError, match="one weight per style layer"):
        style_loss([FEATURES], [GRAM], weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="images of shape"):
        total_variation_loss(np.zeros((4, 4, 3), np.float32))

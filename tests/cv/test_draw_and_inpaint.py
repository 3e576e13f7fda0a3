"""Drawing returns new images; inpainting restores damage on a real photo; mask helpers."""

import cv2
import numpy as np
import pytest

from tfimg import cv

from tests.tolerances import psnr


def test_drawing_returns_new_rgb_images(photo):
    before = photo.copy()
    features = cv.detect_features(photo, "orb", 100)
    drawn = cv.draw_keypoints(photo, features)
    assert drawn.shape == photo.shape and drawn.dtype == np.uint8
    assert np.any(drawn != photo)
    shift = np.float32([[1, 0, 6], [0, 1, 3]])
    moved = cv2.warpAffine(photo, shift, photo.shape[1::-1])
    match = cv.match_images(photo, moved)
    canvas = cv.draw_matches(photo, moved[:200], match, max_lines=20)
    assert canvas.shape == (photo.shape[0], 2 * photo.shape[1], 3)
    np.testing.assert_array_equal(photo, before)  # inputs untouched
    gray = cv.draw_keypoints(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), features)
    assert gray.shape == photo.shape


def _scratched(photo):
    damaged = photo.copy()
    for row in range(20, photo.shape[0], 45):
        cv2.line(damaged, (0, row), (photo.shape[1] - 1, row + 25), (255, 255, 255), 2)
    return damaged


@pytest.mark.parametrize("method", sorted(cv.INPAINT_METHODS))
def test_inpainting_restores_scratches_on_a_photo(photo, method):
    damaged = _scratched(photo)
    mask = cv.mask_from_damage(damaged, threshold=250, grow=1)
    restored = cv.inpaint(damaged, mask, method, radius=3)
    assert restored.shape == photo.shape and restored.dtype == np.uint8
    np.testing.assert_array_equal(restored[~mask], damaged[~mask])
    gain = psnr(restored, photo) - psnr(damaged, photo)
    assert gain >= 10.0, gain  # measured: 15.1 dB (NS) and 15.3 dB (Telea) on this photo


def test_mask_helpers():
    image = np.zeros((6, 8, 3), np.uint8)
    image[1, 2] = (255, 0, 0)
    image[4, 5] = (250, 3, 0)
    assert cv.mask_from_color(image, (255, 0, 0)).sum() == 1
    assert cv.mask_from_color(image, (255, 0, 0), tolerance=5).sum() == 2
    square = cv.mask_from_polygon((6, 8), [(1, 1), (3, 1), (3, 3), (1, 3)])
    assert square.sum() == 9 and square[2, 2] and not square[0, 0]
    gray = np.zeros((9, 9), np.uint8)
    gray[4, 4] = 255
    assert cv.mask_from_damage(gray, grow=0).sum() == 1
    assert cv.mask_from_damage(gray, grow=1).sum() == 5  # OpenCV's 3x3 ellipse: a cross


@pytest.mark.parametrize("call,message", [
    (lambda: cv.inpaint(np.zeros((4, 4), np.uint8), np.zeros((4, 5), bool)),
     r"mask of shape \(4, 4\), received shape=\(4, 5\)"),
    (lambda: cv.inpaint(np.zeros((4, 4), np.uint8), np.zeros((4, 4), bool), "fast"),
     "method='fast'"),
    (lambda: cv.inpaint(np.zeros((4, 4), np.uint8), np.zeros((4, 4), bool), radius=10**6),
     "radius=1000000"),
    (lambda: cv.mask_from_color(np.zeros((4, 4, 3), np.uint8), (1, 2)), "color of 3 levels"),
    (lambda: cv.mask_from_polygon((4, 4), [(0, 0), (1, 1)]), "at least 3 finite"),
    (lambda: cv.mask_from_polygon((4, -4), [(0, 0), (1, 1), (2, 0)]), "positive size"),
    (lambda: cv.mask_from_damage(np.zeros((4, 4), np.uint8), grow=99), "grow=99"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()

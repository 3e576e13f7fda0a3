"""RANSAC homography on exact points with outliers, and the corner error."""

import numpy as np
import pytest

from tfimg import cv


def test_ransac_finds_the_model_and_flags_outliers():
    rng = np.random.default_rng(0)
    truth = np.array([[1.1, 0.05, 20.0], [-0.04, 0.95, -10.0], [1e-4, -5e-5, 1.0]])
    points = rng.uniform(0, 500, (200, 2))
    moved = cv.project(truth, points)
    moved[:40] += rng.uniform(30, 80, (40, 2))  # gross outliers
    homography, inliers = cv.find_homography(points, moved, seed=1)
    assert cv.corner_error(homography, truth, (500, 500)) < 1e-3
    np.testing.assert_array_equal(inliers, np.arange(200) >= 40)


def test_corner_error_is_the_mean_corner_distance():
    shift = np.array([[1.0, 0, 3.0], [0, 1.0, 4.0], [0, 0, 1.0]])
    assert cv.corner_error(shift, np.eye(3), (10, 20)) == pytest.approx(5.0)
    assert cv.corner_error(None, np.eye(3), (10, 20)) == float("inf")
    np.testing.assert_array_equal(cv.corners((10, 20))[2], [19, 9])


@pytest.mark.parametrize("points1,points2,message", [
    (np.zeros((3, 2)), np.zeros((3, 2)), "at least 4 matches, received 3"),
    (np.zeros((5, 2)), np.zeros((4, 2)), "received 5 and 4"),
])
def test_too_few_or_mismatched_points_are_refused(points1, points2, message):
    with pytest.raises(ValueError, match=message):
        cv.find_homography(points1, points2)

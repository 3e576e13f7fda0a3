"""Drawing helpers for features and matches; each returns a new uint8 RGB image."""

import cv2
import numpy as np

from tfimg.cv._image import check_image
from tfimg.cv.homography import corners, project

INLIER_COLOR = (0, 200, 0)
OUTLIER_COLOR = (220, 0, 0)
KEYPOINT_COLOR = (255, 200, 0)


def _rgb(image, name):
    image = check_image(image, name)
    if image.ndim == 2 or image.shape[2] == 1:
        return cv2.cvtColor(image.reshape(image.shape[:2]), cv2.COLOR_GRAY2RGB)
    return image.copy()


def draw_keypoints(image, features, color=KEYPOINT_COLOR):
    """`image` with a circle of each keypoint's size and a tick for its angle."""
    canvas = _rgb(image, "image")
    return cv2.drawKeypoints(canvas, list(features.keypoints), None, color,
                             cv2.DRAW_MATCHES_FLAGS_DRAW_RICH_KEYPOINTS)


def draw_matches(image1, image2, match, max_lines=200):
    """Both images side by side (image 2 to the right, both top-aligned) with a line per match:
    green for RANSAC inliers, red for outliers, the best `max_lines` only; the outline of image
    1 projected by the homography is drawn on image 2.

    Args:
        image1, image2: the uint8 images given to `tfimg.cv.match_images`.
        match: its `ImageMatch`.
        max_lines: how many matches to draw at most.
    """
    left, right = _rgb(image1, "image1"), _rgb(image2, "image2")
    if match.homography is not None:
        outline = project(match.homography, corners(left.shape[:2]))
        cv2.polylines(right, [np.round(outline).astype(np.int32)], True, INLIER_COLOR, 2,
                      cv2.LINE_AA)
    height = max(left.shape[0], right.shape[0])
    canvas = np.zeros((height, left.shape[1] + right.shape[1], 3), np.uint8)
    canvas[:left.shape[0], :left.shape[1]] = left
    canvas[:right.shape[0], left.shape[1]:] = right
    offset = np.array([left.shape[1], 0], np.float32)
    for index in range(min(len(match.pairs), max_lines)):
        start = tuple(int(v) for v in np.round(match.points1[index]))
        end = tuple(int(v) for v in np.round(match.points2[index] + offset))
        color = INLIER_COLOR if match.inliers[index] else OUTLIER_COLOR
        cv2.line(canvas, start, end, color, 1, cv2.LINE_AA)
        cv2.circle(canvas, start, 3, color, 1, cv2.LINE_AA)
        cv2.circle(canvas, end, 3, color, 1, cv2.LINE_AA)
    return canvas

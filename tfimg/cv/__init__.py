"""OpenCV + NumPy algorithms that cannot be graph ops: keypoints and descriptors (ORB, SIFT),
matching (brute force, FLANN with LSH or KD-tree, Lowe's ratio test), RANSAC homographies,
drawing, and inpainting with its masks. NumPy in, NumPy out; no TensorFlow.
"""

from tfimg.cv.draw import draw_keypoints, draw_matches
from tfimg.cv.features import METHODS, Features, detect_features
from tfimg.cv.homography import corner_error, corners, find_homography, project
from tfimg.cv.inpaint import (INPAINT_METHODS, inpaint, mask_from_color, mask_from_damage,
                              mask_from_polygon)
from tfimg.cv.matching import MATCHERS, make_matcher, match_features, ratio_test
from tfimg.cv.registration import ImageMatch, match_images

__all__ = [
    "INPAINT_METHODS",
    "MATCHERS",
    "METHODS",
    "Features",
    "ImageMatch",
    "corner_error",
    "corners",
    "detect_features",
    "draw_keypoints",
    "draw_matches",
    "find_homography",
    "inpaint",
    "make_matcher",
    "mask_from_color",
    "mask_from_damage",
    "mask_from_polygon",
    "match_features",
    "match_images",
    "project",
    "ratio_test",
]

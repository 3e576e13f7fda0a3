"""Two images registered end to end: features, matches, ratio test, RANSAC homography."""

import dataclasses

import numpy as np

from tfimg.cv._image import check_image
from tfimg.cv.features import detect_features
from tfimg.cv.homography import MIN_POINTS, find_homography
from tfimg.cv.matching import match_features


@dataclasses.dataclass(frozen=True)
class ImageMatch:
    """What `match_images` found.

    Attributes:
        features1, features2: `tfimg.cv.Features` of each image.
        pairs: `(n, 2)` int64 indices of matched keypoints (image 1, image 2), best first.
        distances: `(n,)` float32 descriptor distances.
        homography: `(3, 3)` float64 mapping image 1's pixel coordinates `(x, y)` to image 2's,
            or None when there were too few matches or RANSAC found no model.
        inliers: `(n,)` bool, the pairs consistent with `homography`.
    """

    features1: object
    features2: object
    pairs: np.ndarray
    distances: np.ndarray
    homography: object
    inliers: np.ndarray

    @property
    def points1(self):
        """`(n, 2)` float32 matched points in image 1."""
        return self.features1.points[self.pairs[:, 0]].reshape(-1, 2)

    @property
    def points2(self):
        """`(n, 2)` float32 matched points in image 2."""
        return self.features2.points[self.pairs[:, 1]].reshape(-1, 2)

    def to_json(self):
        """A JSON-ready dict: method, keypoint counts, `matches` and `inliers` (counts),
        `homography` (3x3 list or None) and the inlier point pairs."""
        homography = None if self.homography is None else np.asarray(self.homography).tolist()
        inlier_pairs = np.concatenate([self.points1, self.points2], axis=1)[self.inliers]
        return {"method": self.features1.method,
                "keypoints": [len(self.features1), len(self.features2)],
                "matches": int(len(self.pairs)), "inliers": int(self.inliers.sum()),
                "homography": homography,
                "inlier_points": [[round(float(value), 2) for value in row]
                                  for row in inlier_pairs]}


def match_images(image1, image2, method="orb", matcher="brute_force", ratio=0.75,
                 threshold=3.0, max_features=5000, seed=0):
    """Features of both images, ratio-tested matches and the RANSAC homography from 1 to 2.

    Args:
        image1, image2: uint8 `(height, width)` or `(height, width, 1 | 3)` arrays.
        method: "orb" or "sift" (`tfimg.cv.detect_features`).
        matcher: "brute_force" or "flann" (`tfimg.cv.make_matcher`).
        ratio: Lowe's ratio (`tfimg.cv.ratio_test`).
        threshold: RANSAC inlier threshold in pixels.
        max_features: keypoints kept per image.
        seed: OpenCV's RNG seed for RANSAC (None leaves it alone).

    Returns:
        `ImageMatch`; its homography is None with fewer than 4 matches.
    """
    image1, image2 = check_image(image1, "image1"), check_image(image2, "image2")
    features1 = detect_features(image1, method, max_features)
    features2 = detect_features(image2, method, max_features)
    pairs, distances = match_features(features1, features2, matcher, ratio)
    homography, inliers = None, np.zeros(len(pairs), bool)
    if len(pairs) >= MIN_POINTS:
        homography, inliers = find_homography(features1.points[pairs[:, 0]],
                                              features2.points[pairs[:, 1]], threshold, seed)
    return ImageMatch(features1, features2, pairs, distances, homography, inliers)

"""Keypoints and descriptors: ORB (binary, Rublee et al. 2011, "ORB: an efficient alternative to
SIFT or SURF") and SIFT (float, Lowe 2004, "Distinctive image features from scale-invariant
keypoints"). NumPy in, NumPy out; OpenCV does the work."""

import dataclasses

import cv2
import numpy as np

from tfimg.cv._image import check_choice, check_image, to_gray

METHODS = ("orb", "sift")
DESCRIPTOR_SIZES = {"orb": 32, "sift": 128}
# More keypoints than this only cost memory and matching time (quadratic for brute force).
MAX_FEATURES = 100_000


@dataclasses.dataclass(frozen=True)
class Features:
    """Keypoints of one image and their descriptors, row for row.

    Attributes:
        method: "orb" (binary descriptors, compared by Hamming distance) or "sift" (float
            descriptors, compared by L2 distance).
        keypoints: tuple of `cv2.KeyPoint` (position, size, angle, response, octave).
        descriptors: `(n, 32)` uint8 for ORB, `(n, 128)` float32 for SIFT.
    """

    method: str
    keypoints: tuple
    descriptors: np.ndarray

    @property
    def points(self):
        """`(n, 2)` float32 pixel coordinates `(x, y)` of the keypoints."""
        return np.array([keypoint.pt for keypoint in self.keypoints], np.float32).reshape(-1, 2)

    @property
    def binary(self):
        """True for binary descriptors (ORB), matched by Hamming distance."""
        return self.method == "orb"

    def __len__(self):
        return len(self.keypoints)


def _detector(method, max_features):
    if method == "orb":
        return cv2.ORB_create(nfeatures=max_features)
    return cv2.SIFT_create(nfeatures=max_features)


def detect_features(image, method="orb", max_features=5000):
    """Keypoints and descriptors of `image`.

    Args:
        image: uint8 `(height, width)` or `(height, width, 1 | 3)` RGB array.
        method: "orb" or "sift".
        max_features: the most keypoints kept (the strongest), 1 to `MAX_FEATURES`.

    Returns:
        `Features`; with no keypoint found, empty arrays of the method's descriptor width.

    Raises:
        ValueError, TypeError: for a bad image, method or count (the message names it).
    """
    gray = to_gray(check_image(image))
    check_choice(method, METHODS, "method")
    if isinstance(max_features, bool) or not isinstance(max_features, int) or not (
            1 <= max_features <= MAX_FEATURES):
        raise ValueError(f"Expected max_features in 1..{MAX_FEATURES}, received "
                         f"max_features={max_features!r}")
    keypoints, descriptors = _detector(method, max_features).detectAndCompute(gray, None)
    dtype = np.uint8 if method == "orb" else np.float32
    if descriptors is None:
        descriptors = np.zeros((0, DESCRIPTOR_SIZES[method]), dtype)
    return Features(method, tuple(keypoints), descriptors.astype(dtype, copy=False))

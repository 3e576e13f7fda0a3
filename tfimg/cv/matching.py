"""Descriptor matching: brute force or FLANN with the index that suits the descriptors, then
Lowe's ratio test (Lowe 2004, section 7.1).

Binary descriptors (ORB) are compared by Hamming distance and indexed by locality-sensitive
hashing; a KD-tree (what many tutorials use for ORB) assumes Euclidean float vectors and finds
poor neighbours for bit strings. Float descriptors (SIFT) use L2 and randomised KD-trees.
"""

import cv2
import numpy as np

from tfimg.cv._image import check_choice

MATCHERS = ("brute_force", "flann")
# FLANN's algorithm numbers (flann/defines.h): OpenCV's Python binding takes plain dicts.
FLANN_INDEX_KDTREE = 1
FLANN_INDEX_LSH = 6
LSH_INDEX = {"algorithm": FLANN_INDEX_LSH, "table_number": 6, "key_size": 12,
             "multi_probe_level": 1}
KDTREE_INDEX = {"algorithm": FLANN_INDEX_KDTREE, "trees": 5}
SEARCH = {"checks": 50}


def make_matcher(binary, matcher="brute_force"):
    """An OpenCV descriptor matcher for binary (Hamming) or float (L2) descriptors.

    Args:
        binary: True for ORB-like bit strings, False for SIFT-like float vectors.
        matcher: "brute_force" (exact) or "flann" (approximate: LSH for binary, KD-tree for float).
    """
    check_choice(matcher, MATCHERS, "matcher")
    if matcher == "brute_force":
        return cv2.BFMatcher(cv2.NORM_HAMMING if binary else cv2.NORM_L2)
    return cv2.FlannBasedMatcher(LSH_INDEX if binary else KDTREE_INDEX, SEARCH)


def ratio_test(knn_matches, ratio=0.75):
    """The first neighbour of each query whose distance is under `ratio` times the second's.

    Args:
        knn_matches: per query, a list of `cv2.DMatch` sorted by distance (from `knnMatch`, k=2).
            A query with fewer than two neighbours (LSH buckets can be sparse) is dropped: it
            cannot show that its match is distinctive.
        ratio: in (0, 1]; Lowe uses 0.8, 0.7-0.75 is stricter.

    Returns:
        The kept `cv2.DMatch` objects.
    """
    if not 0.0 < ratio <= 1.0:
        raise ValueError(f"Expected ratio in (0, 1], received ratio={ratio!r}")
    return [pair[0] for pair in knn_matches
            if len(pair) >= 2 and pair[0].distance < ratio * pair[1].distance]


def match_features(features1, features2, matcher="brute_force", ratio=0.75):
    """Matches of `features1` (query) in `features2` (train) that pass the ratio test.

    Args:
        features1, features2: `tfimg.cv.Features` of the same method.
        matcher: "brute_force" or "flann" (see `make_matcher`).
        ratio: Lowe's ratio (see `ratio_test`); 1.0 keeps every nearest neighbour.

    Returns:
        `(pairs, distances)`: `(n, 2)` int64 row indices into `features1` and `features2`, and
        the `(n,)` float32 descriptor distances, sorted by distance.
    """
    if features1.method != features2.method:
        raise ValueError(f"Cannot match {features1.method} descriptors with "
                         f"{features2.method} ones")
    if len(features1) < 1 or len(features2) < 2:
        return np.zeros((0, 2), np.int64), np.zeros((0,), np.float32)
    knn = make_matcher(features1.binary, matcher).knnMatch(
        features1.descriptors, features2.descriptors, k=2)
    kept = sorted(ratio_test(knn, ratio), key=lambda match: match.distance)
    pairs = np.array([(match.queryIdx, match.trainIdx) for match in kept], np.int64)
    distances = np.array([match.distance for match in kept], np.float32)
    return pairs.reshape(-1, 2), distances

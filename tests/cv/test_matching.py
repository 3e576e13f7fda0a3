"""Matchers: the norm and FLANN index that suit the descriptors, the ratio test, and the
matches they give on a real photo shifted by a known amount."""

import cv2
import numpy as np
import pytest

from tfimg import cv

SHIFT = np.array([9.0, -5.0])


@pytest.fixture(scope="module")
def shifted_pair(photo):
    moved = cv2.warpAffine(photo, np.float32([[1, 0, SHIFT[0]], [0, 1, SHIFT[1]]]),
                           photo.shape[1::-1])
    return photo, moved


def test_brute_force_uses_hamming_for_binary_and_l2_for_float():
    bits = np.array([[0b1111_0000], [0b0000_0000]], np.uint8)
    knn = cv.make_matcher(binary=True).knnMatch(bits[:1], bits, k=2)
    assert [match.distance for match in knn[0]] == [0.0, 4.0]  # 4 differing bits
    vectors = np.array([[3.0, 4.0], [0.0, 0.0]], np.float32)
    knn = cv.make_matcher(binary=False).knnMatch(vectors[1:], vectors, k=2)
    assert [match.distance for match in knn[0]] == [0.0, 5.0]  # Euclidean


def test_flann_index_is_lsh_for_binary_and_kdtree_for_float():
    from tfimg.cv.matching import FLANN_INDEX_KDTREE, FLANN_INDEX_LSH, KDTREE_INDEX, LSH_INDEX

    assert LSH_INDEX["algorithm"] == FLANN_INDEX_LSH == 6
    assert KDTREE_INDEX["algorithm"] == FLANN_INDEX_KDTREE == 1
    assert isinstance(cv.make_matcher(True, "flann"), cv2.FlannBasedMatcher)


def test_ratio_test_keeps_only_distinctive_matches():
    def pair(first, second):
        return [cv2.DMatch(0, 0, first), cv2.DMatch(0, 1, second)]

    knn = [pair(10, 20), pair(10, 12), [cv2.DMatch(0, 0, 1)]]
    kept = cv.ratio_test(knn, 0.75)
    assert [match.distance for match in kept] == [10]
    with pytest.raises(ValueError, match="ratio=0"):
        cv.ratio_test(knn, 0)


@pytest.mark.parametrize("method", cv.METHODS)
@pytest.mark.parametrize("matcher", cv.MATCHERS)
def test_matches_follow_the_shift(shifted_pair, method, matcher):
    image, moved = shifted_pair
    first = cv.detect_features(image, method, 1000)
    second = cv.detect_features(moved, method, 1000)
    pairs, distances = cv.match_features(first, second, matcher)
    assert len(pairs) >= 100 and np.all(np.diff(distances) >= 0)
    offsets = second.points[pairs[:, 1]] - first.points[pairs[:, 0]]
    # ORB's keypoints on its coarser pyramid levels are placed to a level's pixel (1.2**k), so
    # 3 px; measured within 3 px: 96% for ORB, 99.7% for SIFT, brute force and FLANN alike.
    correct = np.linalg.norm(offsets - SHIFT, axis=1) <= 3.0
    assert correct.mean() >= 0.93, correct.mean()


def test_matching_different_methods_is_refused(photo):
    with pytest.raises(ValueError, match="Cannot match orb descriptors with sift"):
        cv.match_features(cv.detect_features(photo, "orb", 50),
                          cv.detect_features(photo, "sift", 50))

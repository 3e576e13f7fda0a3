"""ORB and SIFT keypoints on a real photo: descriptor types, counts, bad input named."""

import numpy as np
import pytest

from tfimg import cv


@pytest.mark.parametrize("method,width,dtype", [("orb", 32, np.uint8), ("sift", 128, np.float32)])
def test_descriptors_have_the_method_s_type(photo, method, width, dtype):
    features = cv.detect_features(photo, method, max_features=300)
    assert 100 <= len(features) <= 300 + 10  # SIFT may keep ties at the cut
    assert features.descriptors.shape == (len(features), width)
    assert features.descriptors.dtype == dtype
    assert features.points.shape == (len(features), 2)
    assert features.binary == (method == "orb")
    inside = (features.points >= 0) & (features.points < np.array(photo.shape[1::-1]))
    assert inside.all()


def test_grey_and_colour_inputs_agree(photo):
    import cv2

    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    colour = cv.detect_features(photo, "orb", 200)
    np.testing.assert_array_equal(cv.detect_features(gray, "orb", 200).descriptors,
                                  colour.descriptors)
    np.testing.assert_array_equal(cv.detect_features(gray[..., None], "orb", 200).points,
                                  colour.points)


def test_a_flat_image_has_no_features_but_typed_arrays():
    features = cv.detect_features(np.full((64, 64), 128, np.uint8), "sift")
    assert len(features) == 0 and features.descriptors.shape == (0, 128)
    assert features.points.shape == (0, 2)


@pytest.mark.parametrize("image,kwargs,error,message", [
    (np.zeros((8, 8), np.float32), {}, TypeError, "dtype=float32"),
    (np.zeros((8, 8, 4), np.uint8), {}, ValueError, "shape=(8, 8, 4)"),
    (np.zeros((0, 8), np.uint8), {}, ValueError, "non-empty"),
    (np.zeros((8, 8), np.uint8), {"method": "surf"}, ValueError, "method='surf'"),
    (np.zeros((8, 8), np.uint8), {"max_features": 0}, ValueError, "max_features=0"),
    (np.zeros((8, 8), np.uint8), {"max_features": 10**9}, ValueError, "max_features"),
])
def test_bad_input_is_named(image, kwargs, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        cv.detect_features(image, **kwargs)

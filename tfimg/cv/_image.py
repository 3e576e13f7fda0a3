"""Input checks shared by `tfimg.cv` (private): NumPy uint8 images, grey or colour."""

import cv2
import numpy as np


def check_image(image, name="image"):
    """`image` as a C-contiguous uint8 array `(height, width)` or `(height, width, 1 | 3)`.

    Raises:
        TypeError: for a dtype other than uint8.
        ValueError: for another rank or channel count, or an empty image.
    """
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise TypeError(f"Expected {name} of dtype uint8, received dtype={array.dtype}")
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3)):
        raise ValueError(f"Expected {name} of shape (height, width) or (height, width, 1 or 3), "
                         f"received shape={array.shape}")
    if array.size == 0:
        raise ValueError(f"Expected a non-empty {name}, received shape={array.shape}")
    return np.ascontiguousarray(array)


def to_gray(image):
    """(height, width) uint8 grey levels of a checked image (RGB weights as OpenCV's)."""
    if image.ndim == 2:
        return image
    if image.shape[2] == 1:
        return np.ascontiguousarray(image[:, :, 0])
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def check_choice(value, choices, name):
    """`value` if it is one of `choices`, else a ValueError naming `name`."""
    if value not in choices:
        raise ValueError(f"Expected {name} in {choices}, received {name}={value!r}")
    return value

"""Shared input checks and dtype handling for the image ops (private to `tfimg.ops`).

Conventions of every image op: rank 3 `(height, width, channels)` or rank 4
`(batch, height, width, channels)`; uint8 values in [0, 255], float values in [0, 1]; an
image-to-image op returns the input's dtype and rank (uint8 results are rounded half to even and
saturated, as OpenCV's `saturate_cast` does).
"""

import tensorflow as tf

FLOAT_DTYPES = (tf.float16, tf.float32, tf.float64)
IMAGE_DTYPES = (tf.uint8,) + FLOAT_DTYPES


class ImageDtypeError(TypeError, ValueError):
    """An image of a dtype the op does not take: a `TypeError` (STYLE.md) that is also a
    `ValueError`, so that every bad image, of whatever kind, is caught as one."""


def check_image(image, name="image", channels=None, dtypes=IMAGE_DTYPES):
    """Converts `image` to a tensor and checks rank, channels, dtype and emptiness.

    Args:
        image: array-like `(height, width, channels)` or `(batch, height, width, channels)`.
        name: what the error messages call it.
        channels: allowed channel counts (a tuple), or None for any.
        dtypes: allowed dtypes.

    Returns:
        The tensor.

    Raises:
        ImageDtypeError: (a TypeError and a ValueError) for a dtype outside `dtypes`.
        ValueError: for another rank, a channel count outside `channels`, or an empty image.
    """
    image = tf.convert_to_tensor(image)
    if image.dtype not in dtypes:
        allowed = ", ".join(dtype.name for dtype in dtypes)
        raise ImageDtypeError(f"Expected {name} of dtype {allowed}, received "
                              f"dtype={image.dtype.name}")
    if image.shape.rank not in (3, 4):
        raise ValueError(f"Expected {name} of rank 3 (height, width, channels) or 4 (batch, "
                         f"height, width, channels), received shape={image.shape}")
    if channels is not None and image.shape[-1] is not None and image.shape[-1] not in channels:
        raise ValueError(f"Expected {name} with channels in {tuple(channels)}, received "
                         f"channels={image.shape[-1]} (shape={image.shape})")
    if any(size == 0 for size in image.shape[-3:]):
        raise ValueError(f"Expected a non-empty {name}, received shape={image.shape}")
    return image


def as_batch(image):
    """(rank-4 view of `image`, whether it was rank 3)."""
    if image.shape.rank == 3:
        return image[tf.newaxis], True
    return image, False


def unbatch(batch, was_single):
    return batch[0] if was_single else batch


def peak(dtype):
    """The value of white: 255 for uint8, 1 for float."""
    return 255.0 if dtype == tf.uint8 else 1.0


def to_float(image):
    """float32 copy of `image` in its own units (uint8 stays 0..255)."""
    return tf.cast(image, tf.float32)


def from_float(image, dtype):
    """float32 `image` back to `dtype`: uint8 is rounded half to even and saturated."""
    if dtype == tf.uint8:
        return tf.cast(tf.clip_by_value(tf.round(image), 0.0, 255.0), tf.uint8)
    return tf.cast(image, dtype)


def to_levels(image):
    """int32 grey levels 0..255: uint8 as is, float [0, 1] scaled by 255 and rounded."""
    if image.dtype == tf.uint8:
        return tf.cast(image, tf.int32)
    scaled = tf.round(tf.clip_by_value(tf.cast(image, tf.float32), 0.0, 1.0) * 255.0)
    return tf.cast(scaled, tf.int32)


def from_levels(levels, dtype):
    """int32 or float grey levels 0..255 back to `dtype` (float is divided by 255)."""
    if dtype == tf.uint8:
        return tf.cast(tf.clip_by_value(levels, 0, 255), tf.uint8)
    return tf.cast(tf.cast(levels, tf.float32) / 255.0, dtype)


def check_odd_size(value, name):
    """(height, width) from an int or a pair of positive odd ints."""
    size = (value, value) if isinstance(value, int) else tuple(int(item) for item in value)
    if len(size) != 2 or any(item <= 0 or item % 2 == 0 for item in size):
        raise ValueError(f"Expected {name} to be a positive odd int or (height, width) of them, "
                         f"received {name}={value!r}")
    return size


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"Expected {name} to be a positive int, received {name}={value!r}")
    return value

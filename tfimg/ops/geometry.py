"""Geometric ops: resizing to a target size under three aspect policies, and EXIF orientation.

Pure tensor functions, safe inside `tf.data` and in exported graphs.
"""

import tensorflow as tf

RESIZE_MODES = ("stretch", "crop", "pad")


def _as_size(size):
    height, width = (size, size) if isinstance(size, int) else tuple(size)
    if height <= 0 or width <= 0:
        raise ValueError(f"Expected a positive (height, width), received size={size!r}")
    return int(height), int(width)


def crop_box(height, width, size):
    """The centred window of `height` x `width` that has the aspect ratio of `size`.

    Args:
        height, width: int32 scalars (tensors or ints), the image size.
        size: (target_height, target_width).

    Returns:
        (top, left, crop_height, crop_width) as int32 scalars.
    """
    target_height, target_width = _as_size(size)
    height = tf.cast(height, tf.float32)
    width = tf.cast(width, tf.float32)
    scale = tf.minimum(height / target_height, width / target_width)
    crop_height = tf.maximum(tf.cast(tf.round(target_height * scale), tf.int32), 1)
    crop_width = tf.maximum(tf.cast(tf.round(target_width * scale), tf.int32), 1)
    top = (tf.cast(height, tf.int32) - crop_height) // 2
    left = (tf.cast(width, tf.int32) - crop_width) // 2
    return top, left, crop_height, crop_width


def resize(image, size, mode="stretch", antialias=True, method="bilinear"):
    """Resizes an image or batch to `size` with bilinear interpolation (or an area average).

    Modes:
        stretch: scale each axis independently to `size` (aspect ratio not kept).
        crop: take the largest centred window with the aspect ratio of `size`, then scale it.
        pad: scale to fit inside `size` keeping the aspect ratio, then pad with zeros (centred).

    Antialiasing (a triangle filter widened by the scale factor, as PIL's resize does) only
    changes the result when shrinking. `method="area"` averages the input pixels each output
    pixel covers (a box filter, TensorFlow's `ResizeArea`): cheaper than the antialiased
    bilinear filter and as faithful when shrinking, but blocky when enlarging.

    Args:
        image: `(height, width, channels)` or `(batch, height, width, channels)`, any real dtype,
            values in any range.
        size: int or (height, width).
        mode: one of `RESIZE_MODES`.
        antialias: low-pass filter when shrinking (bilinear only).
        method: "bilinear" or "area".

    Returns:
        float32 tensor `(..., height, width, channels)` in the input's value range.
        Safe inside `tf.data`; exportable to TFLite.
    """
    if mode not in RESIZE_MODES:
        raise ValueError(f"Expected mode in {RESIZE_MODES}, received mode={mode!r}")
    target = _as_size(size)
    image = tf.convert_to_tensor(image)
    if image.shape.rank not in (3, 4):
        raise ValueError(f"Expected an image of rank 3 or 4, received shape={image.shape}")
    if method not in ("bilinear", "area"):
        raise ValueError(f"Expected method in ('bilinear', 'area'), received method={method!r}")
    if image.dtype != tf.uint8:  # TensorFlow's resizes read uint8 as is, without a float copy
        image = tf.cast(image, tf.float32)
    if mode == "stretch":
        return tf.image.resize(image, target, method, antialias=antialias)
    if mode == "pad":
        return tf.image.resize_with_pad(image, *target, method, antialias=antialias)
    shape = tf.shape(image)
    top, left, crop_height, crop_width = crop_box(shape[-3], shape[-2], target)
    cropped = tf.image.crop_to_bounding_box(image, top, left, crop_height, crop_width)
    return tf.image.resize(cropped, target, method, antialias=antialias)


def apply_orientation(image, orientation):
    """Turns a decoded image the way a photo viewer shows it, given its EXIF orientation.

    Branch-free (a transpose and a strided slice with tensor arguments), so it is cheap inside
    `tf.map_fn` and `tf.data`, where a `tf.cond` costs more than decoding a small image; for
    orientation 1 both pass the image through without a copy (`tf.reverse` would copy it).
    Orientations 5-8 transpose first; then 3, 4, 7, 8 flip rows and 2, 3, 6, 7 flip columns.

    Args:
        image: `(height, width, channels)` tensor, any dtype.
        orientation: int scalar, the EXIF Orientation tag (1-8); other values mean 1.

    Returns:
        The image, transposed for orientations 5-8. Safe inside `tf.data`.
    """
    image = tf.convert_to_tensor(image)
    if image.shape.rank != 3:
        raise ValueError(f"Expected an image of rank 3, received shape={image.shape}")
    orientation = tf.cast(orientation, tf.int32)
    orientation = tf.where((orientation >= 1) & (orientation <= 8), orientation, 1)
    perm = tf.where(orientation >= 5, tf.constant([1, 0, 2]), tf.constant([0, 1, 2]))
    within = (orientation - 1) % 4  # 0: none, 1: columns, 2: both, 3: rows
    rows = tf.where(within >= 2, -1, 1)
    columns = tf.where((within == 1) | (within == 2), -1, 1)
    turned = tf.transpose(image, perm)[::rows, ::columns]
    turned.set_shape([None, None, image.shape[-1]])
    return turned

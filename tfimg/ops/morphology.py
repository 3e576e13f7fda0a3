"""Morphology with a flat structuring element, matching OpenCV: erode, dilate, opening, closing,
morphological gradient, and `cv2.getStructuringElement`'s shapes.

Pure tensor functions on rank 3 `(height, width, channels)` or rank 4 `(batch, height, width,
channels)` images, uint8 [0, 255] or float, returning the input's dtype and rank (exact: every
result is one of the input values). Pixels outside the image never win (OpenCV's default border
for morphology). Safe inside `tf.function` and `tf.data`; a rectangle is two max pools (TFLite
builtins), other shapes a maximum over shifted slices.
"""

import numpy as np
import tensorflow as tf

from tfimg.ops._image import as_batch, check_image, check_positive_int, unbatch

SHAPES = ("rect", "ellipse", "cross")


def structuring_element(shape, ksize):
    """The 0/1 uint8 element of `cv2.getStructuringElement(shape, (width, height))`.

    Args:
        shape: "rect", "ellipse" or "cross".
        ksize: int or (height, width), positive.

    Returns:
        NumPy uint8 array `(height, width)`, anchored at its centre `(height // 2, width // 2)`.
    """
    height, width = (ksize, ksize) if isinstance(ksize, int) else (int(ksize[0]), int(ksize[1]))
    if height <= 0 or width <= 0:
        raise ValueError(f"Expected a positive ksize, received ksize={ksize!r}")
    if shape not in SHAPES:
        raise ValueError(f"Expected shape in {SHAPES}, received shape={shape!r}")
    element = np.zeros((height, width), np.uint8)
    if shape == "rect":
        element[:] = 1
    elif shape == "cross":
        element[height // 2, :] = 1
        element[:, width // 2] = 1
    else:
        # modules/imgproc/src/morph.dispatch.cpp: rows of half-width c * sqrt(1 - dy^2 / r^2).
        r, c = height // 2, width // 2
        inverse = 1.0 / (r * r) if r else 0.0
        for row in range(height):
            dy = row - r
            if abs(dy) <= r:
                dx = int(np.rint(c * np.sqrt((r * r - dy * dy) * inverse)))
                element[row, max(c - dx, 0):min(c + dx + 1, width)] = 1
    return element


def _element(kernel):
    if kernel is None:
        kernel = 3
    if isinstance(kernel, int) or (isinstance(kernel, tuple) and len(kernel) == 2
                                   and all(isinstance(item, int) for item in kernel)):
        return structuring_element("rect", kernel)
    element = np.asarray(kernel)
    if element.ndim != 2 or element.size == 0 or not element.any():
        raise ValueError(f"Expected kernel to be a size or a non-empty 2-D 0/1 array with a 1, "
                         f"received kernel with shape {element.shape}")
    return (element != 0).astype(np.uint8)


def _dilate_batch(batch, element):
    """Maximum over the element's offsets; outside pixels are the dtype's lowest value."""
    height, width = element.shape
    top, left = height // 2, width // 2
    lowest = batch.dtype.min if batch.dtype == tf.uint8 else -np.inf
    padded = tf.pad(batch, [[0, 0], [top, height - 1 - top], [left, width - 1 - left], [0, 0]],
                    constant_values=tf.cast(lowest, batch.dtype))
    if element.all():
        rows = tf.nn.max_pool2d(padded, (height, 1), 1, "VALID") if height > 1 else padded
        return tf.nn.max_pool2d(rows, (1, width), 1, "VALID") if width > 1 else rows
    size_y, size_x = tf.shape(batch)[1], tf.shape(batch)[2]
    result = None
    for dy, dx in zip(*np.nonzero(element)):
        window = padded[:, dy:dy + size_y, dx:dx + size_x]
        result = window if result is None else tf.maximum(result, window)
    return result


def _invert(batch):
    return 255 - batch if batch.dtype == tf.uint8 else -batch


def _apply(image, kernel, iterations, erode):
    image = check_image(image)
    check_positive_int(iterations, "iterations")
    element = _element(kernel)
    batch, single = as_batch(image)
    if erode:
        batch = _invert(batch)
    for _ in range(iterations):
        batch = _dilate_batch(batch, element)
    if erode:
        batch = _invert(batch)
    return unbatch(batch, single)


def dilate(image, kernel=None, iterations=1):
    """Maximum over the structuring element, as `cv2.dilate(image, kernel, iterations)`.

    Args:
        image: rank 3 or 4, uint8 or float.
        kernel: None (3x3 rectangle), an int or (height, width) rectangle, or a 2-D 0/1 array
            (e.g. from `structuring_element`), anchored at its centre.
        iterations: times to apply it.
    """
    return _apply(image, kernel, iterations, erode=False)


def erode(image, kernel=None, iterations=1):
    """Minimum over the structuring element, as `cv2.erode(image, kernel, iterations)`; arguments
    as `dilate`."""
    return _apply(image, kernel, iterations, erode=True)


def opening(image, kernel=None, iterations=1):
    """Erosion then dilation (`cv2.MORPH_OPEN`): removes bright specks smaller than the
    element."""
    return dilate(erode(image, kernel, iterations), kernel, iterations)


def closing(image, kernel=None, iterations=1):
    """Dilation then erosion (`cv2.MORPH_CLOSE`): fills dark holes smaller than the element."""
    return erode(dilate(image, kernel, iterations), kernel, iterations)


def morphological_gradient(image, kernel=None, iterations=1):
    """Dilation minus erosion (`cv2.MORPH_GRADIENT`): the outline of objects, same dtype."""
    return dilate(image, kernel, iterations) - erode(image, kernel, iterations)


__all__ = ["SHAPES", "closing", "dilate", "erode", "morphological_gradient", "opening",
           "structuring_element"]

"""Morphology with a flat structuring element, matching OpenCV: erode, dilate, opening, closing,
morphological gradient, and `cv2.getStructuringElement`'s shapes.

Pure tensor functions on rank 3 `(height, width, channels)` or rank 4 `(batch, height, width,
channels)` images, uint8 [0, 255] or float, returning the input's dtype and rank (exact: every
result is one of the input values). Pixels outside the image never win (OpenCV's default border
for morphology). Safe inside `tf.function` and `tf.data` and compiled by XLA; maxima and minima
of shifted slices (TFLite builtins), separable for a rectangle.
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


def _runs(row):
    """(start, length) of each run of ones in a 0/1 row."""
    edges = np.diff(np.concatenate([[0], row, [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(begin), int(stop - begin)) for begin, stop in zip(starts, stops)]


def _extreme_batch(batch, element, maximum):
    """Maximum (or minimum) over the element's offsets; outside pixels never win.

    Row by row: the extreme over each distinct run of ones across is computed once (a rectangle
    has one, an ellipse one per width) and shifted down for every row that has it, so a
    rectangle is separable and an ellipse costs little more. All steps are element-wise on the
    input's dtype, which XLA fuses.
    """
    height, width = element.shape
    top, left = height // 2, width // 2
    reduce = tf.maximum if maximum else tf.minimum
    if batch.dtype == tf.uint8:
        fill = 0 if maximum else 255
    else:
        fill = -np.inf if maximum else np.inf
    padded = tf.pad(batch, [[0, 0], [top, height - 1 - top], [left, width - 1 - left], [0, 0]],
                    constant_values=tf.cast(fill, batch.dtype))
    size_y, size_x = tf.shape(batch)[1], tf.shape(batch)[2]
    across = {}
    result = None
    for row in range(height):
        for run in _runs(element[row]):
            if run not in across:
                begin, length = run
                extreme = padded[:, :, begin:begin + size_x]
                for offset in range(begin + 1, begin + length):
                    extreme = reduce(extreme, padded[:, :, offset:offset + size_x])
                across[run] = extreme
            window = across[run][:, row:row + size_y]
            result = window if result is None else reduce(result, window)
    return result


def _apply(image, kernel, iterations, maximum):
    image = check_image(image)
    check_positive_int(iterations, "iterations")
    element = _element(kernel)
    batch, single = as_batch(image)
    for _ in range(iterations):
        batch = _extreme_batch(batch, element, maximum)
    return unbatch(batch, single)


def dilate(image, kernel=None, iterations=1):
    """Maximum over the structuring element, as `cv2.dilate(image, kernel, iterations)`.

    Args:
        image: rank 3 or 4, uint8 or float.
        kernel: None (3x3 rectangle), an int or (height, width) rectangle, or a 2-D 0/1 array
            (e.g. from `structuring_element`), anchored at its centre.
        iterations: times to apply it.
    """
    return _apply(image, kernel, iterations, maximum=True)


def erode(image, kernel=None, iterations=1):
    """Minimum over the structuring element, as `cv2.erode(image, kernel, iterations)`; arguments
    as `dilate`."""
    return _apply(image, kernel, iterations, maximum=False)


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

"""Derivative filters and edge detection that match OpenCV: Sobel, Laplacian, Canny.

Pure tensor functions on rank 3 `(height, width, channels)` or rank 4 `(batch, height, width,
channels)` images, uint8 [0, 255] or float. `sobel` and `laplacian` return float32 derivatives in
the image's units (OpenCV's `ddepth=cv2.CV_32F`); `canny` returns a uint8-style 0/max edge map in
the input's dtype. Safe inside `tf.function` and `tf.data`; `sobel` and `laplacian` are depthwise
convolutions (TFLite builtins), `canny` has a data-dependent loop (not for TFLite).
"""

import numpy as np
import tensorflow as tf

from tfimg.ops._image import as_batch, check_image, peak, to_float, to_levels, unbatch
from tfimg.ops.filters import pad, separable_filter

# Canny's tan(22.5 degrees) in 15-bit fixed point, as modules/imgproc/src/canny.cpp compares it.
_CANNY_SHIFT = 15
_TG22 = int(0.4142135623730950488016887242097 * (1 << _CANNY_SHIFT) + 0.5)


def sobel_kernels(dx, dy, ksize=3):
    """The separable (kernel_x, kernel_y) of `cv2.getDerivKernels(dx, dy, ksize)` (float64).

    Each is the binomial smoothing `(1 + z)^(size - 1 - order)` times the difference
    `(z - 1)^order`; ksize 1 means no smoothing (size 3 along a derivative axis, else 1).
    """
    def kernel(order, size):
        if size == 1 and order > 0:
            size = 3
        if order >= size:
            raise ValueError(f"Expected derivative order < ksize, received order={order}, "
                             f"ksize={size}")
        values = np.ones(1)
        for _ in range(size - 1 - order):
            values = np.convolve(values, [1.0, 1.0])
        for _ in range(order):
            values = np.convolve(values, [-1.0, 1.0])
        return values

    if ksize not in (1, 3, 5, 7):
        raise ValueError(f"Expected ksize in (1, 3, 5, 7), received ksize={ksize!r}")
    return kernel(dx, ksize), kernel(dy, ksize)


def sobel(image, dx=1, dy=0, ksize=3):
    """Image derivative of order (dx, dy), as `cv2.Sobel(image, cv2.CV_32F, dx, dy, ksize)`.

    Args:
        image: rank 3 or 4, uint8 [0, 255] or float.
        dx, dy: derivative orders across (x) and down (y), 0..2 each, not both 0.
        ksize: 1, 3, 5 or 7.

    Returns:
        float32, same shape as `image`, in the image's units per pixel (reflect-101 borders).
    """
    image = check_image(image)
    if dx < 0 or dy < 0 or dx + dy == 0:
        raise ValueError(f"Expected derivative orders dx, dy >= 0, not both 0, received "
                         f"dx={dx!r}, dy={dy!r}")
    kernel_x, kernel_y = sobel_kernels(dx, dy, ksize)
    batch, single = as_batch(image)
    return unbatch(separable_filter(to_float(batch), kernel_y, kernel_x), single)


def laplacian(image, ksize=1):
    """The Laplacian d2/dx2 + d2/dy2, as `cv2.Laplacian(image, cv2.CV_32F, ksize=ksize)`.

    ksize 1 is the 3x3 kernel `[[0, 1, 0], [1, -4, 1], [0, 1, 0]]`; larger sizes sum the second
    Sobel derivatives of that size.

    Returns:
        float32, same shape as `image` (reflect-101 borders).
    """
    image = check_image(image)
    batch, single = as_batch(image)
    values = to_float(batch)
    if ksize == 1:
        # The 3x3 kernel is the ksize-3 second differences without smoothing.
        result = (separable_filter(values, [1.0], [1.0, -2.0, 1.0])
                  + separable_filter(values, [1.0, -2.0, 1.0], [1.0]))
    elif ksize in (3, 5, 7):
        xx = sobel_kernels(2, 0, ksize)
        yy = sobel_kernels(0, 2, ksize)
        result = (separable_filter(values, xx[1], xx[0])
                  + separable_filter(values, yy[1], yy[0]))
    else:
        raise ValueError(f"Expected ksize in (1, 3, 5, 7), received ksize={ksize!r}")
    return unbatch(result, single)


def _canny_gradients(levels):
    """int32 (dx, dy) of a rank-4 grey batch: 3x3 Sobel with the edge replicated, as Canny does."""
    padded = pad(levels, 1, 1, 1, 1, mode="replicate")
    height, width = tf.shape(levels)[1], tf.shape(levels)[2]

    def at(dy, dx):
        return padded[:, 1 + dy:1 + dy + height, 1 + dx:1 + dx + width]

    gx = (at(-1, 1) - at(-1, -1)) + 2 * (at(0, 1) - at(0, -1)) + (at(1, 1) - at(1, -1))
    gy = (at(1, -1) - at(-1, -1)) + 2 * (at(1, 0) - at(-1, 0)) + (at(1, 1) - at(-1, 1))
    return gx, gy


def _hysteresis(strong, weak):
    """Pixels of `weak` 8-connected to `strong` through `weak` (bool rank-4 batches)."""
    def grow(edges, _):
        grown = tf.nn.max_pool2d(tf.cast(edges, tf.float32), 3, 1, "SAME") > 0
        return tf.logical_and(grown, weak), edges

    def changing(edges, previous):
        return tf.reduce_any(tf.not_equal(edges, previous))

    edges, _ = tf.while_loop(changing, grow, (strong, tf.zeros_like(strong)))
    return edges


def canny(image, low_threshold, high_threshold, l2_gradient=False):
    """Canny edges (Canny, 1986) as `cv2.Canny(image, low, high, apertureSize=3, L2gradient)`.

    3x3 Sobel gradients (edge replicated), non-maximum suppression along the gradient direction
    quantised to 4 directions with OpenCV's fixed-point tests, then hysteresis: pixels above
    `high_threshold` are edges, pixels above `low_threshold` 8-connected to them too.

    Args:
        image: one channel, rank 3 or 4, uint8 [0, 255] or float [0, 1] (quantised to 256 grey
            levels first).
        low_threshold, high_threshold: gradient magnitudes on the 0..255 scale (swapped if
            low > high).
        l2_gradient: magnitude sqrt(gx^2 + gy^2) instead of |gx| + |gy|.

    Returns:
        Edge map, same shape and dtype as `image`: 255 (or 1.0) on edges, 0 elsewhere.
    """
    image = check_image(image, channels=(1,))
    low, high = sorted((float(low_threshold), float(high_threshold)))
    batch, single = as_batch(image)
    gx, gy = _canny_gradients(to_levels(batch))
    if l2_gradient:
        # OpenCV compares squared magnitudes with rounded squared thresholds.
        magnitude = gx * gx + gy * gy
        low, high = min(low, 32767.0) ** 2, min(high, 32767.0) ** 2
    else:
        magnitude = tf.abs(gx) + tf.abs(gy)
    low, high = int(np.floor(low)), int(np.floor(high))
    suppressed = _non_maximum(magnitude, gx, gy, low)
    edges = _hysteresis(tf.logical_and(suppressed, magnitude > high), suppressed)
    result = tf.where(edges, tf.cast(peak(image.dtype), image.dtype), tf.zeros((), image.dtype))
    return unbatch(result, single)


def _non_maximum(magnitude, gx, gy, low):
    """bool: above `low` and a local maximum across the edge (canny.cpp's comparisons)."""
    padded = tf.pad(magnitude, [[0, 0], [1, 1], [1, 1], [0, 0]])
    height, width = tf.shape(magnitude)[1], tf.shape(magnitude)[2]

    def at(dy, dx):
        return padded[:, 1 + dy:1 + dy + height, 1 + dx:1 + dx + width]

    x = tf.abs(gx)
    y = tf.abs(gy) * (1 << _CANNY_SHIFT)
    tg22x = x * _TG22
    tg67x = tg22x + x * (1 << (_CANNY_SHIFT + 1))
    horizontal = tf.logical_and(magnitude > at(0, -1), magnitude >= at(0, 1))
    vertical = tf.logical_and(magnitude > at(-1, 0), magnitude >= at(1, 0))
    same_sign = (gx < 0) == (gy < 0)
    # s = +1 when gx and gy share a sign: compare with up-left and down-right, else the others.
    diagonal = tf.where(same_sign,
                        tf.logical_and(magnitude > at(-1, -1), magnitude > at(1, 1)),
                        tf.logical_and(magnitude > at(-1, 1), magnitude > at(1, -1)))
    local_maximum = tf.where(y < tg22x, horizontal, tf.where(y > tg67x, vertical, diagonal))
    return tf.logical_and(magnitude > low, local_maximum)


__all__ = ["canny", "laplacian", "sobel", "sobel_kernels"]

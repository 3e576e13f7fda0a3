"""Smoothing filters that match OpenCV: box, Gaussian, median, bilateral, unsharp masking.

Pure tensor functions on rank 3 `(height, width, channels)` or rank 4 `(batch, height, width,
channels)` images, uint8 [0, 255] or float [0, 1] (any range for the linear filters), returning the
input's dtype and rank. Borders are OpenCV's default, reflect-101 (`gfedcb|abcdefgh|gfedcba`),
except `median_blur`, which replicates the edge as `cv2.medianBlur` does. All are safe inside
`tf.function` and `tf.data`; box, Gaussian and unsharp masking are depthwise convolutions that
TFLite runs as builtins (fast in a plain graph; XLA's CPU depthwise convolution is slow).
"""

import math

import numpy as np
import tensorflow as tf

from tfimg.ops._image import (as_batch, check_image, check_odd_size, from_float, to_float,
                              unbatch)

# cv2.getGaussianKernel's fixed kernels for sigma <= 0 and an odd size up to 7
# (modules/imgproc/src/smooth.dispatch.cpp, small_gaussian_tab).
_SMALL_GAUSSIAN = {
    1: [1.0],
    3: [0.25, 0.5, 0.25],
    5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
    7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
}


def border_indices(size, before, after, mode="reflect_101"):
    """int32 source indices of a padded axis of length `size` (a scalar tensor).

    `reflect_101` mirrors about the edge pixel (OpenCV's BORDER_DEFAULT, TF's "REFLECT"),
    `replicate` repeats it; both work for pads longer than the axis, as OpenCV's do.
    """
    index = tf.range(-before, size + after)
    if mode == "replicate":
        return tf.clip_by_value(index, 0, size - 1)
    period = tf.maximum(2 * size - 2, 1)
    index = tf.math.floormod(tf.abs(index), period)
    return tf.where(index >= size, period - index, index)


def _pad_axis(batch, axis, before, after, mode):
    """Pads one axis (1: height, 2: width) of a rank-4 batch with OpenCV's border rule."""
    size = batch.shape[axis]
    if size is None or max(before, after) >= size:
        # Unknown or short axes: index arithmetic covers pads longer than the axis.
        return tf.gather(batch, border_indices(tf.shape(batch)[axis], before, after, mode),
                         axis=axis)
    paddings = [[0, 0]] * 4
    paddings[axis] = [before, after]
    if mode == "reflect_101":
        return tf.pad(batch, paddings, mode="REFLECT")
    first = tf.gather(batch, [0] * before, axis=axis)
    last = tf.gather(batch, [size - 1] * after, axis=axis)
    return tf.concat([first, batch, last], axis=axis)


def pad(batch, top, bottom, left, right, mode="reflect_101"):
    """Pads the height and width of a rank-4 batch with OpenCV's border rule `mode`."""
    if top or bottom:
        batch = _pad_axis(batch, 1, top, bottom, mode)
    if left or right:
        batch = _pad_axis(batch, 2, left, right, mode)
    return batch


def separable_filter(batch, kernel_y, kernel_x, mode="reflect_101"):
    """Correlates a float32 rank-4 batch with `kernel_y` (down) then `kernel_x` (across).

    The anchor is the kernel's centre (`len // 2`), as in OpenCV's `sepFilter2D`; borders by
    `mode` ("reflect_101" or "replicate"). Depthwise convolutions: the fastest plain-graph
    form on CPU (oneDNN), 1.6x faster there than sums of shifted slices; XLA's CPU depthwise
    convolution is about 15x slower, so filters are the ops not to compile with XLA.
    """
    kernel_y = np.asarray(kernel_y, np.float32)
    kernel_x = np.asarray(kernel_x, np.float32)
    channels = batch.shape[-1]
    if channels is None:
        raise ValueError("Expected a known number of channels for filtering")
    if kernel_y.size > 1:
        half = kernel_y.size // 2
        batch = pad(batch, half, kernel_y.size - 1 - half, 0, 0, mode)
        weights = np.tile(kernel_y.reshape(-1, 1, 1, 1), (1, 1, channels, 1))
        batch = tf.nn.depthwise_conv2d(batch, weights, [1, 1, 1, 1], "VALID")
    if kernel_x.size > 1:
        half = kernel_x.size // 2
        batch = pad(batch, 0, 0, half, kernel_x.size - 1 - half, mode)
        weights = np.tile(kernel_x.reshape(1, -1, 1, 1), (1, 1, channels, 1))
        batch = tf.nn.depthwise_conv2d(batch, weights, [1, 1, 1, 1], "VALID")
    return batch


def gaussian_kernel(ksize, sigma=0.0):
    """The 1-D Gaussian kernel of `cv2.getGaussianKernel(ksize, sigma)` (float64, sums to 1).

    sigma <= 0 means `0.3 * ((ksize - 1) * 0.5 - 1) + 0.8`, and OpenCV's fixed binomial kernels
    for ksize 1, 3, 5, 7.
    """
    if sigma <= 0 and ksize in _SMALL_GAUSSIAN:
        return np.asarray(_SMALL_GAUSSIAN[ksize], np.float64)
    if sigma <= 0:
        sigma = 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8
    offsets = np.arange(ksize, dtype=np.float64) - (ksize - 1) * 0.5
    kernel = np.exp(-0.5 / (sigma * sigma) * offsets * offsets)
    return kernel / kernel.sum()


def _pair(value, name):
    pair = (value, value) if np.isscalar(value) else tuple(value)
    if len(pair) != 2:
        raise ValueError(f"Expected {name} to be a number or a pair, received {name}={value!r}")
    return float(pair[0]), float(pair[1])


def _gaussian_sizes(ksize, sigma, dtype):
    sigma_y, sigma_x = _pair(sigma, "sigma")
    if sigma_y <= 0 < sigma_x:
        sigma_y = sigma_x
    if ksize in (0, None):
        if sigma_x <= 0:
            raise ValueError(f"Expected ksize > 0 or sigma > 0, received ksize={ksize!r}, "
                             f"sigma={sigma!r}")
        # cv2.GaussianBlur's size from sigma: 3 sigmas each side for uint8, 4 for float.
        reach = 3 if dtype == tf.uint8 else 4
        ksize = (int(round(sigma_y * reach * 2 + 1)) | 1, int(round(sigma_x * reach * 2 + 1)) | 1)
    return check_odd_size(ksize, "ksize"), (sigma_y, sigma_x)


def box_blur(image, ksize):
    """The mean over a `ksize` window, as `cv2.blur` (normalised box filter, reflect-101).

    Args:
        image: rank 3 or 4, uint8 [0, 255] or float.
        ksize: odd int or (height, width).

    Returns:
        Same shape and dtype as `image`.
    """
    image = check_image(image)
    size_y, size_x = check_odd_size(ksize, "ksize")
    batch, single = as_batch(image)
    result = separable_filter(to_float(batch), np.full(size_y, 1.0 / size_y),
                              np.full(size_x, 1.0 / size_x))
    return unbatch(from_float(result, image.dtype), single)


def gaussian_blur(image, ksize, sigma=0.0):
    """Gaussian smoothing as `cv2.GaussianBlur(image, (kw, kh), sigma)` (reflect-101).

    Args:
        image: rank 3 or 4, uint8 [0, 255] or float.
        ksize: odd int or (height, width); 0 derives it from sigma as OpenCV does.
        sigma: standard deviation in pixels, a number or (sigma_y, sigma_x); <= 0 derives it
            from ksize as `cv2.getGaussianKernel` does.

    Returns:
        Same shape and dtype as `image`. uint8 results agree with OpenCV's fixed-point filter
        to within one grey level.
    """
    image = check_image(image)
    (size_y, size_x), (sigma_y, sigma_x) = _gaussian_sizes(ksize, sigma, image.dtype)
    batch, single = as_batch(image)
    result = separable_filter(to_float(batch), gaussian_kernel(size_y, sigma_y),
                              gaussian_kernel(size_x, sigma_x))
    return unbatch(from_float(result, image.dtype), single)


def median_blur(image, ksize):
    """The median over a `ksize` x `ksize` window, as `cv2.medianBlur` (edge replicated).

    Args:
        image: rank 3 or 4, uint8 [0, 255] or float.
        ksize: odd int > 1.

    Returns:
        Same shape and dtype as `image` (exact: the median is one of the input values).
    """
    image = check_image(image)
    size, _ = check_odd_size(ksize, "ksize")
    if size < 3:
        raise ValueError(f"Expected ksize >= 3 for median_blur, received ksize={ksize!r}")
    batch, single = as_batch(image)
    half = size // 2
    padded = pad(batch, half, half, half, half, mode="replicate")
    height, width = tf.shape(batch)[1], tf.shape(batch)[2]
    window = tf.stack([padded[:, dy:dy + height, dx:dx + width]
                       for dy in range(size) for dx in range(size)], axis=-1)
    if window.dtype == tf.uint8:
        window = tf.cast(window, tf.int32)
    middle = tf.math.top_k(window, size * size // 2 + 1, sorted=True).values[..., -1]
    return unbatch(tf.cast(middle, image.dtype), single)


def bilateral_filter(image, diameter=9, sigma_color=75.0, sigma_space=75.0):
    """Edge-preserving smoothing, as `cv2.bilateralFilter` (Tomasi and Manduchi, 1998).

    Each pixel becomes the mean of the pixels in a disc of radius `diameter // 2`, weighted by
    `exp(-r^2 / (2 sigma_space^2))` for the distance r and `exp(-d^2 / (2 sigma_color^2))` for the
    colour distance d (the sum of absolute channel differences, as OpenCV uses); reflect-101.

    Args:
        image: rank 3 or 4 with 1 or 3 channels, uint8 [0, 255] or float [0, 1].
        diameter: window diameter; <= 0 derives the radius as `round(1.5 * sigma_space)`.
        sigma_color: colour spread, in the image's units (grey levels for uint8).
        sigma_space: spatial spread in pixels.

    Returns:
        Same shape and dtype as `image`. Not a TFLite builtin (uses exp per window offset).
    """
    image = check_image(image, channels=(1, 3))
    sigma_color = sigma_color if sigma_color > 0 else 1.0
    sigma_space = sigma_space if sigma_space > 0 else 1.0
    radius = max(int(diameter) // 2 if diameter > 0 else int(round(sigma_space * 1.5)), 1)
    batch, single = as_batch(image)
    values = to_float(batch)
    padded = pad(values, radius, radius, radius, radius)
    height, width = tf.shape(batch)[1], tf.shape(batch)[2]
    color_coefficient = -0.5 / (sigma_color * sigma_color)
    total = tf.zeros_like(values)
    weights = tf.zeros_like(values[..., :1])
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            distance = math.sqrt(dy * dy + dx * dx)
            if distance > radius:
                continue
            space = np.float32(math.exp(distance * distance * -0.5 / sigma_space ** 2))
            neighbour = padded[:, radius + dy:radius + dy + height, radius + dx:radius + dx + width]
            difference = tf.reduce_sum(tf.abs(neighbour - values), axis=-1, keepdims=True)
            weight = space * tf.exp(difference * difference * color_coefficient)
            total += weight * neighbour
            weights += weight
    return unbatch(from_float(total / weights, image.dtype), single)


def unsharp_mask(image, ksize=5, sigma=1.0, amount=1.0):
    """Sharpens by adding back the detail a Gaussian blur removes: `image + amount * (image -
    blurred)`.

    Args:
        image: rank 3 or 4, uint8 [0, 255] or float.
        ksize, sigma: the Gaussian, as in `gaussian_blur` (the blur is kept in float32).
        amount: strength; 0 returns the image.

    Returns:
        Same shape and dtype as `image` (uint8 saturated to [0, 255]; float not clipped).
    """
    image = check_image(image)
    (size_y, size_x), (sigma_y, sigma_x) = _gaussian_sizes(ksize, sigma, image.dtype)
    batch, single = as_batch(image)
    values = to_float(batch)
    blurred = separable_filter(values, gaussian_kernel(size_y, sigma_y),
                               gaussian_kernel(size_x, sigma_x))
    result = values + float(amount) * (values - blurred)
    return unbatch(from_float(result, image.dtype), single)


__all__ = ["bilateral_filter", "border_indices", "box_blur", "gaussian_blur", "gaussian_kernel",
           "median_blur", "pad", "separable_filter", "unsharp_mask"]

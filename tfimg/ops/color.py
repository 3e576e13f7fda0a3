"""Colour and tone: grey conversion, brightness, contrast, gamma, hue, saturation, histogram
equalisation and CLAHE, matching OpenCV where OpenCV has the operation.

Pure tensor functions on rank 3 `(height, width, channels)` or rank 4 `(batch, height, width,
channels)` images, uint8 [0, 255] or float [0, 1], returning the input's dtype and rank. Safe
inside `tf.function` and `tf.data`. Histogram ops treat each image and channel on its own (as
OpenCV does for one channel; equalise a luminance channel yourself for colour-faithful results).
"""

import numpy as np
import tensorflow as tf

from tfimg.ops._image import (as_batch, check_image, from_float, from_levels, peak, to_float,
                              to_levels, unbatch)
from tfimg.ops.filters import border_indices

# cv2.cvtColor(RGB2GRAY) for uint8: 0.299 R + 0.587 G + 0.114 B in 14-bit fixed point
# (modules/imgproc/src/color.hpp, R2Y/G2Y/B2Y), rounded by adding half before the shift.
_GRAY_FIXED = (4899, 9617, 1868)
_GRAY_WEIGHTS = (0.299, 0.587, 0.114)
HISTOGRAM_BINS = 256


def grayscale(image):
    """RGB to grey as `cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)`: 0.299 R + 0.587 G + 0.114 B.

    Args:
        image: 3 channels (RGB), rank 3 or 4, uint8 [0, 255] or float [0, 1].

    Returns:
        One channel `(..., height, width, 1)`, same dtype (uint8 exactly as OpenCV's fixed point).
        TFLite builtins only.
    """
    image = check_image(image, channels=(3,))
    # Channel slices rather than a dot product: a matrix product with 3 terms is slow, and
    # slices are element-wise steps that XLA fuses.
    if image.dtype == tf.uint8:
        values = tf.cast(image, tf.int32)
        weighted = tf.add_n([values[..., index:index + 1] * weight
                             for index, weight in enumerate(_GRAY_FIXED)])
        return tf.cast(tf.bitwise.right_shift(weighted + (1 << 13), 14), tf.uint8)
    return tf.add_n([image[..., index:index + 1] * weight
                     for index, weight in enumerate(_GRAY_WEIGHTS)])


def adjust_brightness(image, delta):
    """Adds `delta` to every value: grey levels for uint8 (saturated, as `cv2.add`), [0, 1] units
    for float (not clipped, as `tf.image.adjust_brightness`)."""
    image = check_image(image)
    return from_float(to_float(image) + float(delta), image.dtype)


def adjust_contrast(image, factor):
    """Scales each channel's distance from its per-image mean by `factor`
    (`tf.image.adjust_contrast`); uint8 is rounded and saturated."""
    image = check_image(image)
    values = to_float(image)
    mean = tf.reduce_mean(values, axis=(-3, -2), keepdims=True)
    return from_float((values - mean) * float(factor) + mean, image.dtype)


def adjust_gamma(image, gamma, gain=1.0):
    """Gamma correction `gain * (x / white) ** gamma * white` (white 255 for uint8, 1 for float).

    uint8 goes through a 256-entry table computed in float64, so it equals the usual
    `cv2.LUT(image, table)` exactly. gamma < 1 brightens, > 1 darkens.
    """
    image = check_image(image)
    if gamma <= 0:
        raise ValueError(f"Expected gamma > 0, received gamma={gamma!r}")
    if image.dtype == tf.uint8:
        table = np.clip(np.round(gain * (np.arange(256) / 255.0) ** gamma * 255.0), 0, 255)
        return tf.gather(tf.constant(table.astype(np.uint8)), tf.cast(image, tf.int32))
    values = tf.clip_by_value(tf.cast(image, tf.float32), 0.0, np.inf)
    return tf.cast(float(gain) * values ** float(gamma), image.dtype)


def adjust_hue(image, delta):
    """Rotates hue by `delta` of a full turn, [-1, 1] (`tf.image.adjust_hue`), in HSV.

    Args:
        image: 3 channels (RGB), rank 3 or 4, uint8 [0, 255] or float [0, 1].
    """
    image = check_image(image, channels=(3,))
    if not -1.0 <= delta <= 1.0:
        raise ValueError(f"Expected delta in [-1, 1], received delta={delta!r}")
    result = tf.image.adjust_hue(to_float(image) / peak(image.dtype), delta)
    return from_float(result * peak(image.dtype), image.dtype)


def adjust_saturation(image, factor):
    """Multiplies HSV saturation by `factor` >= 0, clipped to [0, 1]
    (`tf.image.adjust_saturation`); 0 gives grey, 1 the image.

    Args:
        image: 3 channels (RGB), rank 3 or 4, uint8 [0, 255] or float [0, 1].
    """
    image = check_image(image, channels=(3,))
    if factor < 0:
        raise ValueError(f"Expected factor >= 0, received factor={factor!r}")
    result = tf.image.adjust_saturation(to_float(image) / peak(image.dtype), factor)
    return from_float(result * peak(image.dtype), image.dtype)


def _planes(image):
    """int32 grey levels as (batch * channels, height, width), and a function undoing it."""
    batch, single = as_batch(image)
    shape = tf.shape(batch)
    levels = to_levels(batch)
    grey = image.shape[-1] == 1  # one channel: the planes are a reshape, no transpose
    if not grey:
        levels = tf.transpose(levels, [0, 3, 1, 2])
    planes = tf.reshape(levels, [-1, shape[1], shape[2]])

    def restore(levels):
        if grey:
            return unbatch(from_levels(tf.reshape(levels, shape), image.dtype), single)
        levels = tf.reshape(levels, [shape[0], shape[3], shape[1], shape[2]])
        return unbatch(from_levels(tf.transpose(levels, [0, 2, 3, 1]), image.dtype), single)
    return planes, restore


def _row_offsets(levels):
    """`levels` (rows, values) shifted by 256 per row: indices into the rows' tables end to end."""
    return levels + tf.range(tf.shape(levels)[0])[:, tf.newaxis] * HISTOGRAM_BINS


def histograms(levels):
    """Per-row 256-bin histograms: int32 `(rows, values)` levels 0..255 -> int32 `(rows, 256)`.

    One `DenseBincount` of a constant size (`tf.math.bincount` sizes its output from the data's
    maximum, which XLA cannot compile).
    """
    rows = tf.shape(levels)[0]
    counts = tf.raw_ops.DenseBincount(input=tf.reshape(_row_offsets(levels), [-1]),
                                      size=rows * HISTOGRAM_BINS, weights=tf.zeros([0], tf.int32))
    return tf.reshape(counts, [rows, HISTOGRAM_BINS])


def apply_tables(tables, levels):
    """Per-row lookup: `tables` (rows, 256), int `levels` (rows, values) -> (rows, values)."""
    return tf.gather(tf.reshape(tables, [-1]), _row_offsets(levels))


def equalize_histogram(image):
    """Histogram equalisation of each image and channel, as `cv2.equalizeHist`.

    The darkest present level maps to 0 and level i to `round(255 * (cdf(i) - cdf(darkest)) /
    (pixels - count(darkest)))` in float32; a constant image stays unchanged.

    Args:
        image: rank 3 or 4, any channels, uint8 [0, 255] or float [0, 1] (quantised to 256
            levels).

    Returns:
        Same shape and dtype (uint8 identical to OpenCV per channel).
    """
    image = check_image(image)
    planes, restore = _planes(image)
    shape = tf.shape(planes)
    flat = tf.reshape(planes, [shape[0], -1])
    counts = histograms(flat)
    cdf = tf.cumsum(counts, axis=-1)
    darkest = tf.argmax(tf.cast(counts > 0, tf.int32), axis=-1, output_type=tf.int32)
    darkest_count = tf.gather(counts, darkest, batch_dims=1)
    darkest_cdf = tf.gather(cdf, darkest, batch_dims=1)
    spread = tf.cast(shape[1] * shape[2] - darkest_count, tf.float32)
    scale = 255.0 / tf.maximum(spread, 1.0)
    lut = tf.round(tf.cast(cdf - darkest_cdf[:, tf.newaxis], tf.float32) * scale[:, tf.newaxis])
    lut = tf.cast(tf.clip_by_value(lut, 0.0, 255.0), tf.int32)
    constant = spread[:, tf.newaxis] == 0
    lut = tf.where(constant, darkest[:, tf.newaxis], lut)
    return restore(apply_tables(lut, flat))


def _clahe_luts(planes, tiles_x, tiles_y, clip_limit):
    """int32 `(planes, tiles_y * tiles_x * 256)` lookup tables and the tile size (th, tw)."""
    shape = tf.shape(planes)
    height, width = shape[1], shape[2]
    # Unless both sides divide evenly, OpenCV pads the bottom and right with reflect-101 by
    # `tiles - size % tiles`, which is a whole extra tile on a side that divides evenly.
    divisible = tf.logical_and(height % tiles_y == 0, width % tiles_x == 0)
    pad_y = tf.where(divisible, 0, tiles_y - height % tiles_y)
    pad_x = tf.where(divisible, 0, tiles_x - width % tiles_x)
    padded = tf.gather(planes, border_indices(height, 0, pad_y), axis=1)
    padded = tf.gather(padded, border_indices(width, 0, pad_x), axis=2)
    tile_h, tile_w = (height + pad_y) // tiles_y, (width + pad_x) // tiles_x
    tiles = tf.reshape(padded, [-1, tiles_y, tile_h, tiles_x, tile_w])
    tiles = tf.reshape(tf.transpose(tiles, [0, 1, 3, 2, 4]), [-1, tile_h * tile_w])
    counts = histograms(tiles)
    tile_total = tile_h * tile_w
    if clip_limit > 0:
        limit = tf.cast(clip_limit * tf.cast(tile_total, tf.float64) / HISTOGRAM_BINS, tf.int32)
        limit = tf.maximum(limit, 1)
        clipped = tf.reduce_sum(tf.nn.relu(counts - limit), axis=-1, keepdims=True)
        counts = tf.minimum(counts, limit)
        spread = clipped // HISTOGRAM_BINS
        residual = clipped - spread * HISTOGRAM_BINS
        # The remainder goes one each to bins 0, step, 2 step, ... (clahe.cpp).
        step = tf.maximum(HISTOGRAM_BINS // tf.maximum(residual, 1), 1)
        bins = tf.range(HISTOGRAM_BINS)[tf.newaxis]
        extra = tf.logical_and(bins % step == 0, bins // step < residual)
        counts = counts + spread + tf.cast(extra, tf.int32)
    scale = tf.constant(255.0, tf.float32) / tf.cast(tile_total, tf.float32)
    lut = tf.round(tf.cast(tf.cumsum(counts, axis=-1), tf.float32) * scale)
    lut = tf.clip_by_value(lut, 0.0, 255.0)
    return tf.reshape(lut, [shape[0], -1]), tile_h, tile_w


def _clahe_weights(size, tile, tiles):
    """(first tile, second tile, weight of the second) along one axis, as clahe.cpp."""
    inverse = tf.constant(1.0, tf.float32) / tf.cast(tile, tf.float32)
    position = tf.cast(tf.range(size), tf.float32) * inverse - 0.5
    first = tf.floor(position)
    weight = position - first
    first = tf.cast(first, tf.int32)
    return tf.maximum(first, 0), tf.minimum(first + 1, tiles - 1), weight


def clahe(image, clip_limit=2.0, tile_grid_size=(8, 8)):
    """Contrast-limited adaptive histogram equalisation, as `cv2.createCLAHE(clip_limit,
    tile_grid_size).apply` (Zuiderveld, 1994), for each image and channel.

    Each tile's histogram is clipped at `clip_limit * tile_pixels / 256` (the excess spread
    evenly, the remainder over every `256 // remainder`-th bin), turned into a lookup table, and
    each pixel bilinearly interpolates the tables of its four nearest tile centres. Sizes that do
    not divide evenly are padded at the bottom and right with reflect-101 for the tables, by
    OpenCV's rule (a whole tile on a side that divides evenly when the other does not).

    Args:
        image: rank 3 or 4, any channels, uint8 [0, 255] or float [0, 1] (quantised to 256
            levels).
        clip_limit: contrast limit; <= 0 disables clipping.
        tile_grid_size: (tiles across, tiles down), OpenCV's (width, height) order.

    Returns:
        Same shape and dtype (uint8 within one grey level of OpenCV).
    """
    image = check_image(image)
    tiles_x, tiles_y = (int(size) for size in tile_grid_size)
    if tiles_x <= 0 or tiles_y <= 0:
        raise ValueError(f"Expected a positive tile_grid_size, received "
                         f"tile_grid_size={tile_grid_size!r}")
    planes, restore = _planes(image)
    luts, tile_h, tile_w = _clahe_luts(planes, tiles_x, tiles_y, float(clip_limit))
    shape = tf.shape(planes)
    y1, y2, wy = _clahe_weights(shape[1], tile_h, tiles_y)
    x1, x2, wx = _clahe_weights(shape[2], tile_w, tiles_x)
    flat = tf.reshape(planes, [shape[0], -1])

    luts = tf.reshape(luts, [-1])
    plane_offsets = tf.range(shape[0])[:, tf.newaxis] * (tiles_y * tiles_x * HISTOGRAM_BINS)

    def lookup(rows, columns):
        tile = rows[:, tf.newaxis] * tiles_x + columns[tf.newaxis, :]
        index = tf.reshape(tile * HISTOGRAM_BINS, [1, -1]) + flat + plane_offsets
        return tf.reshape(tf.gather(luts, index), shape)

    wx, wy = wx[tf.newaxis, tf.newaxis, :], wy[tf.newaxis, :, tf.newaxis]
    result = ((lookup(y1, x1) * (1.0 - wx) + lookup(y1, x2) * wx) * (1.0 - wy)
              + (lookup(y2, x1) * (1.0 - wx) + lookup(y2, x2) * wx) * wy)
    return restore(tf.cast(tf.clip_by_value(tf.round(result), 0.0, 255.0), tf.int32))


__all__ = ["adjust_brightness", "adjust_contrast", "adjust_gamma", "adjust_hue",
           "adjust_saturation", "apply_tables", "clahe", "equalize_histogram", "grayscale",
           "histograms"]

"""Segmentation: global, Otsu and adaptive thresholds matching OpenCV, region growing from seeds,
connected component labelling.

Pure tensor functions on rank 3 `(height, width, channels)` or rank 4 `(batch, height, width,
channels)` images, uint8 [0, 255] or float [0, 1]. Masks come back in the input's dtype: 255
(uint8) or 1.0 (float) inside, 0 outside. Safe inside `tf.function` and `tf.data`; the global and
adaptive thresholds are TFLite builtins, the growing ops loop until nothing changes.
"""

import numpy as np
import tensorflow as tf

from tfimg.ops._image import (as_batch, check_image, check_odd_size, peak, to_float, to_levels,
                              unbatch)
from tfimg.ops.color import histograms
from tfimg.ops.filters import gaussian_kernel, separable_filter

ADAPTIVE_METHODS = ("mean", "gaussian")


def _mask(condition, dtype):
    # A cast and a multiply: tf.where with broadcast scalars is several times slower on CPU.
    return tf.cast(condition, dtype) * tf.cast(peak(dtype), dtype)


def threshold(image, t):
    """Binary threshold as `cv2.threshold(image, t, white, cv2.THRESH_BINARY)`: white where
    `image > t`, else 0, per channel.

    Args:
        image: rank 3 or 4, uint8 [0, 255] or float [0, 1].
        t: threshold in the image's units; a scalar, or one per image `(batch,)` for rank 4
            (e.g. from `otsu_threshold`).

    Returns:
        Same shape and dtype: 255 (uint8) or 1.0 (float) above `t`, 0 elsewhere.
    """
    image = check_image(image)
    t = tf.cast(tf.convert_to_tensor(t), tf.float32)
    if t.shape.rank == 1:
        t = tf.reshape(t, [-1, 1, 1, 1])
    if image.dtype != tf.uint8:
        return _mask(to_float(image) > t, image.dtype)
    # Compared as uint8 (no float copy): a level exceeds t exactly when it exceeds floor(t),
    # and every level exceeds a negative t.
    level = tf.cast(tf.clip_by_value(tf.floor(t), 0.0, 255.0), tf.uint8)
    return _mask(tf.logical_or(image > level, t < 0), image.dtype)


def otsu_threshold(gray):
    """Otsu's threshold (Otsu, 1979) as `cv2.threshold(gray, 0, 255, cv2.THRESH_OTSU)` returns it.

    The grey level maximising the between-class variance of the 256-bin histogram (the first
    maximum; the pixels `> t` form the bright class), computed in float64 as OpenCV does.

    Args:
        gray: one channel, rank 3 `(height, width, 1)` or 4, uint8 [0, 255] or float [0, 1]
            (quantised to 256 levels).

    Returns:
        float32 threshold in the image's units (grey levels for uint8, level / 255 for float):
        a scalar for rank 3, `(batch,)` for rank 4.
    """
    gray = check_image(gray, "gray", channels=(1,))
    batch, single = as_batch(gray)
    levels = to_levels(batch)
    counts = tf.cast(histograms(tf.reshape(levels, [tf.shape(levels)[0], -1])), tf.float64)
    probability = counts / tf.reduce_sum(counts, axis=-1, keepdims=True)
    index = tf.range(256, dtype=tf.float64)
    q1 = tf.cumsum(probability, axis=-1)
    q2 = 1.0 - q1
    partial = tf.cumsum(probability * index, axis=-1)
    mu = partial[:, -1:]
    mu1 = partial / tf.maximum(q1, 1e-300)
    mu2 = (mu - q1 * mu1) / tf.maximum(q2, 1e-300)
    sigma = q1 * q2 * (mu1 - mu2) ** 2
    epsilon = float(np.finfo(np.float32).eps)
    valid = tf.logical_and(tf.minimum(q1, q2) >= epsilon, tf.maximum(q1, q2) <= 1.0 - epsilon)
    sigma = tf.where(valid, sigma, 0.0)
    # OpenCV keeps the first strict maximum above 0 and returns 0 when none is.
    best = tf.argmax(sigma, axis=-1, output_type=tf.int32)
    best = tf.where(tf.reduce_max(sigma, axis=-1) > 0, best, 0)
    result = tf.cast(best, tf.float32) / (1.0 if gray.dtype == tf.uint8 else 255.0)
    return unbatch(result, single)


def adaptive_threshold(gray, block_size, c, method="mean"):
    """Adaptive threshold as `cv2.adaptiveThreshold(gray, 255, ADAPTIVE_THRESH_MEAN_C or
    ADAPTIVE_THRESH_GAUSSIAN_C, THRESH_BINARY, block_size, c)`.

    White where a pixel exceeds its neighbourhood's (box or Gaussian) mean minus `c`. For uint8,
    as OpenCV: the mean is rounded to a grey level, the edge is replicated and `c` is rounded up.

    Args:
        gray: one channel, rank 3 or 4, uint8 [0, 255] or float [0, 1].
        block_size: odd neighbourhood size >= 3.
        c: offset subtracted from the mean, in the image's units.
        method: "mean" or "gaussian" (sigma from the block size, as `cv2.getGaussianKernel`).

    Returns:
        Same shape and dtype: 255 (or 1.0) or 0.
    """
    gray = check_image(gray, "gray", channels=(1,))
    size, _ = check_odd_size(block_size, "block_size")
    if size < 3:
        raise ValueError(f"Expected block_size >= 3, received block_size={block_size!r}")
    if method not in ADAPTIVE_METHODS:
        raise ValueError(f"Expected method in {ADAPTIVE_METHODS}, received method={method!r}")
    kernel = np.full(size, 1.0 / size) if method == "mean" else gaussian_kernel(size, 0.0)
    batch, single = as_batch(gray)
    values = to_float(batch)
    mean = separable_filter(values, kernel, kernel, mode="replicate")
    if gray.dtype == tf.uint8:
        mean = tf.round(mean)
        c = float(np.ceil(c))
    return unbatch(_mask(values - mean > -float(c), gray.dtype), single)


def _grow(seed_mask, allowed, connectivity):
    """Pixels of `allowed` connected to `seed_mask` (bool rank-4 batches)."""
    def step(region, _):
        as_float = tf.cast(region, tf.float32)
        if connectivity == 8:
            grown = tf.nn.max_pool2d(as_float, 3, 1, "SAME")
        else:
            grown = tf.maximum(tf.nn.max_pool2d(as_float, (3, 1), 1, "SAME"),
                               tf.nn.max_pool2d(as_float, (1, 3), 1, "SAME"))
        return tf.logical_and(grown > 0, allowed), region

    def changing(region, previous):
        return tf.reduce_any(tf.not_equal(region, previous))

    start = tf.logical_and(seed_mask, allowed)
    region, _ = tf.while_loop(changing, step, (start, tf.zeros_like(start)))
    return region


def _check_connectivity(connectivity):
    if connectivity not in (4, 8):
        raise ValueError(f"Expected connectivity 4 or 8, received connectivity={connectivity!r}")


def region_grow(image, seeds, tolerance, connectivity=8):
    """Region growing (flood fill) from seed pixels, as `skimage.segmentation.flood`.

    A pixel joins when it is connected to a seed through pixels whose every channel is within
    `tolerance` of that seed's value.

    Args:
        image: rank 3 or 4, uint8 [0, 255] or float [0, 1].
        seeds: `(row, column)` pairs, int; the same seeds for every image of a batch.
        tolerance: largest absolute difference from the seed, in the image's units.
        connectivity: 4 or 8 neighbours.

    Returns:
        Mask `(..., height, width, 1)` in the image's dtype: 255 (or 1.0) in the region.
    """
    image = check_image(image)
    _check_connectivity(connectivity)
    seeds = np.asarray(seeds, np.int64).reshape(-1, 2)
    if seeds.size == 0:
        raise ValueError("Expected at least one (row, column) seed, received none")
    batch, single = as_batch(image)
    values = to_float(batch)
    shape = tf.shape(batch)
    region = tf.zeros(tf.concat([shape[:3], [1]], 0), tf.bool)
    height, width = batch.shape[1], batch.shape[2]
    for row, column in seeds:
        if (row < 0 or column < 0 or (height is not None and row >= height)
                or (width is not None and column >= width)):
            raise ValueError(f"Expected seeds inside the image of shape {image.shape}, received "
                             f"seed ({row}, {column})")
        reference = values[:, row:row + 1, column:column + 1, :]
        allowed = tf.reduce_all(tf.abs(values - reference) <= float(tolerance), axis=-1,
                                keepdims=True)
        seed_mask = tf.scatter_nd([[0, row, column, 0]], [True], [1, shape[1], shape[2], 1])
        seed_mask = tf.broadcast_to(seed_mask, tf.shape(allowed))
        region = tf.logical_or(region, _grow(seed_mask, allowed, connectivity))
    return unbatch(_mask(region, image.dtype), single)


def connected_components(image, connectivity=8):
    """Labels the connected non-zero regions of each image (`cv2.connectedComponents`).

    Labels are 1, 2, ... in raster order of each component's first pixel, 0 for the background.
    Min-label propagation with pointer jumping, so the loop runs about log(size) times for blobs
    and longer for long thin snakes.

    Args:
        image: one channel, rank 3 or 4, any supported dtype; non-zero is foreground.
        connectivity: 4 or 8.

    Returns:
        (labels, count): int32 labels with the image's shape, and the number of components
        (not counting the background), a scalar for rank 3 or `(batch,)` for rank 4.
    """
    image = check_image(image, channels=(1,))
    _check_connectivity(connectivity)
    batch, single = as_batch(image)
    shape = tf.shape(batch)
    pixels = shape[1] * shape[2]
    foreground = tf.not_equal(batch, 0)
    index = tf.reshape(tf.range(1, pixels + 1), [1, shape[1], shape[2], 1])
    big = pixels + 1
    start = tf.where(foreground, index, big)

    def step(labels, _):
        negated = -tf.cast(labels, tf.float32)
        if connectivity == 8:
            smallest = tf.nn.max_pool2d(negated, 3, 1, "SAME")
        else:
            smallest = tf.maximum(tf.nn.max_pool2d(negated, (3, 1), 1, "SAME"),
                                  tf.nn.max_pool2d(negated, (1, 3), 1, "SAME"))
        updated = tf.where(foreground, tf.cast(-smallest, tf.int32), big)
        flat = tf.reshape(updated, [shape[0], -1])
        jumped = tf.gather(tf.concat([flat, tf.fill([shape[0], 1], big)], 1),
                           tf.minimum(flat, big) - 1, batch_dims=1)
        return tf.where(foreground, tf.reshape(jumped, tf.shape(labels)), big), labels

    def changing(labels, previous):
        return tf.reduce_any(tf.not_equal(labels, previous))

    labels, _ = tf.while_loop(changing, step, (start, tf.zeros_like(start)))
    flat = tf.reshape(labels, [shape[0], -1])
    roots = tf.logical_and(tf.equal(flat, tf.reshape(index, [1, -1])),
                           tf.reshape(foreground, [shape[0], -1]))
    numbers = tf.cumsum(tf.cast(roots, tf.int32), axis=-1)
    numbered = tf.gather(tf.concat([numbers, tf.zeros([shape[0], 1], tf.int32)], 1),
                         flat - 1, batch_dims=1)
    labels = tf.reshape(numbered, shape)
    labels = tf.where(foreground, labels, 0)
    return unbatch(labels, single), unbatch(numbers[:, -1], single)


__all__ = ["ADAPTIVE_METHODS", "adaptive_threshold", "connected_components", "otsu_threshold",
           "region_grow", "threshold"]

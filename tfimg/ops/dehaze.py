"""Single-image dehazing by the dark channel prior (He, Sun and Tang, "Single Image Haze Removal
Using Dark Channel Prior", CVPR 2009), with the transmission refined by a guided filter (He, Sun
and Tang, "Guided Image Filtering", ECCV 2010).

Haze follows the scattering model `I = J t + A (1 - t)`: scene radiance J, transmission t,
airlight A. In haze-free outdoor patches some channel is nearly black, so the dark channel of
`I / A` estimates `1 - t`.

Pure tensor functions on RGB images, rank 3 `(height, width, 3)` or rank 4 `(batch, height,
width, 3)`, uint8 [0, 255] or float [0, 1], returning the input's dtype. Safe inside
`tf.function` and `tf.data`.
"""

import tensorflow as tf

from tfimg.ops._image import (as_batch, check_image, check_positive_int, from_float, peak,
                              to_float, unbatch)
from tfimg.ops.color import grayscale
from tfimg.ops.morphology import erode


def _box_sum_axis(batch, radius, axis):
    """Sums over `[i - radius, i + radius]` along `axis`, clipped to the image, and the counts."""
    size = tf.shape(batch)[axis]
    cumulative = tf.cumsum(batch, axis=axis)
    zero_shape = tf.tensor_scatter_nd_update(tf.shape(batch), [[axis]], [1])
    cumulative = tf.concat([tf.zeros(zero_shape, batch.dtype), cumulative], axis=axis)
    index = tf.range(size)
    high = tf.minimum(index + radius + 1, size)
    low = tf.maximum(index - radius, 0)
    total = tf.gather(cumulative, high, axis=axis) - tf.gather(cumulative, low, axis=axis)
    return total, tf.cast(high - low, batch.dtype)


def box_mean(batch, radius):
    """Mean over the `(2 radius + 1)` square around each pixel of a float rank-4 batch, over the
    part inside the image (the guided filter's normalised box), in O(1) per pixel by cumsums."""
    rows, row_counts = _box_sum_axis(batch, radius, 1)
    both, column_counts = _box_sum_axis(rows, radius, 2)
    counts = row_counts[:, tf.newaxis] * column_counts[tf.newaxis, :]
    return both / counts[tf.newaxis, :, :, tf.newaxis]


def guided_filter(guide, source, radius, eps):
    """The guided filter (He et al., 2010) with a one-channel guide: edge-aware smoothing of
    `source` that follows the edges of `guide`.

    Args:
        guide: float32 `(batch, height, width, 1)`, [0, 1].
        source: float32 `(batch, height, width, channels)`.
        radius: window radius in pixels.
        eps: regularisation (larger is smoother), in squared guide units.

    Returns:
        float32, the shape of `source`.
    """
    mean_guide = box_mean(guide, radius)
    mean_source = box_mean(source, radius)
    covariance = box_mean(guide * source, radius) - mean_guide * mean_source
    variance = box_mean(guide * guide, radius) - mean_guide * mean_guide
    slope = covariance / (variance + eps)
    offset = mean_source - slope * mean_guide
    return box_mean(slope, radius) * guide + box_mean(offset, radius)


def dark_channel(image, patch_size=15):
    """The dark channel: the minimum over channels and over a `patch_size` square.

    Args:
        image: rank 3 or 4, uint8 or float.
        patch_size: odd int, the square's side.

    Returns:
        One channel `(..., height, width, 1)`, same dtype.
    """
    image = check_image(image)
    return erode(tf.reduce_min(image, axis=-1, keepdims=True), patch_size)


def airlight(image, dark, top_fraction=0.001):
    """Airlight per image: among the `top_fraction` brightest pixels of the dark channel, the
    colour of the one brightest in the image (He et al., 2009, section 4.4).

    Args:
        image: float32 `(batch, height, width, 3)`.
        dark: float32 `(batch, height, width, 1)`, its dark channel.

    Returns:
        float32 `(batch, 1, 1, 3)`.
    """
    batch = tf.shape(image)[0]
    flat_dark = tf.reshape(dark, [batch, -1])
    count = tf.maximum(tf.cast(tf.cast(tf.shape(flat_dark)[1], tf.float32) * top_fraction,
                               tf.int32), 1)
    candidates = tf.math.top_k(flat_dark, count).indices
    colours = tf.gather(tf.reshape(image, [batch, -1, 3]), candidates, batch_dims=1)
    brightest = tf.argmax(tf.reduce_sum(colours, axis=-1), axis=-1, output_type=tf.int32)
    return tf.reshape(tf.gather(colours, brightest, batch_dims=1), [batch, 1, 1, 3])


def dehaze(image, patch_size=15, omega=0.95, t0=0.1, radius=60, eps=1e-3, top_fraction=0.001):
    """Removes haze by the dark channel prior (He et al., 2009).

    Airlight A from the brightest `top_fraction` of the dark channel; transmission
    `t = 1 - omega * dark_channel(I / A)`, refined by a guided filter on the grey image; radiance
    `J = (I - A) / max(t, t0) + A`, clipped to the valid range.

    Args:
        image: RGB, rank 3 or 4, uint8 [0, 255] or float [0, 1].
        patch_size: odd side of the dark channel's square (15 in the paper).
        omega: fraction of haze removed (0.95 keeps a little for depth).
        t0: lower bound of the transmission.
        radius, eps: the guided filter's window radius (pixels) and regularisation.
        top_fraction: fraction of dark-channel pixels considered for the airlight.

    Returns:
        Same shape and dtype as `image`.
    """
    image = check_image(image, channels=(3,))
    check_positive_int(radius, "radius")
    if not 0 < omega <= 1 or not 0 < t0 < 1 or not 0 < top_fraction <= 1:
        raise ValueError(f"Expected 0 < omega <= 1, 0 < t0 < 1 and 0 < top_fraction <= 1, "
                         f"received omega={omega!r}, t0={t0!r}, top_fraction={top_fraction!r}")
    batch, single = as_batch(image)
    values = to_float(batch) / peak(image.dtype)
    light = airlight(values, dark_channel(values, patch_size), top_fraction)
    normalised = values / tf.maximum(light, 1e-6)
    transmission = 1.0 - omega * dark_channel(normalised, patch_size)
    transmission = guided_filter(grayscale(values), transmission, radius, eps)
    transmission = tf.maximum(transmission, t0)
    radiance = tf.clip_by_value((values - light) / transmission + light, 0.0, 1.0)
    return unbatch(from_float(radiance * peak(image.dtype), image.dtype), single)


__all__ = ["airlight", "box_mean", "dark_channel", "dehaze", "guided_filter"]

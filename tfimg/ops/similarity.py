"""Similarity of images and embeddings: cosine similarity, PSNR, SSIM and MS-SSIM.

Rank 3 images `(height, width, channels)` give a scalar, rank 4 `(batch, height, width,
channels)` one value per image; `cosine_similarity` also takes embeddings, rank 1 `(features,)`
or rank 2 `(batch, features)`. Any real dtype; `max_val` is the value range (255 for uint8
images, 1 for float [0, 1]). float32 results; safe inside `tf.function` and `tf.data`.
"""

import numpy as np
import tensorflow as tf

from tfimg.ops._image import check_image
from tfimg.ops.filters import gaussian_kernel, separable_filter

# MS-SSIM's weights of the five scales (Wang, Simoncelli and Bovik, 2003), as tf.image uses.
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def _check_same(a, b):
    if a.shape.rank != b.shape.rank or (a.shape.is_fully_defined() and b.shape.is_fully_defined()
                                        and a.shape != b.shape):
        raise ValueError(f"Expected a and b of the same shape, received {a.shape} and {b.shape}")


def cosine_similarity(a, b):
    """Cosine of the angle between `a` and `b`, flattened per item: whole images or embeddings.

    Args:
        a, b: the same shape; rank 1 (one embedding) or 3 (one image) give a scalar, rank 2
            `(batch, features)` or 4 `(batch, height, width, channels)` one value per item.

    Returns:
        float32 in [-1, 1]; 0 where either vector is all zeros.
    """
    a = tf.convert_to_tensor(a)
    b = tf.convert_to_tensor(b)
    if a.shape.rank not in (1, 2, 3, 4):
        raise ValueError(f"Expected a of rank 1 to 4, received shape={a.shape}")
    _check_same(a, b)
    if a.shape.num_elements() == 0:
        raise ValueError(f"Expected non-empty a and b, received shape={a.shape}")
    single = a.shape.rank in (1, 3)
    a = tf.reshape(tf.cast(a, tf.float64), [1 if single else tf.shape(a)[0], -1])
    b = tf.reshape(tf.cast(b, tf.float64), tf.shape(a))
    dot = tf.reduce_sum(a * b, axis=-1)
    norms = tf.norm(a, axis=-1) * tf.norm(b, axis=-1)
    cosine = tf.cast(tf.math.divide_no_nan(dot, norms), tf.float32)
    return cosine[0] if single else cosine


def _check_images(a, b, max_val):
    dtypes = (tf.uint8, tf.uint16, tf.float16, tf.float32, tf.float64)
    a = check_image(a, "a", dtypes=dtypes)
    b = check_image(b, "b", dtypes=dtypes)
    _check_same(a, b)
    if not max_val > 0:
        raise ValueError(f"Expected max_val > 0, received max_val={max_val!r}")
    return a, b


def psnr(a, b, max_val):
    """Peak signal-to-noise ratio `10 log10(max_val^2 / MSE)` in dB, per image; inf when equal.

    Args:
        a, b: images of the same shape, rank 3 or 4.
        max_val: the value range, e.g. 255 for uint8.
    """
    a, b = _check_images(a, b, max_val)
    error = tf.reduce_mean(tf.square(tf.cast(a, tf.float64) - tf.cast(b, tf.float64)),
                           axis=(-3, -2, -1))
    return tf.cast(10.0 * tf.math.log(float(max_val) ** 2 / error) / np.log(10.0), tf.float32)


def _ssim_parts(a, b, max_val, filter_size, filter_sigma, k1, k2):
    """(SSIM map, contrast-structure map) of rank-4 float32 batches, valid windows only."""
    kernel = gaussian_kernel(filter_size, filter_sigma)

    def mean(image):
        blurred = separable_filter(image, kernel, kernel)
        half = filter_size // 2
        return blurred[:, half:tf.shape(image)[1] - half, half:tf.shape(image)[2] - half]

    c1 = (k1 * max_val) ** 2
    c2 = (k2 * max_val) ** 2
    mean_a, mean_b = mean(a), mean(b)
    variance_a = mean(a * a) - mean_a ** 2
    variance_b = mean(b * b) - mean_b ** 2
    covariance = mean(a * b) - mean_a * mean_b
    luminance = (2 * mean_a * mean_b + c1) / (mean_a ** 2 + mean_b ** 2 + c1)
    contrast_structure = (2 * covariance + c2) / (variance_a + variance_b + c2)
    return luminance * contrast_structure, contrast_structure


def _as_float_batch(a, b, filter_size, what):
    if a.shape.rank == 3:
        a, b = a[tf.newaxis], b[tf.newaxis]
    height, width = a.shape[1], a.shape[2]
    if (height is not None and height < filter_size) or (width is not None and width < filter_size):
        raise ValueError(f"Expected images of at least {filter_size}x{filter_size} for {what}, "
                         f"received shape={a.shape}")
    return tf.cast(a, tf.float32), tf.cast(b, tf.float32)


def ssim(a, b, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03):
    """Structural similarity (Wang, Bovik, Sheikh and Simoncelli, 2004), per image.

    The mean over channels and window positions of the SSIM map with an 11x11 Gaussian window
    of sigma 1.5, population (not sample) covariances, K1 0.01, K2 0.03, where the window fits
    inside the image: scikit-image's `structural_similarity(a, b, data_range=max_val,
    gaussian_weights=True, sigma=1.5, use_sample_covariance=False, channel_axis=-1)`.

    Args:
        a, b: images of the same shape, rank 3 or 4, at least `filter_size` high and wide.
        max_val: the value range (255 for uint8, 1 for float [0, 1]).
        filter_size, filter_sigma: the Gaussian window.
        k1, k2: the stabilising constants.

    Returns:
        float32 in [-1, 1]: a scalar for rank 3, `(batch,)` for rank 4.
    """
    a, b = _check_images(a, b, max_val)
    single = a.shape.rank == 3
    a, b = _as_float_batch(a, b, filter_size, "ssim")
    ssim_map, _ = _ssim_parts(a, b, float(max_val), filter_size, filter_sigma, k1, k2)
    result = tf.reduce_mean(ssim_map, axis=(1, 2, 3))
    return result[0] if single else result


def ms_ssim(a, b, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
            power_factors=MS_SSIM_WEIGHTS):
    """Multi-scale SSIM (Wang, Simoncelli and Bovik, 2003), per image, as
    `tf.image.ssim_multiscale`: contrast-structure at each scale, luminance at the coarsest,
    2x2 average pooling between scales, weighted by `power_factors`.

    Each channel is scored on its own (its mean contrast-structure per scale, clipped at 0,
    raised to the scale's power, multiplied over scales) and the channels' scores are
    averaged last, as `tf.image.ssim_multiscale` and the reference implementations do;
    averaging the channels first would mix the powers and products across channels.

    Args:
        a, b: images of the same shape, rank 3 or 4, at least `filter_size * 2 **
            (len(power_factors) - 1)` (176 by default) high and wide.
        max_val, filter_size, filter_sigma, k1, k2: as `ssim`.
        power_factors: exponent of each scale, finest first.

    Returns:
        float32 in [0, 1]: a scalar for rank 3, `(batch,)` for rank 4.
    """
    a, b = _check_images(a, b, max_val)
    single = a.shape.rank == 3
    scales = len(power_factors)
    a, b = _as_float_batch(a, b, filter_size * 2 ** (scales - 1), "ms_ssim")
    values = []
    for scale in range(scales):
        ssim_map, contrast_structure = _ssim_parts(a, b, float(max_val), filter_size,
                                                   filter_sigma, k1, k2)
        last = scale == scales - 1
        values.append(tf.nn.relu(tf.reduce_mean(ssim_map if last else contrast_structure,
                                                axis=(1, 2))))
        if not last:
            # tf.image pads odd sizes by replicating (SYMMETRIC) before the 2x2 average.
            pads = [[0, 0], [0, tf.shape(a)[1] % 2], [0, tf.shape(a)[2] % 2], [0, 0]]
            a = tf.nn.avg_pool2d(tf.pad(a, pads, "SYMMETRIC"), 2, 2, "VALID")
            b = tf.nn.avg_pool2d(tf.pad(b, pads, "SYMMETRIC"), 2, 2, "VALID")
    weights = tf.constant(power_factors, tf.float32)
    per_channel = tf.reduce_prod(tf.stack(values, axis=-1) ** weights, axis=-1)
    result = tf.reduce_mean(per_channel, axis=-1)
    return result[0] if single else result


__all__ = ["MS_SSIM_WEIGHTS", "cosine_similarity", "ms_ssim", "psnr", "ssim"]

"""Fusion: weighted blending (`cv2.addWeighted`), Gaussian and Laplacian pyramids as
`cv2.pyrDown`/`cv2.pyrUp`, Laplacian-pyramid blending with a mask (Burt and Adelson, 1983) and
exposure fusion (Mertens, Kautz and Van Reeth, 2007) as `cv2.createMergeMertens`.

Pure tensor functions, uint8 [0, 255] or float [0, 1] images, rank 3 `(height, width, channels)`
or rank 4 `(batch, height, width, channels)`, returning the input's dtype. Safe inside
`tf.function` and `tf.data`; built from depthwise convolutions, strided slices and reshapes
(TFLite builtins).
"""

import math

import numpy as np
import tensorflow as tf

from tfimg.ops._image import (as_batch, check_image, check_positive_int, from_float, peak,
                              to_float, unbatch)
from tfimg.ops.color import grayscale
from tfimg.ops.edges import laplacian
from tfimg.ops.filters import separable_filter

# The 5-tap binomial kernel of cv2.pyrDown / cv2.pyrUp.
_PYRAMID_KERNEL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def blend(a, b, alpha, beta=None, gamma=0.0):
    """`alpha * a + beta * b + gamma`, as `cv2.addWeighted(a, alpha, b, beta, gamma)`.

    Args:
        a, b: images of the same shape and dtype, rank 3 or 4, uint8 [0, 255] or float [0, 1].
        alpha: weight of `a`.
        beta: weight of `b`; defaults to `1 - alpha` (a cross-fade).
        gamma: added to every value, in the image's units.

    Returns:
        Same shape and dtype (uint8 rounded and saturated, as OpenCV).
    """
    a = check_image(a, "a")
    b = check_image(b, "b")
    _check_pair(a, b)
    beta = 1.0 - alpha if beta is None else beta
    result = to_float(a) * float(alpha) + to_float(b) * float(beta) + float(gamma)
    return from_float(result, a.dtype)


def _check_pair(a, b, names=("a", "b")):
    if a.dtype != b.dtype or a.shape.rank != b.shape.rank or (
            a.shape.is_fully_defined() and b.shape.is_fully_defined() and a.shape != b.shape):
        raise ValueError(f"Expected {names[0]} and {names[1]} of the same shape and dtype, "
                         f"received {a.shape} {a.dtype.name} and {b.shape} {b.dtype.name}")


def pyramid_down(batch):
    """`cv2.pyrDown` of a float32 rank-4 batch: 5x5 binomial blur (reflect-101), every second
    row and column; size `((height + 1) // 2, (width + 1) // 2)`."""
    return separable_filter(batch, _PYRAMID_KERNEL, _PYRAMID_KERNEL)[:, ::2, ::2]


def pyramid_up(batch, size):
    """`cv2.pyrUp(batch, dstsize=size)` of a float32 rank-4 batch: zeros between the pixels, the
    binomial blur times 4 (reflect-101) on the doubled grid, cropped to `size` (height, width)."""
    shape = tf.shape(batch)
    spread = tf.pad(batch[:, :, tf.newaxis, :, tf.newaxis, :],
                    [[0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0]])
    spread = tf.reshape(spread, [shape[0], 2 * shape[1], 2 * shape[2], batch.shape[-1]])
    smooth = separable_filter(spread, 2 * _PYRAMID_KERNEL, 2 * _PYRAMID_KERNEL)
    return smooth[:, :size[0], :size[1]]


def gaussian_pyramid(batch, levels):
    """[batch, pyramid_down(batch), ...]: `levels + 1` float32 rank-4 tensors
    (`cv2.buildPyramid`)."""
    pyramid = [batch]
    for _ in range(levels):
        pyramid.append(pyramid_down(pyramid[-1]))
    return pyramid


def laplacian_pyramid(batch, levels):
    """Band-pass levels `G[i] - pyramid_up(G[i + 1])` and the coarsest Gaussian level last."""
    gaussian = gaussian_pyramid(batch, levels)
    bands = [fine - pyramid_up(coarse, tf.shape(fine)[1:3])
             for fine, coarse in zip(gaussian[:-1], gaussian[1:])]
    return bands + [gaussian[-1]]


def collapse_pyramid(pyramid):
    """Inverse of `laplacian_pyramid`: upsample and add from the coarsest level."""
    result = pyramid[-1]
    for band in reversed(pyramid[:-1]):
        result = band + pyramid_up(result, tf.shape(band)[1:3])
    return result


def laplacian_pyramid_blend(a, b, mask, levels=5):
    """Blends `a` and `b` band by band (Burt and Adelson, 1983): each Laplacian level of the
    result is `m * a + (1 - m) * b` with `m` the same level of the mask's Gaussian pyramid, so
    seams are smooth at every scale.

    Args:
        a, b: images of the same shape and dtype, rank 3 or 4, uint8 [0, 255] or float [0, 1].
        mask: weight of `a`, `(height, width)`, `(height, width, 1)` or `(batch, height, width,
            1)`; uint8 [0, 255] or float [0, 1].
        levels: pyramid levels below full size.

    Returns:
        Same shape and dtype as `a` (uint8 rounded and saturated).
    """
    a = check_image(a, "a")
    b = check_image(b, "b")
    _check_pair(a, b)
    check_positive_int(levels, "levels")
    mask = tf.convert_to_tensor(mask)
    if mask.shape.rank == 2:
        mask = mask[..., tf.newaxis]
    mask = check_image(mask, "mask", channels=(1,))
    weight = to_float(mask) / peak(mask.dtype)
    batch_a, single = as_batch(a)
    batch_b, _ = as_batch(b)
    weight, _ = as_batch(weight)
    weights = gaussian_pyramid(weight, levels)
    bands = [m * band_a + (1.0 - m) * band_b for m, band_a, band_b in
             zip(weights, laplacian_pyramid(to_float(batch_a), levels),
                 laplacian_pyramid(to_float(batch_b), levels))]
    return unbatch(from_float(collapse_pyramid(bands), a.dtype), single)


def _mertens_weights(values, contrast_weight, saturation_weight, exposure_weight):
    """Mertens' per-pixel weights of float [0, 1] shots `(shots, height, width, channels)`,
    each step as `cv2.MergeMertens` computes it in float32 (modules/photo/src/merge.cpp), so
    that near-zero weights, which the normalisation magnifies, agree too."""
    channels = values.shape[-1]
    planes = [values[..., index] for index in range(channels)]
    gray = grayscale(values)[..., 0] if channels == 3 else planes[0]
    weights = tf.abs(laplacian(gray[..., tf.newaxis]))[..., 0] ** contrast_weight
    if channels == 3:
        # OpenCV sums the channels and multiplies by 1/3; a true mean differs in the last bit,
        # which a grey pixel's saturation (zero or not) turns into a different weight.
        mean = (planes[0] + planes[1] + planes[2]) * np.float32(1.0 / 3.0)
        saturation = tf.sqrt(sum((plane - mean) ** 2 for plane in planes))
        weights *= saturation ** saturation_weight
    if exposure_weight:
        exposure = tf.reduce_prod(tf.exp(-(values - 0.5) ** 2 / 0.08), axis=-1)
        weights *= exposure ** exposure_weight
    return weights + 1e-12


def exposure_fusion(images, contrast_weight=1.0, saturation_weight=1.0, exposure_weight=0.0):
    """Fuses differently exposed shots of one scene (Mertens, Kautz and Van Reeth, 2007), as
    `cv2.createMergeMertens(contrast_weight, saturation_weight, exposure_weight).process`.

    Each pixel of each shot is weighted by contrast (|Laplacian| of grey), saturation (standard
    deviation over channels) and well-exposedness (`exp(-(x - 0.5)^2 / 0.08)` multiplied over
    channels), each raised to its weight; the weights, normalised over the shots, blend the
    shots' Laplacian pyramids (`int(log2(min(height, width)))` levels).

    The defaults are OpenCV's, which leave well-exposedness out (`exposure_weight=0`); the paper
    uses 1 for all three, which favours mid-tones and gives a darker result on most brackets.

    Args:
        images: the shots, `(shots, height, width, channels)` with 1 or 3 (RGB) channels,
            uint8 [0, 255] or float [0, 1]; height and width known.
        contrast_weight, saturation_weight, exposure_weight: exponents of the three measures.

    Returns:
        One image `(height, width, channels)`, same dtype (uint8 rounded and saturated; float
        about [0, 1], not clipped, as OpenCV returns it).
    """
    images = check_image(images, "images", channels=(1, 3))
    if images.shape.rank != 4:
        raise ValueError(f"Expected images as (shots, height, width, channels), received "
                         f"shape={images.shape}")
    height, width = images.shape[1:3]
    if height is None or width is None:
        raise ValueError(f"Expected a known height and width, received shape={images.shape}")
    values = to_float(images)
    if images.dtype == tf.uint8:
        values = values * np.float32(1.0 / 255.0)  # OpenCV's convertTo(CV_32F, 1.0f / 255)
    weights = _mertens_weights(values, float(contrast_weight), float(saturation_weight),
                               float(exposure_weight))
    weights = (weights / tf.reduce_sum(weights, axis=0, keepdims=True))[..., tf.newaxis]
    levels = int(math.log(min(height, width)) / math.log(2.0))
    bands = [tf.reduce_sum(band * weight, axis=0, keepdims=True) for band, weight in
             zip(laplacian_pyramid(values, levels), gaussian_pyramid(weights, levels))]
    fused = collapse_pyramid(bands)[0] * peak(images.dtype)
    return from_float(fused, images.dtype)


__all__ = ["blend", "collapse_pyramid", "exposure_fusion", "gaussian_pyramid",
           "laplacian_pyramid", "laplacian_pyramid_blend", "pyramid_down", "pyramid_up"]

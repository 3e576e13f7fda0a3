"""Restoration quality as the super-resolution and denoising literature measures it: PSNR and
SSIM on the luma (Y) channel of ITU-R BT.601 (MATLAB's `rgb2ycbcr`, Y in [16, 235]), with
`shave` pixels dropped at each border (the scale factor, for super-resolution)."""

import tensorflow as tf

from tfimg.ops.similarity import psnr, ssim


def rgb_to_y(images):
    """[0, 1] RGB (rank 3 or 4) -> float32 Y in [16, 235] with a trailing channel of 1, as
    MATLAB's `rgb2ycbcr` computes it (before rounding)."""
    images = tf.cast(images, tf.float32)
    weights = tf.constant([65.481, 128.553, 24.966], tf.float32)
    return 16.0 + tf.reduce_sum(images * weights, axis=-1, keepdims=True)


def _shaved(images, shave):
    return images[..., shave:-shave, shave:-shave, :] if shave else images


def y_psnr(a, b, shave=0):
    """PSNR (dB) between [0, 1] RGB images on Y in 8-bit units, `shave` border pixels
    dropped; per image for a batch. Inputs are rounded to 8 bits first, as saved images are."""
    a, b = (rgb_to_y(tf.round(tf.clip_by_value(x, 0.0, 1.0) * 255.0) / 255.0) for x in (a, b))
    return psnr(_shaved(a, shave), _shaved(b, shave), 255.0)


def y_ssim(a, b, shave=0):
    """SSIM between [0, 1] RGB images on Y (8-bit units, 11x11 Gaussian window), `shave`
    border pixels dropped; per image for a batch."""
    a, b = (rgb_to_y(tf.round(tf.clip_by_value(x, 0.0, 1.0) * 255.0) / 255.0) for x in (a, b))
    return ssim(_shaved(a, shave), _shaved(b, shave), 255.0)


def rgb_psnr(a, b):
    """PSNR (dB) between [0, 1] RGB images over all channels, both rounded to 8 bits."""
    a, b = (tf.round(tf.clip_by_value(x, 0.0, 1.0) * 255.0) for x in (a, b))
    return psnr(a, b, 255.0)

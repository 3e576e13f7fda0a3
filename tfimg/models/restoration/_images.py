"""Checks and skips shared by the restoration models."""

import functools

import numpy as np
from keras import ops

from tfimg.models._padding import mirror_pad

# EDSR's DIV2K channel means of [0, 1] RGB: subtracted before the body, added back after.
RGB_MEAN = (0.4488, 0.4371, 0.4040)


def check_images(images, model, multiple=1):
    """Raises ValueError unless `images` is (batch, height, width, 3) with static sizes (where
    known) divisible by `multiple`."""
    shape = tuple(images.shape)
    if len(shape) != 4 or shape[-1] != 3:
        raise ValueError(f"Expected {model} inputs of shape (batch, height, width, 3) (RGB in "
                         f"[0, 1]), received shape={shape}")
    for size in shape[1:3]:
        if size is not None and (size == 0 or size % multiple):
            raise ValueError(f"Expected {model} image sizes that are positive multiples of "
                             f"{multiple}, received shape={shape}")


def nearest_skip(images, scale):
    """`images` repeated `scale * scale` times along channels: through a `PixelShuffle(scale)`
    after adding a network's output, the nearest-neighbour upsampling the network then only
    corrects (residual learning, which trains much faster than predicting whole pixels)."""
    return ops.tile(images, (1, 1, 1, scale * scale))


def _keys_cubic(x, a=-0.5):
    x = np.abs(x)
    return np.where(x <= 1, (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1,
                    np.where(x < 2, a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a, 0.0))


@functools.lru_cache(maxsize=None)
def bicubic_phase_kernel(scale, channels=3):
    """float32 (5, 5, channels, channels * scale**2) kernel whose convolution, through a
    `PixelShuffle(scale)`, upsamples by bicubic interpolation (Keys, a = -0.5, half-pixel
    centres: `tf.image.resize(..., "bicubic")`). Output pixel `s * k + p` on an axis samples
    the input at `k + (p + 0.5) / s - 0.5`, which lies within 2 pixels of `k`: one 5-tap
    filter per phase `p`."""
    offsets = np.arange(-2, 3)
    taps = np.stack([_keys_cubic(offsets - ((p + 0.5) / scale - 0.5)) for p in range(scale)])
    kernel = np.zeros((5, 5, channels, channels * scale * scale), np.float32)
    for row in range(scale):
        for column in range(scale):
            for channel in range(channels):
                kernel[:, :, channel, (row * scale + column) * channels + channel] = np.outer(
                    taps[row], taps[column])
    kernel.setflags(write=False)
    return kernel


def bicubic_skip(images, scale):
    """Like `nearest_skip`, with bicubic upsampling (borders mirrored): the network then only
    adds the detail bicubic misses. Builtin LiteRT ops only (GATHER, CONV_2D)."""
    padded = mirror_pad(mirror_pad(images, 1, 2, 2), 2, 2, 2)
    kernel = ops.convert_to_tensor(bicubic_phase_kernel(scale, images.shape[-1]))
    return ops.conv(padded, ops.cast(kernel, images.dtype), padding="valid")

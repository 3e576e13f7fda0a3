"""Checks and skips shared by the restoration models."""

from keras import ops

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

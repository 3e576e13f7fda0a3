"""ESPCN (Shi et al. 2016): efficient sub-pixel convolutional super-resolution."""

import keras
from keras import ops

from tfimg.layers.pixel_shuffle import PixelShuffle
from tfimg.models.restoration._images import bicubic_skip, check_images, nearest_skip

_SKIPS = {"nearest": nearest_skip, "bicubic": bicubic_skip}


class Espcn(keras.Model):
    """ESPCN: three convolutions at low resolution (5x5 and 3x3 with tanh, then 3x3 to
    `3 * scale**2` channels) and a pixel shuffle; all the work happens at the input's size, so
    it is the fastest model here (about 20k parameters at the paper's `filters=(64, 32)`), the
    one for phones. Its output is added to the input upsampled by `skip` (residual learning),
    which the paper does not do: it trains in far fewer steps, and with a bicubic skip the
    network only has to add the detail that bicubic misses. LiteRT runs it with builtin ops
    only (CONV_2D, TILE or GATHER, ADD, DEPTH_TO_SPACE).

    Args:
        scale: upscaling factor.
        filters: channels of the first two convolutions.
        skip: "nearest" or "bicubic" (the shipped espcn_x4) upsampling of the input that
            the network's output is added to.

    Inputs: float32 (batch, height, width, 3), RGB in [0, 1], any size.
    Outputs: float32 (batch, height * scale, width * scale, 3), RGB about [0, 1].
    """

    def __init__(self, scale=4, filters=(64, 32), skip="nearest", **kwargs):
        super().__init__(**kwargs)
        self.scale = int(scale)
        self.filters = tuple(int(f) for f in filters)
        self.skip = skip
        if self.scale < 2 or len(self.filters) != 2 or skip not in _SKIPS:
            raise ValueError(f"Expected scale >= 2, two filter counts and skip in "
                             f"{tuple(_SKIPS)}, received scale={scale!r}, filters={filters!r}, "
                             f"skip={skip!r}")
        self.conv1 = keras.layers.Conv2D(self.filters[0], 5, padding="same", activation="tanh",
                                         name="conv1")
        self.conv2 = keras.layers.Conv2D(self.filters[1], 3, padding="same", activation="tanh",
                                         name="conv2")
        self.conv3 = keras.layers.Conv2D(3 * self.scale ** 2, 3, padding="same",
                                         name=f"tail_x{self.scale}", dtype="float32")
        self.shuffle = PixelShuffle(self.scale, dtype="float32")

    def build(self, input_shape=None):
        self.call(ops.zeros((1, 8, 8, 3)))
        self.built = True

    def call(self, images):
        images = ops.cast(images, "float32")
        check_images(images, "Espcn")
        x = self.conv3(self.conv2(self.conv1(images)))
        return self.shuffle(x + _SKIPS[self.skip](images, self.scale))

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, filters=self.filters, skip=self.skip)
        return config

"""ESPCN (Shi et al. 2016): efficient sub-pixel convolutional super-resolution."""

import keras
from keras import ops

from tfimg.layers.pixel_shuffle import PixelShuffle
from tfimg.models.restoration._images import check_images, nearest_skip


class Espcn(keras.Model):
    """ESPCN: three convolutions at low resolution (5x5 and 3x3 with tanh, then 3x3 to
    `3 * scale**2` channels) and a pixel shuffle; all the work happens at the input's size, so
    it is the fastest model here (about 20k parameters at the paper's `filters=(64, 32)`), the
    one for phones. Its output is added to the nearest-neighbour upsampled input (residual
    learning), which the paper does not do: it trains in far fewer steps. LiteRT runs it with
    builtin ops only (CONV_2D, TILE, ADD, DEPTH_TO_SPACE).

    Args:
        scale: upscaling factor.
        filters: channels of the first two convolutions.

    Inputs: float32 (batch, height, width, 3), RGB in [0, 1], any size.
    Outputs: float32 (batch, height * scale, width * scale, 3), RGB about [0, 1].
    """

    def __init__(self, scale=4, filters=(64, 32), **kwargs):
        super().__init__(**kwargs)
        self.scale = int(scale)
        self.filters = tuple(int(f) for f in filters)
        if self.scale < 2 or len(self.filters) != 2:
            raise ValueError(f"Expected scale >= 2 and two filter counts, received "
                             f"scale={scale!r}, filters={filters!r}")
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
        return self.shuffle(x + nearest_skip(images, self.scale))

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, filters=self.filters)
        return config

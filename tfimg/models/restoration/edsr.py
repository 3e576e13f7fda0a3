"""EDSR (Lim et al. 2017): enhanced deep residual networks for single-image super-resolution."""

import keras
from keras import ops

from tfimg.layers.pixel_shuffle import PixelShuffle
from tfimg.layers.residual_block import ResidualBlock
from tfimg.models.restoration._images import RGB_MEAN, check_images, nearest_skip


class Edsr(keras.Model):
    """EDSR: a head convolution, `blocks` residual blocks without batch normalisation, a body
    convolution with a long skip, and a sub-pixel tail.

    The baseline of the paper is `filters=64, blocks=16, res_scale=1.0` (1.5 M parameters);
    the large model `filters=256, blocks=32, res_scale=0.1`. Two changes make it train fast on
    a CPU: the tail is one 3x3 convolution to `3 * scale**2` channels and a pixel shuffle
    (ESPCN's; the paper upsamples features and adds a convolution at full resolution, which
    costs most of the time at x4), and the tail's output is added to the nearest-neighbour
    upsampled input, so that the network learns only the correction.

    Args:
        scale: upscaling factor (2, 3, 4, ...).
        filters: channels of the body.
        blocks: residual blocks.
        res_scale: scale of each block's residual branch.

    Inputs: float32 (batch, height, width, 3), RGB in [0, 1], any size.
    Outputs: float32 (batch, height * scale, width * scale, 3), RGB about [0, 1] (not clipped).
    """

    def __init__(self, scale=4, filters=64, blocks=16, res_scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = int(scale)
        self.filters = int(filters)
        self.blocks = int(blocks)
        self.res_scale = float(res_scale)
        if self.scale < 2:
            raise ValueError(f"Expected scale >= 2, received {scale!r}")
        self.head = keras.layers.Conv2D(self.filters, 3, padding="same", name="head")
        self.body = [ResidualBlock(self.filters, self.res_scale, name=f"block{i}")
                     for i in range(self.blocks)]
        self.body_end = keras.layers.Conv2D(self.filters, 3, padding="same", name="body_end")
        self.tail = keras.layers.Conv2D(3 * self.scale ** 2, 3, padding="same",
                                        name=f"tail_x{self.scale}", dtype="float32")
        self.shuffle = PixelShuffle(self.scale, dtype="float32")

    def build(self, input_shape=None):
        self.call(ops.zeros((1, 8, 8, 3)))
        self.built = True

    def call(self, images):
        images = ops.cast(images, "float32")
        check_images(images, "Edsr")
        mean = ops.convert_to_tensor(RGB_MEAN, images.dtype)
        x = images - mean
        head = self.head(x)
        features = head
        for block in self.body:
            features = block(features)
        features = self.body_end(features) + head
        return self.shuffle(self.tail(features) + nearest_skip(x, self.scale)) + mean

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, filters=self.filters, blocks=self.blocks,
                      res_scale=self.res_scale)
        return config

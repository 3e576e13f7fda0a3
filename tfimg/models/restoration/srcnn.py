"""SRCNN (Dong et al. 2014): the first convolutional super-resolution network."""

import keras
from keras import ops

from tfimg.models.restoration._images import check_images


class Srcnn(keras.Model):
    """SRCNN: bicubic upsampling to the output size, then patch extraction (9x9, 64), non-linear
    mapping (5x5, 32) and reconstruction (5x5, 3), the paper's 9-5-5 network. It works at full
    resolution, so it is slower than ESPCN for less quality; it is kept as the field's
    reference. Its bicubic resize is not a LiteRT builtin: TFLite export needs Flex ops.

    Args:
        scale: upscaling factor.
        filters: channels of the first two convolutions.
        kernels: sizes of the three convolutions.

    Inputs: float32 (batch, height, width, 3), RGB in [0, 1].
    Outputs: float32 (batch, height * scale, width * scale, 3), RGB about [0, 1].
    """

    def __init__(self, scale=4, filters=(64, 32), kernels=(9, 5, 5), **kwargs):
        super().__init__(**kwargs)
        self.scale = int(scale)
        self.filters = tuple(int(f) for f in filters)
        self.kernels = tuple(int(k) for k in kernels)
        if self.scale < 2 or len(self.filters) != 2 or len(self.kernels) != 3:
            raise ValueError(f"Expected scale >= 2, two filter counts and three kernel sizes, "
                             f"received scale={scale!r}, filters={filters!r}, "
                             f"kernels={kernels!r}")
        self.extract = keras.layers.Conv2D(self.filters[0], self.kernels[0], padding="same",
                                           activation="relu", name="extract")
        self.map = keras.layers.Conv2D(self.filters[1], self.kernels[1], padding="same",
                                       activation="relu", name="map")
        self.reconstruct = keras.layers.Conv2D(3, self.kernels[2], padding="same",
                                               name="reconstruct", dtype="float32")

    def build(self, input_shape=None):
        self.call(ops.zeros((1, 8, 8, 3)))
        self.built = True

    def call(self, images):
        images = ops.cast(images, "float32")
        check_images(images, "Srcnn")
        shape = ops.shape(images)
        upsampled = ops.image.resize(images, (shape[1] * self.scale, shape[2] * self.scale),
                                     interpolation="bicubic")
        return self.reconstruct(self.map(self.extract(upsampled)))

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, filters=self.filters, kernels=self.kernels)
        return config

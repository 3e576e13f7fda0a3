"""The fast style-transfer network of Johnson et al. (2016, "Perceptual Losses for Real-Time
Style Transfer and Super-Resolution"), with instance normalisation (Ulyanov et al., 2016) and
resize-convolution upsampling (Odena et al., 2016, "Deconvolution and Checkerboard Artifacts")."""

import keras
from keras import ops

from tfimg.layers.instance_norm import InstanceNormalization
from tfimg.models._padding import mirror_pad

# The network halves the resolution twice; inputs are padded to a multiple of this.
_STRIDE = 4


def _upsample(images):
    """Nearest-neighbour x2 by tiling and reshaping: `UpSampling2D`'s repeats lose the static
    shape a TFLite convolution needs, and `ops.image.resize` needs a static size."""
    height, width = ops.shape(images)[1], ops.shape(images)[2]
    tiled = ops.tile(images[:, :, None, :, None, :], [1, 1, 2, 1, 2, 1])
    return ops.reshape(tiled, (-1, 2 * height, 2 * width, images.shape[-1]))


class TransformNet(keras.Model):
    """A feed-forward network that restyles a photo in one pass.

    A 9x9 convolution with `width` filters, two stride-2 3x3 convolutions (2 `width`,
    4 `width` filters), `residual_blocks` residual blocks of two 3x3 convolutions, two
    resize-convolutions (nearest-neighbour x2, then a 3x3 convolution; no transposed
    convolution, so no checkerboard pattern), and a 9x9 convolution to RGB. Every convolution
    but the last is followed by instance normalisation and a ReLU (none after the second
    convolution of a residual block). Johnson et al. use `width=32` and 5 blocks.

    Input: float32 [batch, height, width, 3] RGB in [0, 255], any height and width of at least
    3 pixels, odd ones too (reflect-padded to a multiple of 4 inside, cropped back).
    Output: float32 RGB in [0, 255] of the input's size (`127.5 * (tanh + 1)`).
    Uses `keras.ops` only; exports to TFLite with builtin ops.

    Args:
        width: filters of the first convolution (the others are 2x and 4x).
        residual_blocks: residual blocks at a quarter of the resolution.
    """

    def __init__(self, width=32, residual_blocks=5, **kwargs):
        super().__init__(**kwargs)
        if int(width) != width or width < 1:
            raise ValueError(f"Expected width >= 1 (an integer), received width={width!r}")
        if int(residual_blocks) != residual_blocks or residual_blocks < 0:
            raise ValueError(f"Expected residual_blocks >= 0 (an integer), received "
                             f"residual_blocks={residual_blocks!r}")
        self.width = int(width)
        self.residual_blocks = int(residual_blocks)
        widths = (self.width, 2 * self.width, 4 * self.width)
        self.down = [self._conv(widths[0], 9, 1), self._conv(widths[1], 3, 2),
                     self._conv(widths[2], 3, 2)]
        self.down_norms = [InstanceNormalization() for _ in self.down]
        self.blocks = [(self._conv(widths[2], 3, 1), InstanceNormalization(),
                        self._conv(widths[2], 3, 1), InstanceNormalization())
                       for _ in range(self.residual_blocks)]
        self.up = [self._conv(widths[1], 3, 1), self._conv(widths[0], 3, 1)]
        self.up_norms = [InstanceNormalization() for _ in self.up]
        self.to_rgb = self._conv(3, 9, 1)

    @staticmethod
    def _conv(filters, kernel_size, strides):
        return keras.layers.Conv2D(filters, kernel_size, strides=strides, padding="same")

    def call(self, inputs):
        height, width = ops.shape(inputs)[1], ops.shape(inputs)[2]
        # Mirrored with the edge pixel repeated: up to 3 px here, where reflecting would need
        # images of 4 px.
        x = mirror_pad(mirror_pad(inputs, 1, 0, (-height) % _STRIDE), 2, 0, (-width) % _STRIDE)
        x = x / 127.5 - 1.0
        for conv, norm in zip(self.down, self.down_norms):
            x = ops.relu(norm(conv(x)))
        for conv1, norm1, conv2, norm2 in self.blocks:
            x = x + norm2(conv2(ops.relu(norm1(conv1(x)))))
        for conv, norm in zip(self.up, self.up_norms):
            x = ops.relu(norm(conv(_upsample(x))))
        x = 127.5 * (ops.tanh(self.to_rgb(x)) + 1.0)
        return x[:, :height, :width, :]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:3], 3)

    def get_config(self):
        config = super().get_config()
        config.update(width=self.width, residual_blocks=self.residual_blocks)
        return config

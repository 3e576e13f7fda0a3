"""SRResNet (Ledig et al. 2017): the generator of SRGAN."""

import keras
from keras import ops

from tfimg.layers.pixel_shuffle import PixelShuffle
from tfimg.models.restoration._images import check_images


def _upscale_steps(scale):
    """SRGAN's upsampling steps: x2 steps for powers of two, one x3 step for 3."""
    if scale == 3:
        return [3]
    if scale >= 2 and scale & (scale - 1) == 0:
        return [2] * (scale.bit_length() - 1)
    raise ValueError(f"Expected scale 3 or a power of two, received {scale!r}")


class SrResNet(keras.Model):
    """SRResNet: a 9x9 head with PReLU, `blocks` residual blocks (conv-BN-PReLU-conv-BN), a
    convolution with batch normalisation and a long skip, sub-pixel upsampling steps (conv,
    pixel shuffle x2 or x3, PReLU) and a 9x9 tail. Trained alone with a pixel loss it is
    SRResNet; with `tfimg.train.srgan` (adversarial and perceptual losses) it is SRGAN's
    generator. The paper's size is `filters=64, blocks=16`.

    Args:
        scale: 2, 3, 4 or 8.
        filters: channels of the body.
        blocks: residual blocks.

    Inputs: float32 (batch, height, width, 3), RGB in [0, 1].
    Outputs: float32 (batch, height * scale, width * scale, 3), RGB about [0, 1].
    """

    def __init__(self, scale=4, filters=64, blocks=16, **kwargs):
        super().__init__(**kwargs)
        self.scale = int(scale)
        self.filters = int(filters)
        self.blocks = int(blocks)
        steps = _upscale_steps(self.scale)

        def conv(size, name, channels=self.filters, **options):
            return keras.layers.Conv2D(channels, size, padding="same", name=name, **options)

        def norm(name):
            return keras.layers.BatchNormalization(name=name)

        def prelu(name):
            return keras.layers.PReLU(shared_axes=[1, 2], name=name)

        self.head = [conv(9, "head"), prelu("head_prelu")]
        self.body = [[conv(3, f"block{i}_conv1"), norm(f"block{i}_norm1"),
                      prelu(f"block{i}_prelu"), conv(3, f"block{i}_conv2"),
                      norm(f"block{i}_norm2")] for i in range(self.blocks)]
        self.body_end = [conv(3, "body_end"), norm("body_end_norm")]
        self.upsample = [[conv(3, f"up{i}_conv", self.filters * step * step),
                          PixelShuffle(step), prelu(f"up{i}_prelu")]
                         for i, step in enumerate(steps)]
        self.tail = conv(9, "tail", 3, dtype="float32")

    def build(self, input_shape=None):
        self.call(ops.zeros((1, 8, 8, 3)))
        self.built = True

    def call(self, images, training=False):
        images = ops.cast(images, "float32")
        check_images(images, "SrResNet")

        def run(layers, x):
            for layer in layers:
                x = layer(x, training=training) if isinstance(
                    layer, keras.layers.BatchNormalization) else layer(x)
            return x

        head = run(self.head, images * 2.0 - 1.0)
        x = head
        for block in self.body:
            x = x + run(block, x)
        x = run(self.body_end, x) + head
        for step in self.upsample:
            x = run(step, x)
        return (self.tail(x) + 1.0) / 2.0

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, filters=self.filters, blocks=self.blocks)
        return config

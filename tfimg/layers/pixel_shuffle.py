"""Sub-pixel upsampling (Shi et al. 2016, "pixel shuffle")."""

import keras
from keras import ops


class PixelShuffle(keras.layers.Layer):
    """Rearranges channels into space: (batch, h, w, c * s * s) -> (batch, h * s, w * s, c).

    Channel `(i * s + j) * c + k` becomes pixel `(i, j)` of each s x s block, channel `k`
    (TensorFlow's `depth_to_space` order), so LiteRT runs it as its builtin DEPTH_TO_SPACE.
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = int(scale)
        if self.scale < 1:
            raise ValueError(f"Expected scale >= 1, received {scale!r}")

    def call(self, inputs):
        if self.scale == 1:
            return inputs
        return ops.depth_to_space(inputs, self.scale)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        s = self.scale
        if channels % (s * s):
            raise ValueError(f"Expected channels divisible by scale**2 = {s * s}, received "
                             f"{channels}")
        return (batch, None if height is None else height * s,
                None if width is None else width * s, channels // (s * s))

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale)
        return config

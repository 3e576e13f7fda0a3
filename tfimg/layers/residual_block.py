"""EDSR's residual block (Lim et al. 2017): conv-ReLU-conv, scaled, plus the input."""

import keras


class ResidualBlock(keras.layers.Layer):
    """`x + res_scale * conv(relu(conv(x)))` with two 3x3 convolutions of `filters` channels
    and no batch normalisation (EDSR drops it: it removes range flexibility that restoration
    needs). The input must have `filters` channels.

    Args:
        filters: channels of the input and of both convolutions.
        res_scale: scale of the residual branch (EDSR uses 0.1 in its large models to keep
            training stable; 1.0 in the baseline).
    """

    def __init__(self, filters, res_scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.res_scale = float(res_scale)
        self.conv1 = keras.layers.Conv2D(self.filters, 3, padding="same", activation="relu")
        self.conv2 = keras.layers.Conv2D(self.filters, 3, padding="same")

    def build(self, input_shape):
        if input_shape[-1] != self.filters:
            raise ValueError(f"Expected {self.filters} input channels, received "
                             f"{input_shape[-1]}")
        self.conv1.build(input_shape)
        self.conv2.build((*input_shape[:-1], self.filters))

    def call(self, inputs):
        residual = self.conv2(self.conv1(inputs))
        return inputs + residual * self.res_scale if self.res_scale != 1.0 else inputs + residual

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, res_scale=self.res_scale)
        return config

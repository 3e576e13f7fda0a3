"""A per-channel bias with its own learning-rate scale (airbench's `bias_scaler`)."""

import keras
from keras import ops


class ScaledBias(keras.layers.Layer):
    """Adds a per-channel bias whose SGD learning rate is `learning_rate_scale` times that of
    the other weights (the bias is stored divided by the square root of the scale)."""

    def __init__(self, learning_rate_scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.learning_rate_scale = float(learning_rate_scale)

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="bias")

    def call(self, inputs):
        return inputs + ops.cast(self.bias * self.learning_rate_scale ** 0.5, inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update(learning_rate_scale=self.learning_rate_scale)
        return config

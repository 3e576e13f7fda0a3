"""Instance normalisation (Ulyanov et al., 2016, "Instance Normalization: The Missing Ingredient
for Fast Stylization")."""

import keras
from keras import ops


class InstanceNormalization(keras.layers.Layer):
    """Normalises each image's channels over height and width to zero mean and unit variance,
    then scales and shifts them by a learned per-channel `gamma` and `beta`.

    Input and output: float [batch, height, width, channels], any height and width. The same in
    training and inference (no moving statistics), so a stylisation network behaves the same
    on one image as on a batch.

    Args:
        epsilon: added to the variance before the square root (flat images stay finite).
        center, scale: learn `beta` and `gamma` (initialised to 0 and 1).
    """

    def __init__(self, epsilon=1e-5, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        if not epsilon > 0:
            raise ValueError(f"Expected epsilon > 0, received epsilon={epsilon!r}")
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(f"Expected inputs [batch, height, width, channels] with known "
                             f"channels, received shape={tuple(input_shape)}")
        channels = (input_shape[-1],)
        self.gamma = (self.add_weight(shape=channels, initializer="ones", name="gamma")
                      if self.scale else None)
        self.beta = (self.add_weight(shape=channels, initializer="zeros", name="beta")
                     if self.center else None)

    def call(self, inputs):
        mean, variance = ops.moments(inputs, axes=(1, 2), keepdims=True)
        outputs = (inputs - mean) * ops.rsqrt(variance + self.epsilon)
        if self.scale:
            outputs = outputs * ops.cast(self.gamma, outputs.dtype)
        if self.center:
            outputs = outputs + ops.cast(self.beta, outputs.dtype)
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(epsilon=self.epsilon, center=self.center, scale=self.scale)
        return config

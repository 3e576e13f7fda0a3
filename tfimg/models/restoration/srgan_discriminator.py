"""SRGAN's discriminator (Ledig et al. 2017)."""

import keras
from keras import ops


class SrganDiscriminator(keras.Model):
    """Eight 3x3 convolutions (`filters` to `8 * filters` channels, every other one with
    stride 2; batch normalisation after all but the first; LeakyReLU 0.2), then a dense layer
    of `16 * filters` units and one logit. Global average pooling replaces the paper's flatten,
    so that any patch size is accepted.

    Inputs: float32 (batch, height, width, 3), RGB in [0, 1].
    Outputs: float32 (batch, 1) logits, positive for images it takes as real.
    """

    def __init__(self, filters=64, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.convs, self.norms = [], []
        for i in range(8):
            channels = self.filters * 2 ** (i // 2)
            self.convs.append(keras.layers.Conv2D(channels, 3, strides=1 + i % 2,
                                                  padding="same", name=f"conv{i}"))
            self.norms.append(keras.layers.BatchNormalization(name=f"norm{i}") if i else None)
        self.pool = keras.layers.GlobalAveragePooling2D()
        self.hidden = keras.layers.Dense(16 * self.filters, name="hidden")
        self.logit = keras.layers.Dense(1, name="logit", dtype="float32")

    def build(self, input_shape=None):
        self.call(ops.zeros((1, 16, 16, 3)))
        self.built = True

    def call(self, images, training=False):
        x = ops.cast(images, "float32") * 2.0 - 1.0
        if len(x.shape) != 4 or x.shape[-1] != 3:
            raise ValueError(f"Expected SrganDiscriminator inputs of shape (batch, height, "
                             f"width, 3), received shape={tuple(x.shape)}")
        for conv, norm in zip(self.convs, self.norms):
            x = conv(x)
            if norm is not None:
                x = norm(x, training=training)
            x = ops.leaky_relu(x, 0.2)
        x = ops.leaky_relu(self.hidden(self.pool(x)), 0.2)
        return self.logit(x)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters)
        return config

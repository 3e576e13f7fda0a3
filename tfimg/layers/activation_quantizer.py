"""Activations rounded to int8 over a learned range (quantisation-aware training; see
`tfimg.layers.quantization`)."""

import keras
from keras import ops


class ActivationQuantizer(keras.layers.Layer):
    """Rounds a tensor to the 256 levels of int8 over its range [min, max].

    In training each batch's range (widened to hold 0) updates the range by an exponential
    moving average (the first batch sets it); inference uses the stored range. With
    `fixed_range` the range is that (min, max) pair and nothing is learned.

    Args:
        momentum: weight of the old range in each update.
        fixed_range: (min, max), or None to learn the range.
    """

    def __init__(self, momentum=0.99, fixed_range=None, **kwargs):
        super().__init__(**kwargs)
        self.momentum = float(momentum)
        self.fixed_range = None if fixed_range is None else tuple(float(v) for v in fixed_range)

    def build(self, input_shape):
        if self.fixed_range is not None:
            return

        def variable(name):
            return self.add_weight(shape=(), initializer="zeros", trainable=False, name=name,
                                   aggregation="mean")

        self.range_min, self.range_max, self.updates = (variable(name) for name in
                                                        ("range_min", "range_max", "updates"))

    def call(self, inputs, training=False):
        if self.fixed_range is not None:
            low, high = self.fixed_range
        else:
            if training:
                momentum = ops.where(self.updates > 0, self.momentum, 0.0)
                batch_min = ops.minimum(ops.min(inputs), 0.0)
                batch_max = ops.maximum(ops.max(inputs), 0.0)
                self.range_min.assign(momentum * self.range_min + (1 - momentum) * batch_min)
                self.range_max.assign(momentum * self.range_max + (1 - momentum) * batch_max)
                self.updates.assign(self.updates + 1)
            low, high = self.range_min, self.range_max
        return keras.quantizers.fake_quant_with_min_max_vars(inputs, low, high, num_bits=8)

    def get_config(self):
        config = super().get_config()
        config.update(momentum=self.momentum, fixed_range=self.fixed_range)
        return config

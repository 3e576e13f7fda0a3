"""Quantisation-aware training (QAT): layers that make a Keras model compute what LiteRT's int8
kernels will compute, so that training learns weights that keep their decisions after int8
conversion.

LiteRT's full-integer scheme, simulated here in float ("fake quantisation"):

- weights: int8, symmetric, one scale per output channel (`max |w| / 127`);
- activations: int8, asymmetric, one scale and zero point per tensor, from a [min, max]
  range that holds 0 (`ActivationQuantizer`, which learns the range as an exponential moving
  average of the training batches' ranges);
- softmax output: the fixed scale 1/256 and zero point -128 that LiteRT's int8 softmax uses.

Gradients pass straight through the rounding. The activation quantizers use
`keras.quantizers.fake_quant_with_min_max_vars`, which on TensorFlow is the FakeQuant op the
TFLite converter reads its ranges from: a quantisation-aware model converts to int8 without
calibration data (see `tfimg.export`). Weight rounding uses plain `keras.ops`, so the exported
graph holds the rounded weights themselves, which the converter stores exactly.

The simulation computes in float32: `tfimg train` leaves mixed precision off for these models.
"""

import keras
from keras import ops

# LiteRT's int8 softmax output: scale 1/256, zero point -128.
SOFTMAX_RANGE = (0.0, 255.0 / 256.0)


def quantized_kernel(kernel):
    """`kernel` rounded to int8 with one symmetric scale per output channel (last axis), the
    rounding passed over by the gradient."""
    axes = tuple(range(len(kernel.shape) - 1))
    scale = ops.maximum(ops.max(ops.abs(kernel), axis=axes), 1e-12) / 127.0
    rounded = ops.round(kernel / scale) * scale
    return kernel + ops.stop_gradient(rounded - kernel)


class QuantizedConv2D(keras.layers.Conv2D):
    """`Conv2D` whose kernel is rounded to int8 per output channel in every call."""

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, quantized_kernel(kernel))


class QuantizedDense(keras.layers.Dense):
    """`Dense` whose kernel is rounded to int8 per output unit in every call."""

    def call(self, inputs, training=None):
        outputs = ops.matmul(inputs, quantized_kernel(self.kernel))
        if self.use_bias:
            outputs = ops.add(outputs, self.bias)
        return self.activation(outputs) if self.activation is not None else outputs


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


def layer_kinds(quantization_aware):
    """(conv class, dense class, activation quantizer factory) for a model that is or is not
    quantisation-aware; the factory of a float model makes identity layers."""
    if not quantization_aware:
        return keras.layers.Conv2D, keras.layers.Dense, lambda **kwargs: keras.layers.Identity()
    return QuantizedConv2D, QuantizedDense, ActivationQuantizer


def _layer_pairs(source, target):
    """(attribute name, source layer, target layer) of the layer attributes of `source` that
    hold weights, lists of layers included (airbench's `convs`)."""
    for name, value in vars(source).items():
        if name.startswith("_"):  # Keras' own bookkeeping, e.g. the list of all layers
            continue
        counterpart = getattr(target, name, None)
        if isinstance(value, keras.layers.Layer):
            pairs = [(name, value, counterpart)]
        elif isinstance(value, (list, tuple)) and all(
                isinstance(item, keras.layers.Layer) for item in value):
            counterparts = list(counterpart) if isinstance(counterpart, (list, tuple)) else []
            counterparts += [None] * (len(value) - len(counterparts))
            pairs = [(f"{name}[{index}]", item, counterparts[index])
                     for index, item in enumerate(value)]
        else:
            continue
        yield from ((label, layer, other) for label, layer, other in pairs if layer.weights)


def copy_weights(source, target):
    """Copies the weights of each layer attribute of `source` (layers and lists of layers) into
    the `target` layer of the same attribute name (a float model into its quantisation-aware
    twin); returns the number of layers copied.

    Raises:
        ValueError: when a layer with weights has no counterpart, or shapes differ.
    """
    copied = 0
    for name, layer, counterpart in _layer_pairs(source, target):
        if not isinstance(counterpart, keras.layers.Layer):
            raise ValueError(f"{type(target).__name__} has no layer {name!r} to take "
                             f"{type(source).__name__}'s weights")
        counterpart.set_weights(layer.get_weights())
        copied += 1
    return copied

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

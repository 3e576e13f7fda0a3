"""`Dense` with its kernel rounded to int8 per output unit (quantisation-aware training; see
`tfimg.layers.quantization`)."""

import keras
from keras import ops

from tfimg.layers.quantization import quantized_kernel


class QuantizedDense(keras.layers.Dense):
    """`Dense` whose kernel is rounded to int8 per output unit in every call."""

    def call(self, inputs, training=None):
        outputs = ops.matmul(inputs, quantized_kernel(self.kernel))
        if self.use_bias:
            outputs = ops.add(outputs, self.bias)
        return self.activation(outputs) if self.activation is not None else outputs

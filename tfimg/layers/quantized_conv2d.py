"""`Conv2D` with its kernel rounded to int8 per output channel (quantisation-aware training;
see `tfimg.layers.quantization`)."""

import keras

from tfimg.layers.quantization import quantized_kernel


class QuantizedConv2D(keras.layers.Conv2D):
    """`Conv2D` whose kernel is rounded to int8 per output channel in every call."""

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, quantized_kernel(kernel))

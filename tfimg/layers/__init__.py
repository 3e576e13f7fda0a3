"""Keras layers on `keras.ops` (they run on the TensorFlow, JAX and PyTorch backends), one public
class per file, used by tfimg's models."""

from tfimg.layers.activation_quantizer import ActivationQuantizer
from tfimg.layers.instance_norm import InstanceNormalization
from tfimg.layers.pixel_shuffle import PixelShuffle
from tfimg.layers.quantized_conv2d import QuantizedConv2D
from tfimg.layers.quantized_dense import QuantizedDense
from tfimg.layers.residual_block import ResidualBlock
from tfimg.layers.scaled_bias import ScaledBias

# Passed to Keras when a saved model is loaded (with the model classes), instead of registering
# the classes globally at import time.
LAYERS = (ActivationQuantizer, InstanceNormalization, PixelShuffle, QuantizedConv2D,
          QuantizedDense, ResidualBlock, ScaledBias)

__all__ = ["ActivationQuantizer", "InstanceNormalization", "LAYERS", "PixelShuffle",
           "QuantizedConv2D", "QuantizedDense", "ResidualBlock", "ScaledBias"]

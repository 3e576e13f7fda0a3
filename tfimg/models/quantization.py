"""Quantisation-aware models: the layer kinds a model is built from, and copying a trained float
model's weights into its quantisation-aware twin. The layers and the simulated int8 scheme are in
`tfimg.layers.quantization`."""

import keras

from tfimg.layers import ActivationQuantizer, QuantizedConv2D, QuantizedDense


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

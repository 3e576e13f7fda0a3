"""Keras 3 image models (on `keras.ops`, so they also run on the JAX and PyTorch backends)."""

import keras

from tfimg.models.cifar_cnn import CifarCnn

# Passed to Keras when loading, instead of registering classes globally at import time.
CUSTOM_OBJECTS = {"CifarCnn": CifarCnn}
# Names accepted by `build_model` and `tfimg train --model`.
MODELS = {"cifar_cnn": CifarCnn}


def build_model(name, num_classes, input_shape):
    """A new model of the architecture `name` (one of `MODELS`)."""
    if name not in MODELS:
        raise ValueError(f"Expected a model name in {sorted(MODELS)}, received {name!r}")
    return MODELS[name](num_classes=num_classes, input_shape=tuple(input_shape))


def load_model(path, compile=True):
    """Loads a `.keras` file saved from any tfimg model."""
    return keras.models.load_model(path, custom_objects=CUSTOM_OBJECTS, compile=compile)


__all__ = ["CUSTOM_OBJECTS", "CifarCnn", "MODELS", "build_model", "load_model"]

"""Keras 3 image models (on `keras.ops`, so they also run on the JAX and PyTorch backends)."""

import keras

from tfimg.models.cifar_cnn import CifarCnn

# Passed to Keras when loading, instead of registering classes globally at import time.
CUSTOM_OBJECTS = {"CifarCnn": CifarCnn}


def load_model(path, compile=True):
    """Loads a `.keras` file saved from any tfimg model."""
    return keras.models.load_model(path, custom_objects=CUSTOM_OBJECTS, compile=compile)


__all__ = ["CUSTOM_OBJECTS", "CifarCnn", "load_model"]

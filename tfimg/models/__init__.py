"""Keras 3 image models (on `keras.ops`, so they also run on the JAX and PyTorch backends)."""

import keras

from tfimg.models.airbench import AIRBENCH_RECIPE, AirbenchNet, ScaledBias
from tfimg.models.cifar_cnn import CifarCnn
from tfimg.models.quantization import (ActivationQuantizer, QuantizedConv2D, QuantizedDense,
                                       copy_weights)
from tfimg.models.resnet50 import ResNet50Classifier

# Passed to Keras when loading, instead of registering classes globally at import time.
CUSTOM_OBJECTS = {"ActivationQuantizer": ActivationQuantizer, "AirbenchNet": AirbenchNet,
                  "CifarCnn": CifarCnn, "QuantizedConv2D": QuantizedConv2D,
                  "QuantizedDense": QuantizedDense, "ResNet50Classifier": ResNet50Classifier,
                  "ScaledBias": ScaledBias}
# Names accepted by `build_model` and `tfimg train --model`.
MODELS = {"airbench": AirbenchNet, "cifar_cnn": CifarCnn, "resnet50": ResNet50Classifier}
# Training settings each model is meant to be trained with (`tfimg.train.TrainConfig` uses
# them for the settings the user leaves unset).
RECIPES = {
    "airbench": AIRBENCH_RECIPE,
    # Transfer learning: ImageNet base frozen, new head, then optionally fine-tuning.
    "resnet50": {"image_size": (224, 224), "normalize": "caffe", "weights": "imagenet",
                 "epochs": 5, "batch_size": 32, "flip": True},
}
# Models whose constructor takes pretrained `weights`.
PRETRAINED = ("resnet50",)
# Models that can simulate LiteRT's int8 arithmetic (`quantization_aware=True`).
QUANTIZATION_AWARE = ("airbench", "cifar_cnn")


def build_model(name, num_classes, input_shape, weights=None, quantization_aware=False):
    """A new model of the architecture `name` (one of `MODELS`); `weights` (pretrained base:
    "imagenet", None or a file) only for models that have them; `quantization_aware` only for
    the models in `QUANTIZATION_AWARE`."""
    if name not in MODELS:
        raise ValueError(f"Expected a model name in {sorted(MODELS)}, received {name!r}")
    options = {}
    if name in PRETRAINED:
        options["weights"] = weights
    elif weights is not None:
        raise ValueError(f"Model {name!r} has no pretrained weights; received "
                         f"weights={weights!r} (models with them: {list(PRETRAINED)})")
    if quantization_aware:
        if name not in QUANTIZATION_AWARE:
            raise ValueError(f"Model {name!r} has no quantisation-aware form (models with "
                             f"one: {list(QUANTIZATION_AWARE)})")
        options["quantization_aware"] = True
    return MODELS[name](num_classes=num_classes, input_shape=tuple(input_shape), **options)


def load_model(path, compile=True):
    """Loads a `.keras` file saved from any tfimg model."""
    return keras.models.load_model(path, custom_objects=CUSTOM_OBJECTS, compile=compile)


__all__ = ["AirbenchNet", "CUSTOM_OBJECTS", "CifarCnn", "MODELS", "PRETRAINED",
           "QUANTIZATION_AWARE", "RECIPES", "ResNet50Classifier", "build_model", "copy_weights",
           "load_model"]

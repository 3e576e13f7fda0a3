"""Keras 3 image models (on `keras.ops`, so they also run on the JAX and PyTorch backends), by task
folder (`classification/`, `restoration/`, `style_transfer/`), the registry of the names
`tfimg train --model`takes, and model folders (`model.keras` + `metadata.json`)."""

from tfimg.models.classification import AirbenchNet, CifarCnn, ResNet50Classifier
from tfimg.models.restoration import (DnCnn, Edsr, Espcn, Srcnn, SrganDiscriminator,
                                      SrResNet)
from tfimg.models.folder import load_model_folder, read_metadata, save_model_folder
from tfimg.models.quantization import copy_weights
from tfimg.models.style_transfer import TransformNet
from tfimg.models.registry import (CUSTOM_OBJECTS, SPECS, TASKS, ModelSpec, build_model,
                                   custom_builder, is_custom, load_model, model_names,
                                   model_spec)

__all__ = ["AirbenchNet", "CUSTOM_OBJECTS", "CifarCnn", "DnCnn", "Edsr", "Espcn", "ModelSpec",
           "ResNet50Classifier", "SrResNet", "Srcnn", "SrganDiscriminator", "SPECS", "TASKS",
           "TransformNet", "build_model", "copy_weights", "custom_builder", "is_custom",
           "load_model", "load_model_folder", "model_names", "model_spec", "read_metadata",
           "save_model_folder"]

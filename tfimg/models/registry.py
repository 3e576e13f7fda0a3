"""The models `tfimg train --model` knows: one `ModelSpec` each, listed here explicitly (nothing
registers itself at import time). A new model adds its class in its task folder and one spec
below."""

import dataclasses
import hashlib
import importlib
import importlib.util
import os
import sys

import keras

from tfimg.layers import LAYERS
from tfimg.models.classification import AIRBENCH_RECIPE, AirbenchNet, CifarCnn, ResNet50Classifier
from tfimg.models.restoration import DnCnn, Edsr, Espcn, Srcnn, SrganDiscriminator, SrResNet
from tfimg.models.style_transfer import TransformNet
from tfimg.models.warmup_linear import WarmupLinear

# What a model folder's metadata says the model does ("task"): its inputs are images, its
# outputs class scores ("classify") or images ("sr", "denoise", "style").
TASKS = ("classify", "sr", "denoise", "style")


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A model architecture and how it is trained.

    Attributes:
        name: the `tfimg train --model` name.
        model_class: the `keras.Model` subclass.
        task: one of `TASKS`.
        recipe: training settings the model is meant to be trained with; `TrainConfig` uses
            them for settings the user leaves unset.
        pretrained: the constructor takes pretrained `weights`.
        quantization_aware: the constructor takes `quantization_aware=True` (int8 simulation).
    """

    name: str
    model_class: type
    task: str = "classify"
    recipe: dict = dataclasses.field(default_factory=dict)
    pretrained: bool = False
    quantization_aware: bool = False

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"Expected task in {TASKS}, received {self.task!r} for "
                             f"{self.name!r}")


SPECS = (
    ModelSpec("airbench", AirbenchNet, recipe=AIRBENCH_RECIPE, quantization_aware=True),
    ModelSpec("cifar_cnn", CifarCnn, quantization_aware=True),
    # Transfer learning: ImageNet base frozen, new head, then optionally fine-tuning.
    ModelSpec("resnet50", ResNet50Classifier, pretrained=True,
              recipe={"image_size": (224, 224), "normalize": "caffe", "weights": "imagenet",
                      "epochs": 5, "batch_size": 32, "flip": True}),
    # Restoration: "options" are constructor arguments, sized to train on a 2-core CPU.
    ModelSpec("edsr", Edsr, task="sr", recipe={"options": {"filters": 64, "blocks": 8}}),
    ModelSpec("espcn", Espcn, task="sr"),
    ModelSpec("srcnn", Srcnn, task="sr"),
    ModelSpec("srresnet", SrResNet, task="sr", recipe={"options": {"filters": 64, "blocks": 8}}),
    ModelSpec("dncnn", DnCnn, task="denoise",
              recipe={"options": {"filters": 64, "depth": 12, "downscale": 2}}),
    # Fast style transfer (Johnson et al. 2016), trained with `tfimg train --task style`, whose
    # settings and defaults are `tfimg.train.style.StyleConfig`'s (a CPU-sized network).
    ModelSpec("transform_net", TransformNet, task="style"),
)
_BY_NAME = {spec.name: spec for spec in SPECS}
# Passed to Keras when loading, instead of registering classes globally at import time.
CUSTOM_OBJECTS = {cls.__name__: cls for cls in [spec.model_class for spec in SPECS]
                  + list(LAYERS) + [SrganDiscriminator, WarmupLinear]}


def is_custom(name):
    """Whether `name` names a user's model builder ("FILE.py:FUNCTION" or
    "package.module:FUNCTION") rather than a tfimg model."""
    return ":" in name


def _import_file(path):
    """The module of the Python file `path`, imported once per path and modification time (an
    edited file is imported again; a file that fails to import is not kept)."""
    path = os.path.realpath(path)
    stamp = os.stat(path).st_mtime_ns
    module_name = f"tfimg_user_{hashlib.sha256(path.encode()).hexdigest()[:16]}"
    module = sys.modules.get(module_name)
    if module is not None and getattr(module, "__tfimg_stamp__", None) == stamp:
        return module
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    module.__tfimg_stamp__ = stamp
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def custom_builder(name):
    """The function a custom model name ("FILE.py:FUNCTION" or "package.module:FUNCTION")
    names, its module imported (so that classes it registers with Keras load too)."""
    location, _, function = name.rpartition(":")
    if not location or not function.isidentifier():
        raise ValueError(f"Expected --model FILE.py:FUNCTION or package.module:FUNCTION, "
                         f"received {name!r}")
    if location.endswith(".py"):
        if not os.path.isfile(location):
            raise ValueError(f"--model {name!r}: no file {location!r}")
        module = _import_file(location)
    else:
        module = importlib.import_module(location)
    builder = getattr(module, function, None)
    if not callable(builder):
        raise ValueError(f"--model {name!r}: {location!r} has no function {function!r}")
    return builder


def _build_custom(name, num_classes, input_shape):
    model = custom_builder(name)(num_classes=num_classes, input_shape=tuple(input_shape))
    if not isinstance(model, keras.Model):
        raise TypeError(f"--model {name!r} returned {type(model).__name__}, expected a "
                        f"keras.Model")
    return model


def model_spec(name):
    """The `ModelSpec` of the model `name`; ValueError listing the names when unknown. A
    custom name ("FILE.py:FUNCTION") is a classifier without a recipe."""
    if is_custom(name):
        return ModelSpec(name, keras.Model)
    if name not in _BY_NAME:
        raise ValueError(f"Expected a model name in {sorted(_BY_NAME)}, received {name!r}")
    return _BY_NAME[name]


def model_names(task=None):
    """Names of the known models, of one task when `task` is given."""
    return sorted(spec.name for spec in SPECS if task in (None, spec.task))


def build_model(name, num_classes, input_shape, weights=None, quantization_aware=False):
    """A new model of the architecture `name`; `weights` (pretrained base: "imagenet", None or
    a file) only for models that have them; `quantization_aware` only for models with a
    quantisation-aware form. A custom name ("FILE.py:FUNCTION") calls
    `FUNCTION(num_classes=..., input_shape=...)`, which returns a `keras.Model` whose outputs
    are class probabilities."""
    if is_custom(name) and weights is None and not quantization_aware:
        return _build_custom(name, num_classes, input_shape)
    spec = model_spec(name)
    if spec.task != "classify":
        raise ValueError(f"Model {name!r} is a {spec.task!r} model, not a classifier: train it "
                         f"with tfimg train --task {spec.task}")
    options = {}
    if spec.pretrained:
        options["weights"] = weights
    elif weights is not None:
        raise ValueError(f"Model {name!r} has no pretrained weights; received "
                         f"weights={weights!r} (models with them: "
                         f"{[s.name for s in SPECS if s.pretrained]})")
    if quantization_aware:
        if not spec.quantization_aware:
            raise ValueError(f"Model {name!r} has no quantisation-aware form (models with "
                             f"one: {[s.name for s in SPECS if s.quantization_aware]})")
        options["quantization_aware"] = True
    return spec.model_class(num_classes=num_classes, input_shape=tuple(input_shape), **options)


def load_model(path, compile=True, custom_objects=None):
    """Loads a `.keras` file saved from any tfimg model (with its optimizer and learning-rate
    schedule when `compile`; `custom_objects` adds e.g. the functions of its metrics)."""
    return keras.models.load_model(path, custom_objects={**CUSTOM_OBJECTS,
                                                         **(custom_objects or {})},
                                   compile=compile)

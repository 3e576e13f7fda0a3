"""The settings of a training run: defaults, then a JSON config file, then explicit values."""

import dataclasses
import os

import keras

from tfimg.data import AlternatingFlip, PipelineConfig, Preprocessing
from tfimg.models import is_custom, model_names, model_spec
from tfimg.settings import Settings

OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("constant", "warmup_cosine", "warmup_linear")
# Used for settings left as None that the model's recipe (`ModelSpec.recipe`) does not set.
_GENERAL_RECIPE = {"image_size": (32, 32), "normalize": "standardize", "weights": None,
                   "epochs": 10, "batch_size": 64, "optimizer": "adam", "learning_rate": 1e-3,
                   "momentum": 0.9, "weight_decay": 0.0, "schedule": "constant",
                   "label_smoothing": 0.0, "flip": False, "alternating_flip": False,
                   "translate": 0, "lookahead": False, "whiten_bias_epochs": 0,
                   "fine_tune_epochs": 0, "fine_tune_stages": 1}


@dataclasses.dataclass(frozen=True)
class TrainConfig(Settings):
    """What `tfimg.train.train` does.

    Attributes:
        data: class folders to train on (split by a hash of each path).
        tfds: a tensorflow-datasets name to train on instead of `data` (its "train" split,
            the last `validation` share held out).
        model: architecture, one of `tfimg.models.model_names("classify")`, or your own:
            "FILE.py:FUNCTION" (or "package.module:FUNCTION"), a function
            `(num_classes, input_shape) -> keras.Model` whose outputs are class
            probabilities (see `tfimg.models.custom_builder`).
        out: run folder: config.json, backups/, best.keras, history.csv, logs/, model/.
        epochs, batch_size: training length and batch.
        optimizer: "adam" or "sgd" (Nesterov, with `momentum`).
        learning_rate: peak learning rate.
        momentum: SGD momentum.
        weight_decay: decoupled weight decay per unit of learning rate.
        schedule: "constant", "warmup_linear" (linear warmup from 0.2x to the peak over the
            first 23% of steps, then linear decay to 0.07x: airbench's) or "warmup_cosine"
            (the same warmup, then cosine decay to 0.07x).
        label_smoothing: weight of the uniform distribution in the training targets.
        weights: pretrained weights of models that have them (resnet50): "imagenet", or the
            path of a local weights file.
        image_size, channels, normalize: what the model sees (see `PipelineConfig`).
        validation: fraction of files held out for validation.
        seed: shuffling and weight initialisation.
        deterministic: TensorFlow op determinism (slower; same result every run).
        class_weight: "auto" to balance the classes in the loss, or None.
        patience: epochs without improvement of `monitor` before stopping; None never stops.
        monitor: validation metric for the best model and early stopping.
        cache: keep decoded images in memory after the first epoch.
        flip: augment training batches with random horizontal flips.
        alternating_flip: with `flip`, flip each image in every other epoch instead of at
            random (airbench: half the images, chosen at random once, in even epochs, the
            other half in odd ones; see `tfimg.data.AlternatingFlip`).
        translate: augment with random shifts of up to this many pixels (reflected borders).
        lookahead: average the weights (batch-norm statistics too) every 5 steps with
            airbench's lookahead schedule (`tfimg.train.lookahead.Lookahead`).
        whiten_bias_epochs: for models with a whitening layer (airbench), train its bias for
            this many epochs only; 0 never freezes it.
        fine_tune_epochs: after `epochs` (or early stopping), train the top
            `fine_tune_stages` stages of a pretrained base too, until epoch
            `epochs + fine_tune_epochs`, at `fine_tune_learning_rate` (default a tenth of
            `learning_rate`, constant).
        data_service: "grpc://host:port" of a tf.data service dispatcher whose workers read
            and decode the training images (see `tfimg.data.service`); None decodes here.
        init: a model folder (or run folder) of the same architecture and classes whose
            weights training starts from, instead of a new initialisation.
        quantization_aware: fine-tune the trained model `init` in its quantisation-aware form,
            which simulates LiteRT's int8 arithmetic (see `tfimg.models.quantization`), for an
            int8 export that keeps the decisions; a few epochs at a low learning rate.

    Settings left as None take the model's recipe (`tfimg.models.model_spec(name).recipe`),
    then general defaults; the resolved values are what config.json records.
    """

    data: str = None
    tfds: str = None
    model: str = "cifar_cnn"
    out: str = None
    epochs: int = None
    batch_size: int = None
    optimizer: str = None
    learning_rate: float = None
    momentum: float = None
    weight_decay: float = None
    schedule: str = None
    label_smoothing: float = None
    weights: str = None
    image_size: tuple = None
    channels: int = 3
    normalize: str = None
    validation: float = 0.2
    seed: int = 0
    deterministic: bool = False
    class_weight: str = None
    patience: int = None
    monitor: str = "val_accuracy"
    cache: bool = True
    flip: bool = None
    alternating_flip: bool = None
    translate: int = None
    lookahead: bool = None
    whiten_bias_epochs: int = None
    fine_tune_epochs: int = None
    fine_tune_stages: int = None
    fine_tune_learning_rate: float = None
    data_service: str = None
    init: str = None
    quantization_aware: bool = False

    def __post_init__(self):
        if bool(self.data) == bool(self.tfds):
            raise ValueError(f"Expected either --data (a folder of class folders) or --tfds (a "
                             f"tensorflow-datasets name), received --data {self.data!r}, "
                             f"--tfds {self.tfds!r}")
        if self.tfds and (self.data_service or self.class_weight):
            raise ValueError("Expected data, class folders, with data_service or class_weight; "
                             f"received tfds={self.tfds!r}")
        if not is_custom(self.model) and self.model not in model_names("classify"):
            raise ValueError(f"Expected model in {model_names('classify')}, received "
                             f"{self.model!r}")
        spec = model_spec(self.model)
        recipe = {**_GENERAL_RECIPE, **spec.recipe}
        for name, value in recipe.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        if is_custom(self.model):
            # A file is recorded by absolute path, so that a resumed run finds it from anywhere.
            location, _, function = self.model.rpartition(":")
            if location.endswith(".py"):
                object.__setattr__(self, "model", f"{os.path.abspath(location)}:{function}")
        if self.out is None:
            name = self.model.rpartition(":")[2] if is_custom(self.model) else self.model
            object.__setattr__(self, "out", os.path.join("runs", name))
        self.require_minimum(("epochs", "batch_size"), 1)
        if not 0 < self.validation < 1:
            raise ValueError(f"Expected 0 < validation < 1, received {self.validation!r}")
        if self.class_weight not in (None, "auto"):
            raise ValueError(f"Expected class_weight 'auto' or None, received "
                             f"{self.class_weight!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"Expected optimizer in {OPTIMIZERS}, received {self.optimizer!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"Expected schedule in {SCHEDULES}, received {self.schedule!r}")
        if not 0 <= self.label_smoothing < 1:
            raise ValueError(f"Expected 0 <= label_smoothing < 1, received "
                             f"{self.label_smoothing!r}")
        if self.fine_tune_learning_rate is None:
            object.__setattr__(self, "fine_tune_learning_rate", self.learning_rate / 10)
        if not spec.pretrained and (self.fine_tune_epochs or self.weights):
            raise ValueError(f"Expected weights and fine_tune_epochs only for models with a "
                             f"pretrained base, received model={self.model!r}")
        self.require_minimum(("learning_rate", "momentum", "weight_decay", "translate",
                              "whiten_bias_epochs",
                              "fine_tune_epochs", "fine_tune_stages", "fine_tune_learning_rate"),
                             0)
        if self.quantization_aware and not spec.quantization_aware:
            raise ValueError(f"Expected quantization_aware only for models with a "
                             f"quantisation-aware form, received model={self.model!r}")
        if self.quantization_aware and not self.init:
            raise ValueError("Expected init, the trained model folder to fine-tune, with "
                             "quantization_aware (its batch norm and activation ranges come "
                             "from that model)")
        if self.lookahead and self.fine_tune_epochs:
            raise ValueError("Expected lookahead or fine_tune_epochs, not both: fine-tuning "
                             "restarts the optimizer the averaging counts steps of")
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"Expected patience >= 1 or None, received {self.patience!r}")
        # Checks image_size, channels and normalize the way the input pipeline will.
        object.__setattr__(self, "image_size", self.preprocessing().image_size)

    def preprocessing(self):
        """What the model sees (stored in its model folder)."""
        return Preprocessing(image_size=self.image_size, channels=self.channels,
                             normalize=self.normalize)

    def pipeline_config(self, **overrides):
        """The input pipeline's settings; augmentation applies to training pipelines only."""
        augment = []
        if self.flip and self.alternating_flip:
            augment.append(AlternatingFlip(self.seed))
        elif self.flip:
            augment.append(keras.layers.RandomFlip("horizontal", seed=self.seed))
        if self.translate:
            height, width = self.image_size
            augment.append(keras.layers.RandomTranslation(
                self.translate / height, self.translate / width, fill_mode="reflect",
                interpolation="nearest", seed=self.seed))
        return PipelineConfig.of(self.preprocessing(), batch_size=self.batch_size,
                                 seed=self.seed, cache="memory" if self.cache else None,
                                 augment=tuple(augment), **overrides)

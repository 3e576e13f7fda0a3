"""The settings of a training run: defaults, then a JSON config file, then explicit values."""

import dataclasses
import json
import os

import keras

from tfimg.data.pipeline import PipelineConfig
from tfimg.models import MODELS


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What `tfimg.train.train` does.

    Attributes:
        data: class folders to train on (split by a hash of each path).
        model: architecture, one of `tfimg.models.MODELS`.
        out: run folder: config.json, backups/, best.keras, history.csv, logs/, model/.
        epochs, batch_size, learning_rate: training (Adam).
        image_size, channels, normalize: what the model sees (see `PipelineConfig`).
        validation: fraction of files held out for validation.
        seed: shuffling and weight initialisation.
        deterministic: TensorFlow op determinism (slower; same result every run).
        class_weight: "auto" to balance the classes in the loss, or None.
        patience: epochs without improvement of `monitor` before stopping; None never stops.
        monitor: validation metric for the best model and early stopping.
        cache: keep decoded images in memory after the first epoch.
        flip: augment training batches with random horizontal flips.
    """

    data: str
    model: str = "cifar_cnn"
    out: str = None
    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3
    image_size: tuple = (32, 32)
    channels: int = 3
    normalize: str = "standardize"
    validation: float = 0.2
    seed: int = 0
    deterministic: bool = False
    class_weight: str = None
    patience: int = None
    monitor: str = "val_accuracy"
    cache: bool = True
    flip: bool = False

    def __post_init__(self):
        if not self.data:
            raise ValueError("Expected data, a folder of class folders, received none")
        if self.model not in MODELS:
            raise ValueError(f"Expected model in {sorted(MODELS)}, received {self.model!r}")
        if self.out is None:
            object.__setattr__(self, "out", os.path.join("runs", self.model))
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"Expected {name} >= 1, received {getattr(self, name)!r}")
        if not 0 < self.validation < 1:
            raise ValueError(f"Expected 0 < validation < 1, received {self.validation!r}")
        if self.class_weight not in (None, "auto"):
            raise ValueError(f"Expected class_weight 'auto' or None, received "
                             f"{self.class_weight!r}")
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"Expected patience >= 1 or None, received {self.patience!r}")
        # Checks image_size, channels and normalize the way the input pipeline will.
        object.__setattr__(self, "image_size", self.pipeline_config().image_size)

    def pipeline_config(self, **overrides):
        """The input pipeline's settings; augmentation applies to training pipelines only."""
        augment = (keras.layers.RandomFlip("horizontal", seed=self.seed),) if self.flip else ()
        return PipelineConfig(image_size=self.image_size, channels=self.channels,
                              normalize=self.normalize, batch_size=self.batch_size,
                              seed=self.seed, cache="memory" if self.cache else None,
                              augment=augment, **overrides)

    @classmethod
    def load(cls, path=None, **values):
        """Defaults, then the JSON file at `path`, then `values` that are not None."""
        fields = {}
        if path:
            with open(path, encoding="utf-8") as file:
                fields = json.load(file)
            unknown = set(fields) - {field.name for field in dataclasses.fields(cls)}
            if unknown:
                raise ValueError(f"Unknown settings {sorted(unknown)} in {path!r}")
        fields.update({key: value for key, value in values.items() if value is not None})
        return cls(**fields)

    def to_json(self):
        """The settings as JSON values (tuples become lists), as written to config.json."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

"""The settings of the demo job (plain Python: the command line reads them without importing
TensorFlow)."""

import dataclasses
import os


@dataclasses.dataclass(frozen=True)
class DemoConfig:
    """Settings of the demo job.

    Attributes:
        data: class-folder dataset; None for the embedded digits.
        tfds: a tensorflow-datasets name instead of `data` (needs the internet once).
        epochs, batch_size, learning_rate: training.
        image_size: (height, width) the CNN sees.
        validation: fraction held out by the path-hash split.
        seed: shuffling and weight initialisation.
        cache: cache decoded images in memory after the first epoch.
        out: the model folder written (replaced atomically).
        exports: base folder of the exports (`EXPORTS/NAME/VERSION/`, NAME the model
            folder's name) and of the evaluation figures (`EXPORTS/NAME-evaluation/`).
        quantize: the integer TFLite export: "int8" (full integer) or "dynamic".
        serve: start a local server on the SavedModel and classify held-out images with it.
    """

    data: str = None
    tfds: str = None
    epochs: int = 15
    batch_size: int = 64
    learning_rate: float = 1e-3
    image_size: tuple = (32, 32)
    validation: float = 0.2
    seed: int = 0
    cache: bool = True
    out: str = os.path.join("saved_models", "demo")
    exports: str = "exports"
    quantize: str = "int8"
    serve: bool = True

    def __post_init__(self):
        if self.data and self.tfds:
            raise ValueError("Expected either data or tfds, received both")
        if self.epochs < 1:
            raise ValueError(f"Expected epochs >= 1, received {self.epochs}")
        if self.quantize not in ("int8", "dynamic"):
            raise ValueError(f"Expected quantize 'int8' or 'dynamic', received "
                             f"{self.quantize!r}")
        object.__setattr__(self, "image_size", tuple(self.image_size))

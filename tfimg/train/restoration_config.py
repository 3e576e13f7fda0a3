"""The settings of a restoration training run (`tfimg train --task sr|denoise`)."""

import dataclasses
import math

from tfimg.models import model_names, model_spec
from tfimg.settings import Settings

RESTORATION_TASKS = ("sr", "denoise")
PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
_DEFAULT_MODEL = {"sr": "edsr", "denoise": "dncnn"}


@dataclasses.dataclass(frozen=True)
class RestorationConfig(Settings):
    """What `tfimg.train.train_restoration` does.

    Attributes:
        data: a folder of photos (searched recursively); `validation` of them, chosen by a
            hash of each name, are held out.
        task: "sr" (super-resolution by `scale`) or "denoise" (blind, over `sigma`).
        model: a restoration model name (`tfimg.models.model_names("sr")` or "denoise");
            default edsr or dncnn.
        model_options: constructor arguments of the model (e.g. {"filters": 64,
            "blocks": 8}) over its recipe's.
        scale: super-resolution factor.
        sigma: (low, high) noise standard deviations in grey levels drawn per training patch.
        out: run folder (config.json, backups/, best.keras, history.csv, logs/, model/).
        epochs, steps_per_epoch, batch_size: training length; data is endless random crops.
        patch_size: side of the high-resolution (sr) or clean (denoise) training crops.
        learning_rate: Adam's peak rate, decayed along a cosine to 1% after a 2% warmup.
        loss: "l1" (EDSR's) or "mse".
        validation: fraction of photos held out.
        validation_crop: side of the centre crop of each held-out photo validated per epoch.
        seed: crops, noise and weight initialisation.
        precision: "auto" (mixed_float16 on a GPU, mixed_bfloat16 on a CPU with bfloat16
            matrix units (AMX or AVX512-BF16), else float32) or one of those; the final model
            is saved in float32 either way.
        init: a model folder (or run folder) whose weights start this run where layer names
            and shapes match (e.g. an x4 model's body for an x2 model).
    """

    data: str = None
    task: str = "sr"
    model: str = None
    model_options: dict = None
    scale: int = 4
    sigma: tuple = (0.0, 55.0)
    out: str = None
    epochs: int = 20
    steps_per_epoch: int = 500
    batch_size: int = 16
    patch_size: int = None
    learning_rate: float = 5e-4
    loss: str = "l1"
    validation: float = 0.1
    validation_crop: int = 192
    seed: int = 0
    precision: str = "auto"
    init: str = None

    def __post_init__(self):
        if not self.data:
            raise ValueError("Expected --data, a folder of photos to train on")
        if self.task not in RESTORATION_TASKS:
            raise ValueError(f"Expected task in {RESTORATION_TASKS}, received {self.task!r}")
        if self.model is None:
            object.__setattr__(self, "model", _DEFAULT_MODEL[self.task])
        if self.model not in model_names(self.task):
            raise ValueError(f"Expected a {self.task} model in {model_names(self.task)}, "
                             f"received {self.model!r}")
        options = {**model_spec(self.model).recipe.get("options", {}),
                   **(self.model_options or {})}
        object.__setattr__(self, "model_options", options)
        if self.patch_size is None:
            object.__setattr__(self, "patch_size", 32 * self.scale if self.task == "sr" else 64)
        if self.out is None:
            suffix = f"_x{self.scale}" if self.task == "sr" else ""
            object.__setattr__(self, "out", f"runs/{self.model}{suffix}")
        object.__setattr__(self, "sigma", tuple(float(s) for s in self.sigma))
        self.require_minimum(("epochs", "steps_per_epoch", "batch_size", "patch_size"), 1)
        self.require_minimum(("learning_rate",), 0, strict=True)
        if self.task == "sr" and (self.scale < 2 or self.patch_size % self.scale):
            raise ValueError(f"Expected scale >= 2 dividing patch_size, received "
                             f"scale={self.scale!r}, patch_size={self.patch_size!r}")
        if len(self.sigma) != 2 or not 0 <= self.sigma[0] <= self.sigma[1] <= 255:
            raise ValueError(f"Expected sigma (low, high) with 0 <= low <= high <= 255, "
                             f"received {self.sigma!r}")
        if self.loss not in ("l1", "mse"):
            raise ValueError(f"Expected loss 'l1' or 'mse', received {self.loss!r}")
        if not 0 < self.validation < 1:
            raise ValueError(f"Expected 0 < validation < 1, received {self.validation!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"Expected precision in {PRECISIONS}, received "
                             f"{self.precision!r}")
        multiple = math.lcm(self.scale, 4) if self.task == "sr" else 4
        if self.validation_crop < self.patch_size or self.validation_crop % multiple:
            raise ValueError(f"Expected validation_crop >= patch_size and divisible by "
                             f"{multiple}, received {self.validation_crop!r}")

    def build_model(self):
        """A new model of `model` with `model_options` (and `scale` for sr)."""
        options = dict(self.model_options)
        if self.task == "sr":
            options["scale"] = self.scale
        return model_spec(self.model).model_class(**options)

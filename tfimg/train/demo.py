"""The main job: files on disk -> scan -> split -> tf.data -> the survey's CNN -> saved model.

`run_demo(DemoConfig())` trains on the embedded digits; `data=` points it at any class folders
(e.g. the CIFAR-10 JPEGs) and `tfds=` at a tensorflow-datasets name. The demo is a preset of
`tfimg.train.train` (the survey's CNN, Adam, 15 epochs) plus a scan report of the folder.
"""

import dataclasses
import os
import shutil
import sys

from tfimg import data
from tfimg.atomic import replace_folder, staging_folder
from tfimg.data.digits import write_digits
from tfimg.train.config import TrainConfig
from tfimg.train.trainer import train


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

    def __post_init__(self):
        if self.data and self.tfds:
            raise ValueError("Expected either data or tfds, received both")
        if self.epochs < 1:
            raise ValueError(f"Expected epochs >= 1, received {self.epochs}")
        object.__setattr__(self, "image_size", tuple(self.image_size))

    def train_config(self, data_dir, out):
        """The `TrainConfig` of the demo's training run on `data_dir` (None with `tfds`) in
        the run folder `out`."""
        return TrainConfig(data=data_dir, tfds=self.tfds,
                           model="cifar_cnn", out=out, epochs=self.epochs,
                           batch_size=self.batch_size, optimizer="adam",
                           learning_rate=self.learning_rate, image_size=self.image_size,
                           validation=self.validation, seed=self.seed, cache=self.cache)


def run_demo(config=DemoConfig()):
    """Runs the job; returns the model folder's metadata (validation accuracy, counts, time)."""
    root = None
    if not config.tfds:
        root = config.data or write_digits()
        print(data.scan(root, progress=True).summary(), file=sys.stderr)
    # A fresh run folder each time (the demo always retrains), beside the model folder.
    run = staging_folder(os.path.dirname(os.path.abspath(config.out)), ".demo-run-")
    try:
        metadata = train(config.train_config(root, run))
        replace_folder(os.path.join(run, "model"), config.out)
    finally:
        shutil.rmtree(run, ignore_errors=True)
    print(f"model folder: {config.out}")
    return metadata

"""The main job: files on disk -> scan -> split -> tf.data -> the survey's CNN -> saved model.

`run_demo(DemoConfig())` trains on the embedded digits; `data=` points it at any class folders
(e.g. the CIFAR-10 JPEGs) and `tfds=` at a tensorflow-datasets name.
"""

import dataclasses
import os
import sys
import time

import keras

from tfimg import data
from tfimg.data.digits import write_digits
from tfimg.models import CifarCnn
from tfimg.train.saving import save_model_folder


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
        out: folder the trained model is saved to (replaced atomically).
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


def _sources(config):
    """(train, validation, name) sources for the configured dataset."""
    if config.tfds:
        percent = round(100 * (1 - config.validation))
        return (data.from_tfds(config.tfds, f"train[:{percent}%]"),
                data.from_tfds(config.tfds, f"train[{percent}%:]"), config.tfds)
    root = config.data or write_digits()
    report = data.scan(root, progress=True)
    print(report.summary(), file=sys.stderr)
    files = data.from_directory(root)
    splits = files.split(validation=config.validation)
    return splits["train"], splits["validation"], root


def run_demo(config=DemoConfig()):
    """Runs the job; returns a dict of results (validation accuracy, counts, time, paths)."""
    keras.utils.set_random_seed(config.seed)
    train_source, validation_source, dataset_name = _sources(config)
    pipeline_config = data.PipelineConfig(image_size=config.image_size, channels=3,
                                          normalize="standardize",
                                          batch_size=config.batch_size, seed=config.seed,
                                          cache="memory" if config.cache else None)
    train = data.build_pipeline(train_source, pipeline_config, shuffle=True)
    validation = data.build_pipeline(validation_source, pipeline_config, shuffle=False)
    print(f"{dataset_name}: {train.num_examples} training and {validation.num_examples} "
          f"validation images, classes {list(train.class_names)}", file=sys.stderr)

    model = CifarCnn(num_classes=len(train.class_names), input_shape=(*config.image_size, 3))
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(train.dataset, validation_data=validation.dataset, epochs=config.epochs,
                        shuffle=False,  # the pipeline shuffles
                        verbose=1 if sys.stdout.isatty() else 2)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(validation.dataset, verbose=0)

    metadata = {
        "model": "cifar_cnn",  # the `tfimg train --model` name, so that `--init` can start here
        "class_names": list(train.class_names),
        "image_size": list(config.image_size),
        "channels": 3,
        "normalize": pipeline_config.normalize,
        "resize_mode": pipeline_config.resize_mode,
        "dataset": os.fspath(dataset_name),
        "train_examples": train.num_examples,
        "validation_examples": validation.num_examples,
        "validation_accuracy": float(accuracy),
        "epochs": config.epochs,
        "train_seconds": round(seconds, 1),
        "history": {key: [float(v) for v in values] for key, values in history.history.items()},
        "config": {key: value for key, value in dataclasses.asdict(config).items()},
    }
    save_model_folder(model, metadata, config.out)
    print(f"validation accuracy {accuracy:.4f} on {validation.num_examples} images "
          f"after {config.epochs} epochs ({seconds:.0f} s); model saved to {config.out}")
    return metadata

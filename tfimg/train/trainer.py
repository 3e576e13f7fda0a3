"""Training a classifier on class folders with Keras `fit`, resumable after a crash.

The run folder (`TrainConfig.out`) holds:

    config.json    the resolved settings
    backups/       the last committed epoch (model with optimizer state + history)
    best.keras     the model of the best validation epoch so far
    history.csv    one row per epoch (Keras CSVLogger)
    logs/          TensorBoard
    model/         the final model folder: model.keras + metadata.json (class names,
                   preprocessing, figures), written when training ends

Running the same command again after the process was killed continues from the last committed
epoch; after the run has finished it only reports.
"""

import contextlib
import dataclasses
import json
import math
import os
import shutil
import sys
import tempfile
import time
import warnings

import keras
import numpy as np
import tensorflow as tf

from tfimg import data
from tfimg.atomic import write_json
from tfimg.data.service import service_pipeline
from tfimg.models import (build_model, copy_weights, custom_builder, is_custom, load_model,
                          load_model_folder, save_model_folder)
from tfimg.train.checkpoint import (BestModel, EpochBackup, EpochTimer, best_of,
                                    latest_backup, remove_temporary, write_history_csv)
from tfimg.train.config import TrainConfig
from tfimg.train.distribute import detach_strategy, devices, is_chief, shard_by_data
from tfimg.train.optimization import compile_model, learning_rate_schedule
from tfimg.train.flip_epochs import FlipEpochs
from tfimg.train.freeze_after import FreezeAfter
from tfimg.train.lookahead import Lookahead


def _adapt(model, source, pipeline_config, count=5000):
    """Gives a model with `adapt` (e.g. airbench's whitening layer) up to `count` normalised
    training images, without augmentation."""
    plain = dataclasses.replace(pipeline_config, augment=(), cache=None, shuffle=False)
    pipe = data.build_pipeline(source, plain, training=False)
    images = []
    for batch, _ in pipe.dataset:
        images.append(batch.numpy())
        if sum(len(part) for part in images) >= count:
            break
    model.adapt(np.concatenate(images)[:count])


def _initial_weights(model, config, class_names):
    """Copies the weights of the model folder `config.init` into `model`, after checking that
    it is the same architecture, with the same classes and input."""
    source, metadata = load_model_folder(config.init)
    expected = {"model": config.model, "class_names": list(class_names),
                "preprocessing": config.preprocessing()}
    found = {**metadata, "preprocessing": data.Preprocessing.from_metadata(metadata)}
    for key, value in expected.items():
        if found.get(key) != value:
            raise ValueError(f"init model {config.init!r} has {key}={found.get(key)!r}; "
                             f"this run has {key}={value!r}")
    if not model.built:
        model.build()
    copy_weights(source, model)


@contextlib.contextmanager
def quiet_unknown_length():
    """Drops Keras 3's "Your input ran out of data" warning, which it gives at the end of every
    epoch of a dataset of unknown length although no `steps_per_epoch` was asked for
    (keras-team/keras pull request 23360 limits it to runs that set one). tfimg's pipelines
    have unknown length by design: a bad file is skipped, so the count is known only after
    reading."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Your input ran out of data",
                                category=UserWarning)
        yield


def _sources(config):
    """{"train": source, "validation": source} and the dataset as the model folder records
    it: the class folders' absolute path, or {"tfds": name, "split": validation split}."""
    if config.tfds:
        percent = round(100 * (1 - config.validation))
        splits = {"train": data.from_tfds(config.tfds, f"train[:{percent}%]"),
                  "validation": data.from_tfds(config.tfds, f"train[{percent}%:]")}
        return splits, {"tfds": config.tfds, "split": splits["validation"].split}
    return (data.from_directory(config.data).split(validation=config.validation),
            os.path.abspath(config.data))


def _epochs_in(history):
    return len(next(iter(history.values()), []))


def _one_hot(dataset, num_classes):
    """Labels as one-hot rows, which label smoothing needs."""
    return dataset.map(lambda images, labels: (images, tf.one_hot(labels, num_classes)))


def _pipelines(config, splits, strategy):
    """(training, validation) pipelines; training on tf.data service workers when the config
    names a dispatcher."""
    pipeline_config = config.pipeline_config()
    if config.data_service:
        train_pipe = service_pipeline(splits["train"], config.data_service, pipeline_config,
                                      cache=None, shuffle=True)
    else:
        train_pipe = data.build_pipeline(splits["train"], pipeline_config, shuffle=True)
    validation_pipe = data.build_pipeline(splits["validation"], pipeline_config)
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        train_pipe.dataset = shard_by_data(train_pipe.dataset)
        validation_pipe.dataset = shard_by_data(validation_pipe.dataset)
    return train_pipe, validation_pipe


def _callbacks(config, out, history):
    mode = "min" if "loss" in config.monitor else "max"
    callbacks = [
        EpochTimer(),
        EpochBackup(os.path.join(out, "backups"), history),
        BestModel(os.path.join(out, "best.keras"), config.monitor, mode,
                  best_of(history, config.monitor, mode)),
        keras.callbacks.CSVLogger(os.path.join(out, "history.csv"), append=True),
        keras.callbacks.TensorBoard(os.path.join(out, "logs")),
    ]
    if config.patience:
        callbacks.append(keras.callbacks.EarlyStopping(config.monitor, mode=mode,
                                                       patience=config.patience))
    return callbacks


def _recipe_callbacks(config, model, train_pipe, steps):
    """The callbacks of the recipe settings lookahead, alternating_flip and
    whiten_bias_epochs."""
    callbacks = [FlipEpochs(augment) for augment in train_pipe.config.augment
                 if isinstance(augment, data.AlternatingFlip)]
    if config.lookahead:
        callbacks.append(Lookahead(steps))
    if config.whiten_bias_epochs:
        if not hasattr(model, "whiten_bias"):
            raise ValueError(f"Expected whiten_bias_epochs only for models with a whitening "
                             f"layer (airbench), received model={config.model!r}")
        callbacks.append(FreezeAfter(model.whiten_bias.weights, config.whiten_bias_epochs))
    return callbacks


def train(config, callbacks=(), model=None):
    """Trains (or resumes) the run `config` describes; returns the final model's metadata.

    `callbacks`: more Keras callbacks, called after tfimg's own (timer, backup, best model,
    CSV and TensorBoard logs, early stopping).
    `model`: your own new `keras.Model` to train instead of `config.model`'s architecture
    (inputs (batch, *config.image_size, config.channels) as the pipeline gives them,
    outputs class probabilities); tfimg compiles it. Settings a recipe would set come from
    `config.model`'s recipe; a resumed run continues from its backup. A Keras-serialisable
    model (functional, Sequential, or a registered subclass) is needed to save and resume.

    In a TF_CONFIG cluster every worker runs this with the same config; the chief writes
    `config.out` (see `tfimg.train.distribute`).
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"Expected a TrainConfig, received {type(config).__name__}")
    # A multi-worker strategy must exist before TensorFlow runs anything else.
    strategy, on_gpu = devices()
    final = os.path.join(config.out, "model")
    if os.path.exists(os.path.join(final, "metadata.json")):
        with open(os.path.join(final, "metadata.json"), encoding="utf-8") as file:
            metadata = json.load(file)
        _check_same_run(config, metadata.get("config", {}))
        print(f"{config.out}: finished already; the model is in {final}", file=sys.stderr)
        return metadata
    chief = is_chief()
    if chief:
        _check_out(config.out)
    out = config.out if chief else tempfile.mkdtemp(prefix="tfimg-worker-")
    try:
        metadata = _train(config, strategy, on_gpu, out, list(callbacks), model)
    finally:
        if not chief:
            shutil.rmtree(out, ignore_errors=True)
    epochs = metadata["epochs"]
    print(f"validation accuracy {metadata['validation_accuracy']:.4f} on "
          f"{metadata['validation_examples']} images after {epochs} "
          f"epoch{'s' if epochs != 1 else ''}; model saved to {final}")
    return metadata


def _check_same_run(config, finished):
    """Refuses to report a finished run as the result of different settings (other data, more
    epochs, another model): that would pass an old model off as a new one."""
    current = config.to_json()
    changed = sorted(key for key, value in current.items()
                     if key in finished and finished[key] != value)
    if changed:
        shown = ", ".join(f"{key} {finished[key]!r} -> {current[key]!r}" for key in changed[:4])
        raise ValueError(f"--out {config.out!r} holds a finished run with other settings "
                         f"({shown}); choose a new --out, or remove that folder to train again")


def _check_out(out):
    """Refuses a run folder that holds something other than a tfimg run (whose config.json
    is a `TrainConfig`), so that training never replaces a user's files."""
    if not os.path.isdir(out) or not os.listdir(out):
        return
    try:
        with open(os.path.join(out, "config.json"), encoding="utf-8") as file:
            previous = json.load(file)
        if isinstance(previous, dict) and {"model", "epochs", "batch_size"} <= set(previous):
            return
    except (OSError, ValueError):
        pass
    found = ", ".join(sorted(os.listdir(out))[:3])
    raise ValueError(f"--out {out!r} holds files that are not a tfimg training run ({found}, "
                     f"...); choose a new or empty folder")


def _start(config, on_gpu, out):
    """Writes config.json and sets the seed, determinism and precision of the run."""
    write_json(os.path.join(out, "config.json"), config.to_json())
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    if on_gpu and not config.quantization_aware:  # int8 simulation stays in float32
        keras.mixed_precision.set_global_policy("mixed_float16")


def _new_model(config, class_names, splits, steps_per_epoch, on_gpu, model=None):
    """A new compiled model (`model`, or built from `config.model`), started from
    `config.init` or adapted to the data."""
    input_shape = (*config.image_size, config.channels)
    if model is None:
        # A pretrained base is not loaded when `init` replaces every weight anyway.
        model = build_model(config.model, len(class_names), input_shape,
                            weights=None if config.init else config.weights,
                            quantization_aware=config.quantization_aware)
    _check_outputs(model, input_shape, len(class_names))
    if config.init:
        _initial_weights(model, config, class_names)
    compile_model(model, config, learning_rate_schedule(config, steps_per_epoch), on_gpu)
    if hasattr(model, "adapt") and not config.init:
        _adapt(model, splits["train"], config.pipeline_config())
    return model


def _check_outputs(model, input_shape, num_classes):
    shape = tuple(model(np.zeros((1, *input_shape), "float32")).shape)
    if shape != (1, num_classes):
        raise ValueError(f"Expected the model to map images of shape {input_shape} to "
                         f"{num_classes} class scores, received outputs of shape {shape}")


def _model_and_state(config, strategy, on_gpu, class_names, splits, steps_per_epoch,
                     model=None):
    """(model, history of the epochs done): resumed from the last committed backup of the run
    folder, or new (`model` if given)."""
    backup = latest_backup(os.path.join(config.out, "backups"))
    with strategy.scope():
        if backup:
            model_path, state = backup
            if is_custom(config.model):
                custom_builder(config.model)  # imports the classes it registers
            model = load_model(model_path)
            print(f"resuming after epoch {state['epochs_done']} from {model_path}",
                  file=sys.stderr)
            result = model, state["history"]
        else:
            result = _new_model(config, class_names, splits, steps_per_epoch, on_gpu,
                                model), {}
        detach_strategy(result[0], strategy)
    return result


def _fit(model, config, strategy, on_gpu, pipes, callbacks, class_weight):
    """Trains to `config.epochs` (then fine-tunes a pretrained base); returns the history."""
    train_set, validation_set = pipes
    epoch_backup = next(c for c in callbacks if isinstance(c, EpochBackup))

    def fit(epochs):
        with strategy.scope(), quiet_unknown_length():
            model.fit(train_set, validation_data=validation_set, epochs=epochs,
                      initial_epoch=_epochs_in(epoch_backup.history), callbacks=callbacks,
                      class_weight=class_weight, shuffle=False,  # the pipeline shuffles
                      verbose=1 if sys.stdout.isatty() else 2)

    fine_tuning = getattr(model, "trainable_stages", 0) > 0
    if not fine_tuning and _epochs_in(epoch_backup.history) < config.epochs:
        fit(config.epochs)
    if config.fine_tune_epochs:
        if not fine_tuning:
            with strategy.scope():
                model.set_trainable_stages(config.fine_tune_stages)
                compile_model(model, config, config.fine_tune_learning_rate, on_gpu)
        fit(config.epochs + config.fine_tune_epochs)
    return epoch_backup.history


def _train(config, strategy, on_gpu, out, extra_callbacks, model=None):
    """`train`, writing to `out` (the run folder, or a worker's temporary folder)."""
    _start(config, on_gpu, out)
    given = model is not None
    splits, dataset = _sources(config)
    train_pipe, validation_pipe = _pipelines(config, splits, strategy)
    class_names = train_pipe.class_names
    replicas = strategy.num_replicas_in_sync
    where = ("on the GPU" if on_gpu else "on the CPU") if replicas == 1 else (
        f"on {replicas} devices ({type(strategy).__name__})")
    print(f"{config.data or config.tfds}: {train_pipe.num_examples} training and "
          f"{validation_pipe.num_examples} validation images, {len(class_names)} classes; "
          f"training {where}", file=sys.stderr)
    if out == config.out:
        remove_temporary(os.path.join(out, "backups"))
    steps_per_epoch = math.ceil(train_pipe.num_examples / config.batch_size)
    model, history = _model_and_state(config, strategy, on_gpu, class_names, splits,
                                      steps_per_epoch, model)
    write_history_csv(os.path.join(out, "history.csv"), history)
    callbacks = (_recipe_callbacks(config, model, train_pipe, config.epochs * steps_per_epoch)
                 + _callbacks(config, out, history) + extra_callbacks)
    class_weight = splits["train"].class_weights() if config.class_weight == "auto" else None
    start = time.perf_counter()
    pipes = [_one_hot(pipe.dataset, len(class_names)) for pipe in (train_pipe, validation_pipe)]
    history = _fit(model, config, strategy, on_gpu, pipes, callbacks, class_weight)
    with strategy.scope(), quiet_unknown_length():
        loss, accuracy = model.evaluate(pipes[1], verbose=0)
    metadata = _metadata(config, dataset, (train_pipe, validation_pipe), (loss, accuracy),
                         history, time.perf_counter() - start)
    if given:
        metadata["model"] = f"{type(model).__module__}.{type(model).__qualname__}"
    save_model_folder(model, metadata, os.path.join(out, "model"))
    return metadata


def _metadata(config, dataset, pipes, evaluation, history, seconds):
    """The model folder's metadata.json of a classifier."""
    train_pipe, validation_pipe = pipes
    loss, accuracy = evaluation
    return {
        "task": "classify",
        "model": config.model,
        "quantization_aware": config.quantization_aware,
        "class_names": list(train_pipe.class_names),
        "preprocessing": train_pipe.config.preprocessing.to_json(),
        "dataset": dataset,
        "train_examples": train_pipe.num_examples,
        "validation_examples": validation_pipe.num_examples,
        "validation_accuracy": float(accuracy),
        "validation_loss": float(loss),
        "epochs": _epochs_in(history),
        "train_seconds_this_process": round(seconds, 1),
        "history": history,
        "config": config.to_json(),
    }

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

import csv
import json
import os
import sys
import time

import keras
import tensorflow as tf

from tfimg import data
from tfimg.models import build_model, load_model
from tfimg.train.checkpoint import (BestModel, EpochBackup, best_of, latest_backup,
                                    remove_temporary, write_json)
from tfimg.train.config import TrainConfig
from tfimg.train.saving import save_model_folder


def _devices():
    """(strategy, on_gpu): MirroredStrategy over several GPUs, the default one otherwise."""
    gpus = tf.config.list_physical_devices("GPU")
    strategy = tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    return strategy, bool(gpus)


def _trim_csv(path, epochs_done):
    """Keeps the header and the rows of committed epochs: a killed run may have logged an
    epoch whose backup it never committed."""
    if not os.path.exists(path):
        return
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    kept = rows[:1] + [row for row in rows[1:] if row and int(row[0]) < epochs_done]
    with open(path, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(kept)


def _new_model(config, num_classes, on_gpu):
    model = build_model(config.model, num_classes, (*config.image_size, config.channels))
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=on_gpu)
    return model


def train(config):
    """Trains (or resumes) the run `config` describes; returns the final model's metadata."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"Expected a TrainConfig, received {type(config).__name__}")
    final = os.path.join(config.out, "model")
    if os.path.exists(os.path.join(final, "metadata.json")):
        print(f"{config.out}: finished already; the model is in {final}", file=sys.stderr)
        with open(os.path.join(final, "metadata.json"), encoding="utf-8") as file:
            return json.load(file)
    write_json(os.path.join(config.out, "config.json"), config.to_json())
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    strategy, on_gpu = _devices()
    if on_gpu:
        keras.mixed_precision.set_global_policy("mixed_float16")

    splits = data.from_directory(config.data).split(validation=config.validation)
    pipeline_config = config.pipeline_config()
    train_pipe = data.build_pipeline(splits["train"], pipeline_config, shuffle=True)
    validation_pipe = data.build_pipeline(splits["validation"], pipeline_config)
    class_names = train_pipe.class_names
    print(f"{config.data}: {train_pipe.num_examples} training and "
          f"{validation_pipe.num_examples} validation images, {len(class_names)} classes",
          file=sys.stderr)

    backups = os.path.join(config.out, "backups")
    remove_temporary(backups)
    backup = latest_backup(backups)
    with strategy.scope():
        if backup:
            model_path, state = backup
            model = load_model(model_path)
            epochs_done, history = state["epochs_done"], state["history"]
            print(f"resuming after epoch {epochs_done} from {model_path}", file=sys.stderr)
        else:
            model = _new_model(config, len(class_names), on_gpu)
            epochs_done, history = 0, {}
    history_csv = os.path.join(config.out, "history.csv")
    _trim_csv(history_csv, epochs_done)
    mode = "min" if "loss" in config.monitor else "max"
    callbacks = [
        EpochBackup(backups, history),
        BestModel(os.path.join(config.out, "best.keras"), config.monitor, mode,
                  best_of(history, config.monitor, mode)),
        keras.callbacks.CSVLogger(history_csv, append=True),
        keras.callbacks.TensorBoard(os.path.join(config.out, "logs")),
    ]
    if config.patience:
        callbacks.append(keras.callbacks.EarlyStopping(config.monitor, mode=mode,
                                                       patience=config.patience))
    class_weight = splits["train"].class_weights() if config.class_weight == "auto" else None
    start = time.perf_counter()
    if epochs_done < config.epochs:
        model.fit(train_pipe.dataset, validation_data=validation_pipe.dataset,
                  epochs=config.epochs, initial_epoch=epochs_done, callbacks=callbacks,
                  class_weight=class_weight, shuffle=False,  # the pipeline shuffles
                  verbose=1 if sys.stdout.isatty() else 2)
    history = callbacks[0].history
    loss, accuracy = model.evaluate(validation_pipe.dataset, verbose=0)
    metadata = {
        "model": config.model,
        "class_names": list(class_names),
        "image_size": list(config.image_size),
        "channels": config.channels,
        "normalize": config.normalize,
        "resize_mode": pipeline_config.resize_mode,
        "dataset": os.path.abspath(config.data),
        "train_examples": train_pipe.num_examples,
        "validation_examples": validation_pipe.num_examples,
        "validation_accuracy": float(accuracy),
        "validation_loss": float(loss),
        "epochs": len(next(iter(history.values()), [])),
        "train_seconds_this_process": round(time.perf_counter() - start, 1),
        "history": history,
        "config": config.to_json(),
    }
    save_model_folder(model, metadata, final)
    print(f"validation accuracy {accuracy:.4f} on {validation_pipe.num_examples} images after "
          f"{metadata['epochs']} epochs; model saved to {final}")
    return metadata

"""Checkpoints that survive the process being killed at any moment, and resuming from them.

Keras writes `.keras` files in place, so a process killed mid-write leaves a torn file. Here each
epoch's backup is a pair written in order: `epoch-NNNN.keras` (the whole model with its optimizer
state) under a temporary name and renamed, then `epoch-NNNN.json` (the history so far) the same
way. The JSON is the commit mark: a backup counts only when both files are there, and older
pairs are deleted only after a newer one is committed. A kill at any point leaves the last
committed pair, from which training resumes.
"""

import csv
import glob
import json
import math
import os
import re
import time

import keras

from tfimg.atomic import write_atomically, write_json

_BACKUP_NAME = re.compile(r"epoch-(\d{4,})\.json$")


def remove_temporary(directory):
    """Deletes the temporary files a killed process left in `directory`."""
    for path in glob.glob(os.path.join(directory, ".tmp-*")):
        os.remove(path)


def latest_backup(directory):
    """(model path, state dict) of the newest committed backup in `directory`, or None."""
    committed = []
    for path in glob.glob(os.path.join(directory, "epoch-*.json")):
        match = _BACKUP_NAME.search(path)
        model_path = path[:-len(".json")] + ".keras"
        if match and os.path.exists(model_path):
            committed.append((int(match.group(1)), model_path, path))
    if not committed:
        return None
    _, model_path, state_path = max(committed)
    with open(state_path, encoding="utf-8") as file:
        return model_path, json.load(file)


def write_history_csv(path, history):
    """Writes the per-epoch log `history.csv` (Keras' CSVLogger layout: epoch, then the
    metrics in name order) from a committed history, so that an epoch whose backup was
    committed is in the log even when the process died before logging it, and an epoch
    logged but never committed is not."""
    names = sorted(history)

    def write(temporary):
        with open(temporary, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            if names:
                writer.writerow(["epoch", *names])
            for epoch in range(len(history[names[0]]) if names else 0):
                writer.writerow([epoch, *(history[name][epoch] for name in names)])

    write_atomically(path, write)


class EpochTimer(keras.callbacks.Callback):
    """Adds `epoch_seconds` (wall time of the epoch, validation included) to each epoch's logs;
    list it before the callbacks that record the logs."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self._start


class EpochBackup(keras.callbacks.Callback):
    """Commits a backup pair at the end of every epoch (see the module docstring).

    Args:
        directory: where the pairs are kept.
        history: the history (metric name -> list of values) of the epochs before this run,
            extended with each epoch's logs.
        monitor, mode: the metric whose best value is recorded in the state.
    """

    def __init__(self, directory, history=None, monitor="val_accuracy", mode="max"):
        super().__init__()
        self.directory = directory
        self.history = {key: list(values) for key, values in (history or {}).items()}
        self.monitor = monitor
        self.mode = mode

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        stem = os.path.join(self.directory, f"epoch-{epoch + 1:04d}")
        write_atomically(stem + ".keras", self.model.save)
        write_json(stem + ".json", {"epochs_done": epoch + 1, "history": self.history})
        for old in glob.glob(os.path.join(self.directory, "epoch-*.*")):
            if not old.startswith(stem + "."):
                os.remove(old)


class BestModel(keras.callbacks.Callback):
    """Saves the model when `monitor` improves, atomically (unlike Keras's ModelCheckpoint,
    which writes in place), starting from the best value of the epochs already done."""

    def __init__(self, path, monitor="val_accuracy", mode="max", best=None):
        super().__init__()
        if mode not in ("max", "min"):
            raise ValueError(f"Expected mode 'max' or 'min', received {mode!r}")
        self.path = path
        self.monitor = monitor
        self.mode = mode
        self.best = best if best is not None else (-math.inf if mode == "max" else math.inf)

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise ValueError(f"Expected the metric {self.monitor!r} in the epoch logs, received "
                             f"{sorted(logs or {})}")
        better = value > self.best if self.mode == "max" else value < self.best
        if better:
            self.best = float(value)
            write_atomically(self.path, self.model.save)


def best_of(history, monitor, mode):
    """The best value of `monitor` in a history dict, or None."""
    values = history.get(monitor) or []
    if not values:
        return None
    return max(values) if mode == "max" else min(values)

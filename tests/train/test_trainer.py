"""Tests for tfimg.train.train: the run folder, resuming, and surviving SIGKILL."""

import csv
import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import time
import warnings

import keras
import pytest
import tensorflow as tf

from tfimg.data import build_pipeline, from_directory
from tfimg.train import TrainConfig, train
from tfimg.train.checkpoint import latest_backup

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def digits(digits_subset):
    return digits_subset(30)


def _history_rows(out):
    with open(os.path.join(out, "history.csv"), newline="") as file:
        return list(csv.DictReader(file))


@pytest.mark.slow
def test_train_writes_the_run_folder_and_a_second_run_only_reports(digits, tmp_path):
    config = TrainConfig(data=str(digits), epochs=2, out=str(tmp_path / "run"),
                         image_size=(24, 24), batch_size=32, patience=5)
    seen = []
    metadata = train(config, callbacks=[keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append((epoch, sorted(logs))))])
    out = tmp_path / "run"
    # Extra callbacks come after tfimg's: they see the epoch time it adds to the logs.
    assert [epoch for epoch, _ in seen] == [0, 1] and "epoch_seconds" in seen[0][1]
    assert all(seconds > 0 for seconds in metadata["history"]["epoch_seconds"])
    assert json.loads((out / "config.json").read_text()) == config.to_json()
    assert config.to_json()["image_size"] == [24, 24]
    assert [row["epoch"] for row in _history_rows(out)] == ["0", "1"]
    model_path, state = latest_backup(out / "backups")
    assert model_path.endswith("epoch-0002.keras") and state["epochs_done"] == 2
    assert sorted(os.listdir(out / "backups")) == ["epoch-0002.json", "epoch-0002.keras"]
    assert (out / "best.keras").is_file() and (out / "model" / "model.keras").is_file()
    assert metadata["class_names"] == [str(i) for i in range(10)]
    assert metadata["epochs"] == 2 and len(metadata["history"]["val_accuracy"]) == 2
    assert metadata["train_examples"] + metadata["validation_examples"] == 300
    assert list((out / "logs").iterdir())  # TensorBoard event folders
    assert train(config) == metadata  # Finished: nothing is trained again.
    # Other settings into the finished run are refused, not answered with the old model.
    with pytest.raises(ValueError, match=r"finished run with other settings \(epochs 2 -> 5"):
        train(dataclasses.replace(config, epochs=5))


def test_config_file_then_explicit_values(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"data": "d", "epochs": 7, "image_size": [16, 16]}))
    config = TrainConfig.load(str(path), epochs=3, seed=None)
    assert (config.data, config.epochs, config.image_size, config.seed) == ("d", 3, (16, 16), 0)
    assert config.out == os.path.join("runs", "cifar_cnn")
    path.write_text(json.dumps({"data": "d", "epoch": 7}))
    with pytest.raises(ValueError, match="Unknown settings \\['epoch'\\]"):
        TrainConfig.load(str(path))


def test_flip_augments_the_training_pipeline_only():
    assert TrainConfig(data="d").pipeline_config().augment == ()
    (layer,) = TrainConfig(data="d", flip=True).pipeline_config().augment
    assert type(layer).__name__ == "RandomFlip" and layer.mode == "horizontal"


@pytest.mark.parametrize("values, message", [
    ({"model": "vgg"}, "Expected model in"),
    ({"epochs": 0}, "epochs >= 1"),
    ({"validation": 1.0}, "0 < validation < 1"),
    ({"class_weight": "balanced"}, "class_weight 'auto' or None"),
    ({"normalize": "zscore"}, "normalize"),
])
def test_bad_settings_are_named(values, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(data="d", **values)


def _start(digits, out, epochs):
    command = [sys.executable, "-m", "tfimg.cli", "train", "--data", str(digits),
               "--epochs", str(epochs), "--out", str(out), "--image-size", "24", "24",
               "--batch-size", "16"]
    return subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _kill_while_writing(process, backups, timeout):
    """SIGKILLs `process` as soon as a temporary checkpoint file appears; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if os.path.isdir(backups) and any(name.startswith(".tmp-")
                                          for name in os.listdir(backups)):
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.002)
    return False


@pytest.mark.slow
def test_training_killed_at_random_moments_resumes_and_finishes_every_epoch(digits, tmp_path):
    epochs, out = 24, tmp_path / "run"  # more than the kills below leave time for
    backups = out / "backups"
    chooser = random.Random(3)
    kills = {"random": 0, "while writing": 0}
    for attempt in range(7):
        process = _start(digits, out, epochs)
        if attempt % 2 and _kill_while_writing(process, backups, timeout=60):
            kills["while writing"] += 1
            continue
        time.sleep(chooser.uniform(4.0, 12.0))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills["random"] += 1
        state = latest_backup(backups)
        if state and state[1]["epochs_done"] == epochs:
            break
    print(f"SIGKILLs: {kills}")
    assert kills["while writing"] >= 3 and sum(kills.values()) >= 6, kills
    finish = _start(digits, out, epochs)
    assert finish.wait(timeout=300) == 0
    metadata = json.loads((out / "model" / "metadata.json").read_text())
    assert metadata["epochs"] == epochs
    assert len(metadata["history"]["loss"]) == epochs
    assert [int(row["epoch"]) for row in _history_rows(out)] == list(range(epochs))
    assert not [name for name in os.listdir(backups) if name.startswith(".tmp-")]


def test_out_that_is_not_a_tfimg_run_is_refused_and_left_alone(digits, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "config.json").write_text('{"my": "settings"}')
    (out / "notes.txt").write_text("keep")
    config = TrainConfig(data=str(digits), epochs=1, out=str(out), image_size=(16, 16))
    with pytest.raises(ValueError, match=r"not a tfimg training run \(config.json, notes.txt"):
        train(config)
    assert (out / "config.json").read_text() == '{"my": "settings"}'
    assert sorted(os.listdir(out)) == ["config.json", "notes.txt"]


@pytest.mark.slow
def test_an_epoch_committed_but_never_logged_is_logged_on_resume(digits, tmp_path):
    out = tmp_path / "run"
    settings = dict(data=str(digits), out=str(out), image_size=(24, 24), batch_size=64)
    train(TrainConfig(epochs=1, **settings))
    # As if killed after the backup commit but before the CSV row, with a foreign row too.
    (out / "history.csv").write_text("not,a,log\nx,y,z\n")
    (out / "model" / "metadata.json").unlink()  # not finished: resume to 2 epochs
    train(TrainConfig(epochs=2, **settings))
    rows = _history_rows(out)
    assert [row["epoch"] for row in rows] == ["0", "1"]
    state = latest_backup(out / "backups")[1]
    assert float(rows[0]["val_accuracy"]) == pytest.approx(state["history"]["val_accuracy"][0])


def test_training_gives_no_false_ran_out_of_data_warning(digits, tmp_path):
    config = TrainConfig(data=str(digits), epochs=2, out=str(tmp_path / "run"),
                         image_size=(24, 24), batch_size=64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train(config)
    assert not [w for w in caught if "ran out of data" in str(w.message)]
    # The cause: a skip-and-retry pipeline's length is unknown until it has been read.
    pipeline = build_pipeline(from_directory(str(digits)), image_size=(16, 16))
    assert pipeline.dataset.cardinality().numpy() == tf.data.UNKNOWN_CARDINALITY

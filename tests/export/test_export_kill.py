"""An export killed at random moments leaves only complete, loadable versions."""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest
import tensorflow as tf

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def model_folder(digits_cnn):
    return digits_cnn(1)  # a SavedModel's parity is exact whatever the accuracy


@pytest.mark.slow
def test_export_killed_at_random_moments_leaves_complete_versions_only(model_folder, digits,
                                                                       tmp_path):
    out = tmp_path / "exports"
    command = [sys.executable, "-m", "tfimg.cli", "export", "--model", model_folder,
               "--data", str(digits), "--out", str(out), "--name", "m", "--parity-images", "50"]
    chooser = random.Random(5)
    kills = 0
    for _ in range(6):
        process = subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        # Killed at a random moment after start-up (which takes 3 s on a quiet machine and
        # much longer on a busy one), while the export is being written and checked.
        deadline = time.monotonic() + 120
        while not (out / "m").exists() and process.poll() is None and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(chooser.uniform(0.0, 4.0))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    assert kills >= 3, kills
    versions = [name for name in os.listdir(out / "m") if not name.startswith(".tmp-")]
    assert all(name.isdigit() for name in versions)
    images = tf.constant([open(p, "rb").read() for p in sorted(digits.glob("0/*.png"))[:2]])
    for name in versions:  # each complete and loadable
        assert json.loads((out / "m" / name / "parity.json").read_text())["passed"]
        scores = tf.saved_model.load(str(out / "m" / name)).signatures["serving_default"](
            image_bytes=images)["scores"]
        assert scores.shape == (2, 10)
    shutil.rmtree(out)

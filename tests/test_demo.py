import json
import os

import keras
import numpy as np
import pytest

from tfimg.data.digits import write_digits
from tfimg.models import build_model
from tfimg.demo import DemoConfig, run_demo
from tfimg.train import TrainConfig
from tfimg.models import load_model_folder
from tfimg.train.trainer import _initial_weights


def test_digits_written_once_as_class_folders(tmp_path):
    root = write_digits(tmp_path / "digits")
    folders = sorted(p.name for p in (tmp_path / "digits").iterdir())
    assert folders == [str(i) for i in range(10)]
    assert sum(1 for _ in (tmp_path / "digits").glob("*/*.png")) == 1797
    assert write_digits(root) == root  # second call reuses the folder


@pytest.mark.slow
def test_demo_trains_evaluates_exports_and_serves(tmp_path, monkeypatch):
    monkeypatch.setenv("TFIMG_HOME", str(tmp_path / "home"))
    out = tmp_path / "model"
    exports = tmp_path / "exports"
    result = run_demo(DemoConfig(epochs=3, out=str(out), exports=str(exports)))
    table = "\n".join(result["demo_steps"])
    metadata = json.loads((out / "metadata.json").read_text())
    assert (exports / "model" / "1" / "saved_model.pb").is_file()
    assert json.loads((exports / "tflite" / "model" / "1" / "parity.json").read_text())[
        "kind"] == "tflite-int8"
    assert (exports / "model-evaluation" / "confusion_matrix.png").is_file()
    for step in ("trained model", "evaluation", "SavedModel", "TFLite int8", "served"):
        assert f"| {step}" in table
    served = next(row for row in result["demo_steps"] if row.startswith("| served"))
    correct = int(served.split("|")[3].split("/")[0])
    assert correct >= 12  # of 16 held-out digits, through the REST server
    assert (out / "model.keras").is_file()
    assert metadata["class_names"] == [str(i) for i in range(10)]
    assert metadata["train_examples"] + metadata["validation_examples"] == 1797
    # Three epochs of the survey's CNN on digits reach well above chance (10%).
    assert result["validation_accuracy"] > 0.8
    assert not list(tmp_path.glob(".staging-*"))
    # `tfimg train --init` (e.g. for quantisation-aware fine-tuning) accepts the demo's model.
    config = TrainConfig(data="digits", init=str(out), quantization_aware=True)
    model = build_model("cifar_cnn", 10, (32, 32, 3), quantization_aware=True)
    _initial_weights(model, config, metadata["class_names"])
    trained, _ = load_model_folder(out)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.conv1.kernel),
                                  keras.ops.convert_to_numpy(trained.conv1.kernel))


def test_demo_config_rejects_two_sources():
    with pytest.raises(ValueError, match="either data or tfds"):
        DemoConfig(data="x", tfds="mnist")


def test_run_folders_of_killed_demos_are_removed(tmp_path):
    import subprocess
    import sys

    from tfimg.demo.job import _remove_abandoned_runs

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead, alive = int(finished.stdout), os.getpid()
    (tmp_path / f".demo-run-{dead}-abc123").mkdir()
    (tmp_path / f".demo-run-{alive}-def456").mkdir()
    (tmp_path / "model").mkdir()
    _remove_abandoned_runs(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".demo-run-{alive}-def456", "model"]

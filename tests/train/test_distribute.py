"""Training on a TF_CONFIG cluster of two local worker processes, and with the training
images decoded on tf.data service workers; all on 127.0.0.1."""

import collections
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tfimg import data
from tfimg.data.service import service_pipeline
from tfimg.train import TrainConfig, train
from tfimg.train.distribute import is_chief

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def digits(digits_subset):
    return digits_subset(24)


@pytest.fixture(scope="module")
def service():
    """A tf.data service dispatcher and two workers on localhost; yields the dispatcher's
    address."""
    service = tf.data.experimental.service
    dispatcher = service.DispatchServer(service.DispatcherConfig(port=0))
    address = dispatcher.target.split("://")[1]
    # Frequent heartbeats: stopping a worker waits for one (30 s by default).
    workers = [service.WorkerServer(service.WorkerConfig(dispatcher_address=address, port=0,
                                                         heartbeat_interval_ms=100))
               for _ in range(2)]
    yield dispatcher.target
    for worker in workers:
        worker.stop()
    dispatcher.stop()


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def test_chief_is_worker_0_unless_the_cluster_has_a_chief():
    workers = {"worker": ["a:1", "b:1"]}
    assert is_chief("")
    assert is_chief(json.dumps({"cluster": workers, "task": {"type": "worker", "index": 0}}))
    assert not is_chief(json.dumps({"cluster": workers, "task": {"type": "worker", "index": 1}}))
    with_chief = {"chief": ["c:1"], **workers}
    assert is_chief(json.dumps({"cluster": with_chief, "task": {"type": "chief", "index": 0}}))
    assert not is_chief(json.dumps({"cluster": with_chief,
                                    "task": {"type": "worker", "index": 0}}))


@pytest.mark.slow
def test_two_workers_train_one_epoch_together_and_the_chief_writes_the_model(digits,
                                                                             tmp_path):
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
    out = tmp_path / "run"
    processes = []
    for index in range(2):
        scratch = tmp_path / f"tmp{index}"
        scratch.mkdir()
        env = dict(os.environ, TMPDIR=str(scratch), CUDA_VISIBLE_DEVICES="",
                   TF_CONFIG=json.dumps({"cluster": cluster,
                                         "task": {"type": "worker", "index": index}}))
        command = [sys.executable, "-m", "tfimg.cli", "train", "--data", str(digits),
                   "--epochs", "1", "--out", str(out), "--image-size", "24", "24",
                   "--batch-size", "32", "--validation", "0.25"]
        processes.append(subprocess.Popen(command, cwd=REPOSITORY, env=env, text=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs[-1][-3000:]
    metadata = json.loads((out / "model" / "metadata.json").read_text())
    assert metadata["epochs"] == 1
    assert metadata["train_examples"] + metadata["validation_examples"] == 240
    assert all("on 2 devices (CollectiveAllReduceStrategy)" in output for output in outputs)
    # (MultiWorkerMirroredStrategy is CollectiveAllReduceStrategy.) The second worker wrote
    # only to its temporary folder, and removed it.
    assert os.listdir(tmp_path / "tmp1") == []


def test_service_pipeline_delivers_every_image_once_per_epoch(digits, service):
    files = data.from_directory(digits)
    config = data.PipelineConfig(image_size=(16, 16), batch_size=32, shuffle=True)
    local = np.concatenate([labels for _, labels in data.build_pipeline(files, config).dataset])
    pipe = service_pipeline(files, service, config)
    for _ in range(2):
        batches = list(pipe.dataset)
        labels = np.concatenate([labels for _, labels in batches])
        assert collections.Counter(labels.tolist()) == collections.Counter(local.tolist())
        assert all(images.dtype == tf.float32 and images.shape[1:] == (16, 16, 3)
                   for images, _ in batches)


def test_service_pipeline_rejects_what_workers_cannot_run(digits, service):
    files = data.from_directory(digits)
    with pytest.raises(ValueError, match="cache=None"):
        service_pipeline(files, service, cache="memory")
    with pytest.raises(ValueError, match="grpc://host:port"):
        service_pipeline(files, "localhost:5050")


@pytest.mark.slow
def test_training_fed_by_the_service(digits, service, tmp_path):
    config = TrainConfig(data=str(digits), epochs=2, out=str(tmp_path / "run"),
                         image_size=(24, 24), batch_size=32, data_service=service)
    metadata = train(config)
    assert metadata["epochs"] == 2
    assert json.loads((tmp_path / "run" / "config.json").read_text())["data_service"] == service

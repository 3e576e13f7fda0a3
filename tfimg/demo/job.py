"""The main job end to end: files on disk -> scan -> split -> tf.data -> the survey's CNN ->
evaluation -> SavedModel and integer TFLite exports (each checked against the Keras model) ->
a local TF Serving-style server that classifies held-out images.

`run_demo(DemoConfig())` runs it on the embedded digits; `data=` points it at any class
folders (e.g. the CIFAR-10 JPEGs) and `tfds=` at a tensorflow-datasets name. Training is a
preset of `tfimg.train.train` (the survey's CNN, Adam, 15 epochs).
"""

import glob
import os
import shutil
import sys
import time

from tfimg import data
from tfimg.atomic import replace_folder, staging_folder
from tfimg.data.digits import write_digits
from tfimg.demo.config import DemoConfig
from tfimg.export import ExportConfig, ParityError, export
from tfimg.models import read_metadata
from tfimg.serve import Client, ServeConfig, Server
from tfimg.train.config import TrainConfig
from tfimg.train.evaluate import evaluate
from tfimg.train.trainer import train

# Validation images the demo sends to its server.
_SERVED_IMAGES = 16


def train_config(config, data_dir, out):
    """The `TrainConfig` of the demo `config`'s training run on `data_dir` (None with tfds)
    in the run folder `out`."""
    return TrainConfig(data=data_dir, tfds=config.tfds, model="cifar_cnn", out=out,
                       epochs=config.epochs, batch_size=config.batch_size, optimizer="adam",
                       learning_rate=config.learning_rate, image_size=config.image_size,
                       validation=config.validation, seed=config.seed, cache=config.cache)


def _remove_abandoned_runs(parent):
    """Deletes the run folders of demos whose process is gone (killed before cleaning up)."""
    for path in glob.glob(os.path.join(parent, ".demo-run-*-*")):
        pid = os.path.basename(path).split("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _train(config, root):
    """Trains in a fresh run folder beside the model folder, then swaps the model in."""
    parent = os.path.dirname(os.path.abspath(config.out))
    _remove_abandoned_runs(parent)
    run = staging_folder(parent, f".demo-run-{os.getpid()}-")
    try:
        metadata = train(train_config(config, root, run))
        replace_folder(os.path.join(run, "model"), config.out)
    finally:
        shutil.rmtree(run, ignore_errors=True)
    return metadata


def _evaluate(config, root, name):
    """Accuracy on the held-out split, with a confusion matrix and training curves as PNG."""
    results = evaluate(config.out, root, validation=config.validation)
    figures = os.path.join(config.exports, f"{name}-evaluation")
    try:
        from tfimg.train.plots import plot_confusion_matrix, plot_history
    except ImportError:  # plots are optional
        return results, None
    os.makedirs(figures, exist_ok=True)
    plot_confusion_matrix(results["confusion_matrix"], results["class_names"],
                          os.path.join(figures, "confusion_matrix.png"))
    plot_history(read_metadata(config.out)["history"], os.path.join(figures, "curves.png"))
    return results, figures


def _export(config, name, **settings):
    """(version folder, parity figures) of one export, or (None, the refusal)."""
    try:
        return export(ExportConfig(model=config.out, out=config.exports, name=name,
                                   **settings))
    except ParityError as error:
        return None, str(error)


def _serve(saved_model, name, root, config):
    """(correct, sent, milliseconds per request): held-out images classified through a local
    server on a free loopback port."""
    files = data.from_directory(root).split(config.validation)["validation"]
    paths = files.full_paths()[:_SERVED_IMAGES]
    labels = files.labels[:_SERVED_IMAGES]
    with Server(ServeConfig(model=saved_model, name=name, port=0), log_level="warning") as server:
        client = Client(server.url, name)
        start = time.perf_counter()
        answers = [client.classify([path], top_k=1)[0][0][0] for path in paths]
        milliseconds = 1000 * (time.perf_counter() - start) / max(1, len(paths))
    correct = sum(answer == files.class_names[label] for answer, label in zip(answers, labels))
    return correct, len(paths), milliseconds


def _row(step, where, figures):
    return f"| {step} | {where} | {figures} |"


def _export_row(kind, result):
    target, figures = result
    if target is None:
        return _row(kind, "-", f"refused: {figures}")
    return _row(kind, target, f"{figures['bytes'] / 2**20:.2f} MiB, top-1 agreement "
                              f"{figures['top1_agreement']:.2%} on {figures['examples']} "
                              f"images, {figures['latency_ms_per_image']:.2f} ms per image")


def run_demo(config=DemoConfig()):
    """Runs the job; prints a table of what was written where with its figures; returns the
    model folder's metadata (validation accuracy, counts, time) with the table's rows under
    "demo_steps"."""
    start = time.perf_counter()
    root = None
    if not config.tfds:
        root = config.data or write_digits()
        print(data.scan(root, progress=True).summary(), file=sys.stderr)
    metadata = _train(config, root)
    name = os.path.basename(os.path.abspath(config.out))
    rows = [_row("trained model", config.out,
                 f"validation accuracy {metadata['validation_accuracy']:.4f} on "
                 f"{metadata['validation_examples']} held-out images, {metadata['epochs']} "
                 f"epochs, {metadata['train_seconds_this_process']:.0f} s")]
    if root:
        results, figures = _evaluate(config, root, name)
        rows.append(_row("evaluation", figures or "-",
                         f"accuracy {results['accuracy']:.4f} on {results['examples']} "
                         f"held-out images" + (", confusion matrix and curves (PNG)"
                                               if figures else "")))
    saved_model = _export(config, name)
    rows.append(_export_row("SavedModel (TF Serving)", saved_model))
    rows.append(_export_row(f"TFLite {config.quantize}",
                            _export(config, name, format="tflite", quantize=config.quantize)))
    if config.serve and root and saved_model[0]:
        correct, sent, milliseconds = _serve(saved_model[0], name, root, config)
        rows.append(_row("served (REST, loopback)", f"/v1/models/{name}:predict",
                         f"{correct}/{sent} held-out images classified correctly, "
                         f"{milliseconds:.1f} ms per request"))
    table = ["", "| step | where | figures |", "|---|---|---|", *rows]
    print("\n".join(table) + f"\n\ndone in {time.perf_counter() - start:.0f} s")
    return {**metadata, "demo_steps": rows}

"""Training throughput: tfimg's training loop against plain Keras `fit` on NumPy arrays.

    python benchmarks/train_cifar.py --data /tmp/cifar/train --limit 10000 --epochs 4

Both train the same model with the same optimizer and batch size, in one process, in
alternating order (`--repeats`). tfimg's loop is `tfimg.train.train`: images decoded from
JPEG files by the input pipeline (cached in memory after the first epoch), one-hot labels,
per-epoch backups, best model, CSV and TensorBoard logs. The reference gets the same images
already decoded and standardised as NumPy arrays (prepared untimed) and no callbacks. Rates
are training images per second of epoch wall time, tfimg's callbacks included (both validate
on the same held-out images every epoch); the ratio is tfimg / reference over the epochs after
the first, whose decoding is shown on its own column.
"""

import argparse
import dataclasses
import os
import platform
import shutil
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfimg import data  # noqa: E402
from tfimg.models import build_model  # noqa: E402
from tfimg.train import TrainConfig, train  # noqa: E402
from tfimg.train.optimization import compile_model, learning_rate_schedule  # noqa: E402


class _Timer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def subset_folder(root, limit, scratch):
    """Class folders of `limit` files of `root` picked by the tfimg hash split (symlinks)."""
    files = data.from_directory(root)
    if not limit or limit >= len(files):
        return root
    kept = files.subset(range(0, len(files), max(1, len(files) // limit))[:limit])
    for path in kept.paths:
        target = os.path.join(scratch, "subset", path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.symlink(os.path.join(files.root, path), target)
    return os.path.join(scratch, "subset")


def arrays(config):
    """(train, validation) as (float32 images, one-hot labels) NumPy arrays, decoded by the
    same pipeline (untimed)."""
    splits = data.from_directory(config.data).split(validation=config.validation)
    pipeline_config = dataclasses.replace(config.pipeline_config(), cache=None, augment=())
    result = []
    for name in ("train", "validation"):
        pipe = data.build_pipeline(splits[name], pipeline_config, training=False)
        images, labels = zip(*[(x.numpy(), y.numpy()) for x, y in pipe.dataset])
        labels = np.concatenate(labels)
        result.append((np.concatenate(images),
                       np.eye(len(pipe.class_names), dtype="float32")[labels]))
    return result


def reference_rates(config, train_set, validation_set):
    keras.utils.set_random_seed(config.seed)
    model = build_model(config.model, train_set[1].shape[1], train_set[0].shape[1:])
    steps = int(np.ceil(len(train_set[0]) / config.batch_size))
    compile_model(model, config, learning_rate_schedule(config, steps), on_gpu=False)
    timer = _Timer()
    model.fit(*train_set, batch_size=config.batch_size, epochs=config.epochs, shuffle=True,
              validation_data=validation_set, callbacks=[timer], verbose=0)
    return [len(train_set[0]) / seconds for seconds in timer.seconds]


def tfimg_rates(config, scratch):
    out = tempfile.mkdtemp(dir=scratch)
    timer = _Timer()  # called after tfimg's own callbacks: their time counts
    metadata = train(TrainConfig(**{**config.to_json(), "out": out}), callbacks=[timer])
    shutil.rmtree(out)
    return [metadata["train_examples"] / seconds for seconds in timer.seconds]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CIFAR-10-style class folders")
    parser.add_argument("--limit", type=int, default=10000, help="images used (0: all)")
    parser.add_argument("--model", default="cifar_cnn")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first epoch decodes)")
    scratch = tempfile.mkdtemp(prefix="tfimg-bench-")
    try:
        root = subset_folder(args.data, args.limit, scratch)
        config = TrainConfig(data=root, model=args.model, epochs=args.epochs,
                             batch_size=args.batch_size, validation=0.1, out=scratch)
        train_set, validation_set = arrays(config)
        print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
              f"TensorFlow {tf.__version__}, Keras {keras.__version__}; model {config.model}, "
              f"batch {config.batch_size}, {len(train_set[0])} training and "
              f"{len(validation_set[0])} validation images, {args.epochs} epochs, "
              f"{args.repeats} repeats")
        runs = {"reference": [], "tfimg": []}
        for _ in range(args.repeats):
            runs["tfimg"].append(tfimg_rates(config, scratch))
            runs["reference"].append(reference_rates(config, train_set, validation_set))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    def later(name):
        return statistics.median(rate for run in runs[name] for rate in run[1:])

    def first(name):
        return statistics.median(run[0] for run in runs[name])

    print("\n| loop | first epoch (images/s) | later epochs (images/s, median) |")
    print("|---|---:|---:|")
    print(f"| Keras fit on NumPy arrays (reference) | {first('reference'):,.0f} | "
          f"{later('reference'):,.0f} |")
    print(f"| tfimg.train (JPEG files, cached) | {first('tfimg'):,.0f} | {later('tfimg'):,.0f} |")
    print(f"\nratio tfimg / reference, later epochs: {later('tfimg') / later('reference'):.3f}")


if __name__ == "__main__":
    main()

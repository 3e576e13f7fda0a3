"""Serving speed: `tfimg serve` over HTTP against the same SavedModel called in process, and
TFLite against SavedModel per image.

    python benchmarks/serving.py --model saved_models/cifar10_cnn --data /tmp/cifar/train

The model is exported (SavedModel and float32 TFLite) into a temporary folder, then served by
`tfimg serve` in its own process, as in production. The client sends JPEG files from `--data`
as TF Serving row-format requests (`{"instances": [{"b64": ...}]}`) from `--clients` threads,
each waiting for its answer before the next request. Reference: the SavedModel's
`serving_default` called in this process on the same bytes, one request at a time; the ratio
is served images/s over in-process images/s at one client. Latencies are per request; medians
and 99th percentiles over `--requests` requests.
"""

import argparse
import base64
import concurrent.futures
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfimg.export import ExportConfig, TfliteModel, export  # noqa: E402
from tfimg.export.exporter import median_ms  # noqa: E402
from tfimg.formats import is_image_name  # noqa: E402
from tfimg.data import Preprocessing, load_images  # noqa: E402
from tfimg.models import load_model_folder  # noqa: E402


def image_files(root, count):
    """`count` image files of the class folders under `root`, taken evenly across classes."""
    classes = sorted(entry.path for entry in os.scandir(root) if entry.is_dir())
    files = [sorted(os.path.join(folder, name) for name in os.listdir(folder)
                    if is_image_name(name))[:count // len(classes) + 1] for folder in classes]
    return [path for group in zip(*files) for path in group][:count]


def start_server(export_base):
    """(process, URL) of `tfimg serve` on a free port."""
    command = [os.path.join(os.path.dirname(sys.executable), "tfimg"), "serve", "--model",
               export_base, "--port", "0", "--max-concurrent", "64",
               "--log-level", "warning"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        found = re.search(r"at (http://[\d.]+:\d+)/", line)
        if found:
            url = found.group(1)
            break
    else:
        raise RuntimeError("tfimg serve stopped before reporting its address")
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/v1/models/" + os.path.basename(export_base)).read()
            return process, url
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def served(url, name, encoded, batch_size, requests, clients):
    """(images/s, per-request seconds) of `requests` predict requests from `clients` threads."""
    bodies = [json.dumps({"instances": [
        {"b64": base64.b64encode(encoded[(i * batch_size + j) % len(encoded)]).decode()}
        for j in range(batch_size)]}).encode() for i in range(requests)]
    address = f"{url}/v1/models/{name}:predict"

    def post(body):
        start = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(address, data=body)) as response:
            answer = json.load(response)
        assert len(answer["predictions"]) == batch_size
        return time.perf_counter() - start

    post(bodies[0])  # connection set-up and the first batch of this size
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        seconds = list(pool.map(post, bodies))
    return requests * batch_size / (time.perf_counter() - start), seconds


def in_process(signature, encoded, batch_size, requests):
    batches = [tf.constant([encoded[(i * batch_size + j) % len(encoded)]
                            for j in range(batch_size)]) for i in range(requests)]
    signature(image_bytes=batches[0])
    seconds = []
    for batch in batches:
        start = time.perf_counter()
        signature(image_bytes=batch)["scores"].numpy()
        seconds.append(time.perf_counter() - start)
    return requests * batch_size / sum(seconds), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="saved_models/cifar10_cnn", help="model folder")
    parser.add_argument("--data", required=True, help="class folders of the model's classes")
    parser.add_argument("--requests", type=int, default=200, help="requests per row")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()

    paths = image_files(args.data, 256)
    encoded = [open(path, "rb").read() for path in paths]
    scratch = tempfile.mkdtemp(prefix="tfimg-bench-serving-")
    name = "bench"
    exported = {kind: export(ExportConfig(model=args.model, data=args.data, out=scratch,
                                          name=name, format=kind, parity_images=200))[0]
                for kind in ("saved_model", "tflite")}
    base = os.path.dirname(exported["saved_model"])  # TF Serving's folder: SavedModels only
    lite_folder = exported["tflite"]
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"TensorFlow {tf.__version__}; model {args.model}, {len(encoded)} JPEG files, "
          f"{args.requests} requests per row")

    signature = tf.saved_model.load(os.path.join(base, "1")).signatures["serving_default"]
    reference = {size: in_process(signature, encoded, size, args.requests) for size in (1, 32)}
    process, url = start_server(base)
    rows = []
    try:
        for size in (1, 32):
            rows.append(("in process (reference)", size, 1, *reference[size]))
            for clients in args.clients:
                rate, seconds = served(url, name, encoded, size, args.requests, clients)
                rows.append(("tfimg serve over HTTP", size, clients, rate, seconds))
    finally:
        process.terminate()
        process.wait()

    print("\n| path | batch | clients | images/s | p50 ms | p99 ms |\n"
          "|---|---:|---:|---:|---:|---:|")
    for label, size, clients, rate, seconds in rows:
        p50, p99 = (1000 * np.percentile(seconds, q) for q in (50, 99))
        print(f"| {label} | {size} | {clients} | {rate:,.0f} | {p50:.2f} | {p99:.2f} |")
    for size in (1, 32):
        one_client = next(r for r in rows if r[0].startswith("tfimg") and r[1] == size)
        print(f"ratio served / in process, batch {size}, one client: "
              f"{one_client[3] / reference[size][0]:.2f}")

    model, metadata = load_model_folder(args.model)
    images = load_images(paths[:1], Preprocessing.from_metadata(metadata))
    floats = tf.saved_model.load(os.path.join(base, "1")).signatures["predict_images"]
    lite = TfliteModel(open(os.path.join(lite_folder, "model.tflite"), "rb").read())
    one_jpeg = tf.constant(encoded[:1])
    print("\n| per image, batch 1, in process | median ms |\n|---|---:|")
    for label, function in (
            ("SavedModel serving_default (JPEG bytes)", lambda: signature(image_bytes=one_jpeg)),
            ("SavedModel predict_images (floats)", lambda: floats(images=images)),
            ("TFLite float32 (floats)", lambda: lite.predict(images)),
            ("Keras model (floats)", lambda: model(images, training=False))):
        print(f"| {label} | {median_ms(function, 200):.3f} |")


if __name__ == "__main__":
    main()

"""Exporting a model folder as a TF Serving SavedModel or a TFLite file, atomically, with a
parity report.

The export is assembled in `out/name/.tmp-VERSION-*`, loaded back and compared with the Keras
model on real images, and only then renamed to `out/name/VERSION`: a process killed at any
moment leaves no half-written version for a server to load (TF Serving ignores folders whose
names are not numbers; the next export removes the leftovers). A version holds:

    saved_model.pb, variables/, assets/   (SavedModel)  or  model.tflite  (TFLite)
    metadata.json      the model's class names and preprocessing, plus the export's figures
    labels.txt         class names, one per line, in score order
    parity.json        the export against the Keras model (see `tfimg.export.parity`)
    export_config.json the resolved settings
"""

import glob
import json
import os
import shutil
import sys
import time

import numpy as np
import tensorflow as tf

from tfimg.export import tflite
from tfimg.export.config import ExportConfig
from tfimg.export.parity import ParityError, compare, failures
from tfimg.export.serving import BYTES_SIGNATURE, IMAGES_SIGNATURE, serving_archive
from tfimg import data
from tfimg.atomic import staging_folder, write_json
from tfimg.models import load_model_folder


def next_version(base):
    """One more than the highest numbered version folder in `base` (1 when none)."""
    versions = [int(name) for name in os.listdir(base) if name.isdigit()] if os.path.isdir(
        base) else []
    return max(versions, default=0) + 1


class _Images:
    """The images an export is checked on (validation split) and, when `calibrated`, the
    images integer TFLite is calibrated with (training split): paths, labels and normalised
    float32 images decoded as `tfimg predict` does."""

    def __init__(self, config, metadata, calibrated):
        root = config.data or metadata.get("dataset")
        if not root or not os.path.isdir(root):
            raise FileNotFoundError(f"No images for the parity check at {root!r}: pass data, "
                                    f"class folders with the model's classes")
        files = data.files_for_classes(root, list(metadata["class_names"]))
        fraction = metadata.get("config", {}).get("validation", 0.2)
        splits = files.split(validation=fraction)
        self.decoder = data.Preprocessing.from_metadata(metadata).decoder()
        self.paths, self.labels, self.images = self._load(splits["validation"],
                                                          config.parity_images)
        self.representative = (self._load(splits["train"], config.representative_images)[2]
                               if calibrated else None)

    def _load(self, files, count):
        chosen = np.linspace(0, len(files) - 1, min(count, len(files))).round().astype(int)
        full_paths = files.full_paths()
        paths, labels, images = [], [], []
        for index in sorted(set(chosen.tolist())):
            path = full_paths[index]
            try:
                images.append(data.decode_file(self.decoder, path).numpy()[0])
            except ValueError:
                continue  # undecodable: the export would refuse it too
            paths.append(path)
            labels.append(files.labels[index])
        if not images:
            raise ValueError(f"No decodable images for the parity check in {files.root!r}")
        return paths, np.array(labels), np.stack(images)


def median_ms(function, repeats=30):
    """Median milliseconds of `repeats` calls of `function`, after one untimed warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def _check_saved_model(staging, images, reference):
    loaded = tf.saved_model.load(staging)
    serve = loaded.signatures[BYTES_SIGNATURE]
    contents = [open(path, "rb").read() for path in images.paths]
    scores = np.concatenate([serve(image_bytes=tf.constant(contents[i:i + 64]))["scores"]
                             for i in range(0, len(contents), 64)])
    figures = compare(scores, reference, images.labels)
    floats = loaded.signatures[IMAGES_SIGNATURE](images=tf.constant(images.images[:64]))
    figures["max_abs_difference_images_signature"] = float(
        np.abs(floats["scores"].numpy() - reference[:64]).max())
    one = tf.constant(contents[:1])
    figures["latency_ms_per_image"] = median_ms(lambda: serve(image_bytes=one))
    return figures


def _export_tflite(config, staging, archive, images, reference, quantization_aware):
    scratch = os.path.join(staging, ".saved_model")
    archive.write_out(scratch, verbose=False)
    content = tflite.convert(scratch, config.quantize, images.representative, config.allow_flex,
                             quantization_aware)
    shutil.rmtree(scratch)
    with open(os.path.join(staging, "model.tflite"), "wb") as file:
        file.write(content)
    model = tflite.TfliteModel(content)
    figures = compare(model.predict(images.images), reference, images.labels)
    one = images.images[:1]
    figures["latency_ms_per_image"] = median_ms(lambda: model.predict(one), repeats=50)
    figures["input"] = _details(model.input_details)
    figures["output"] = _details(model.output_details)
    return figures


def _details(details):
    scale, zero_point = details["quantization"]
    return {"dtype": np.dtype(details["dtype"]).name,
            "shape": [int(s) for s in details["shape_signature"]],
            "scale": float(scale), "zero_point": int(zero_point)}


def _size(folder):
    return sum(os.path.getsize(path) for path in glob.glob(os.path.join(folder, "**"),
                                                           recursive=True)
               if os.path.isfile(path))


def export(config):
    """Exports `config.model` as `config` says; returns (version folder, parity figures).

    Raises:
        ParityError: when the export does not follow the Keras model closely enough; nothing
            is left in `out`.
        tflite.FlexOpsError: when a TFLite export would need Flex ops and they are not allowed.
    """
    if not isinstance(config, ExportConfig):
        raise TypeError(f"Expected an ExportConfig, received {type(config).__name__}")
    model, metadata = load_model_folder(config.model)
    base = os.path.join(config.out, config.name)
    os.makedirs(base, exist_ok=True)
    for stale in glob.glob(os.path.join(base, ".tmp-*")):
        shutil.rmtree(stale, ignore_errors=True)
    version = config.version or next_version(base)
    target = os.path.join(base, str(version))
    if os.path.exists(target):
        raise FileExistsError(f"{target!r} exists: versions are never overwritten")
    kind = "saved_model" if config.format == "saved_model" else f"tflite-{config.quantize}"
    quantization_aware = getattr(model, "quantization_aware", False)
    if quantization_aware and kind not in ("saved_model", "tflite-int8"):
        raise ValueError(f"{config.model!r} is quantisation-aware (it simulates int8): export it "
                         f"as a SavedModel or int8 TFLite, and the float model it was trained "
                         f"from for {kind}")
    calibrated = kind in (f"tflite-{name}" for name in tflite.INTEGER_TYPES)
    images = _Images(config, metadata, calibrated and not quantization_aware)
    reference = np.asarray(model.predict(images.images, batch_size=64, verbose=0))
    staging = staging_folder(base, f".tmp-{version}-")
    try:
        archive = serving_archive(model, metadata)
        if config.format == "saved_model":
            archive.write_out(staging, verbose=False)
            figures = _check_saved_model(staging, images, reference)
        else:
            figures = _export_tflite(config, staging, archive, images, reference,
                                     quantization_aware)
        one = images.images[:1]
        figures["keras_latency_ms_per_image"] = median_ms(lambda: model(one, training=False))
        figures.update(kind=kind, bytes=_size(staging), data=os.path.dirname(images.paths[0]))
        problems = failures(figures, kind)
        figures["passed"] = not problems
        write_json(os.path.join(staging, "parity.json"), figures)
        if problems:
            raise ParityError(f"{kind} export of {config.model!r} fails its parity check: "
                              f"{'; '.join(problems)} ({json.dumps(figures)})")
        write_json(os.path.join(staging, "metadata.json"), {**metadata, "export": figures})
        with open(os.path.join(staging, "labels.txt"), "w", encoding="utf-8") as file:
            file.write("".join(f"{name}\n" for name in metadata["class_names"]))
        write_json(os.path.join(staging, "export_config.json"), config.to_json())
        os.rename(staging, target)
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging)
    print(f"{kind}: {target} ({figures['bytes'] / 2**20:.2f} MiB), max abs difference "
          f"{figures['max_abs_difference']:.2g}, top-1 agreement {figures['top1_agreement']:.4f}"
          f", accuracy {figures['accuracy_export']:.4f} (Keras {figures['accuracy_keras']:.4f}) "
          f"on {figures['examples']} images, {figures['latency_ms_per_image']:.2f} ms per image",
          file=sys.stderr)
    return target, figures

"""Exporting a model folder as a TF Serving SavedModel or a TFLite file, atomically, with a
parity report.

SavedModels go to `out/name/VERSION` (TF Serving's layout: that folder holds SavedModel
versions only, ready for `tensorflow/serving`), TFLite files to `out/tflite/name/VERSION`. The
export is assembled in a `.tmp-VERSION-*` folder beside its version, loaded back and compared
with the Keras model on real images, and only then renamed into place: a process killed at any
moment leaves no half-written version for a server to load (TF Serving ignores folders whose
names are not numbers; the next export removes the leftovers). A version holds:

    saved_model.pb, variables/, assets/   (SavedModel)  or  model.tflite  (TFLite)
    metadata.json      the model's class names and preprocessing, plus the export's figures
    labels.txt         class names, one per line, in score order
    parity.json        the export against the Keras model (see `tfimg.export.parity`)
    export_config.json the resolved settings
"""

import glob
import os
import shutil
import sys
import time

import numpy as np
import tensorflow as tf

from tfimg.export import image_to_image, tflite
from tfimg.export.config import ExportConfig
from tfimg.export.images import parity_images
from tfimg.export.parity import ParityError, compare, failures
from tfimg.export.serving import (BYTES_SIGNATURE, IMAGES_SIGNATURE, quiet_saving,
                                  serving_archive)
from tfimg.atomic import staging_folder, write_json
from tfimg.models import load_model_folder


def next_version(base):
    """One more than the highest numbered version folder in `base` (1 when none)."""
    versions = [int(name) for name in os.listdir(base) if name.isdigit()] if os.path.isdir(
        base) else []
    return max(versions, default=0) + 1


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
    contents = images.contents
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
    with quiet_saving():
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


def export_folder(config):
    """The folder of `config`'s versions: `out/name` for SavedModels (a TF Serving model
    folder), `out/tflite/name` for TFLite files."""
    if config.format == "saved_model":
        return os.path.join(config.out, config.name)
    return os.path.join(config.out, "tflite", config.name)


def _version_target(config):
    """(base folder, version, version folder) of a new export; stale staging folders of
    killed exports removed."""
    base = export_folder(config)
    os.makedirs(base, exist_ok=True)
    for stale in glob.glob(os.path.join(base, ".tmp-*")):
        shutil.rmtree(stale, ignore_errors=True)
    version = config.version or next_version(base)
    target = os.path.join(base, str(version))
    if os.path.exists(target):
        raise FileExistsError(f"{target!r} exists: versions are never overwritten")
    return base, version, target


def _refusal(config, kind, problems, figures):
    """The one-line ParityError of a refused export: what disagreed and what to do."""
    integer = kind in (f"tflite-{name}" for name in ("dynamic", *tflite.INTEGER_TYPES))
    advice = ("check it on more images (--data DIR, --parity-images N)"
              + (", try --quantize int16x8 or quantisation-aware training" if integer else "")
              + ", or keep it anyway with --accept-parity-failure (recorded in parity.json)")
    return ParityError(f"{kind} export of {config.model} refused: {'; '.join(problems)}, on "
                       f"{figures['examples']} images of {figures['data']}; {advice}")


def _build(config, kind, model, metadata, images, staging):
    """Writes the export into `staging` and returns its parity figures (not yet judged)."""
    reference = np.asarray(model.predict(images.images, batch_size=64, verbose=0))
    archive = serving_archive(model, metadata)
    if config.format == "saved_model":
        with quiet_saving():
            archive.write_out(staging, verbose=False)
        figures = _check_saved_model(staging, images, reference)
    else:
        figures = _export_tflite(config, staging, archive, images, reference,
                                 getattr(model, "quantization_aware", False))
    one = images.images[:1]
    figures["keras_latency_ms_per_image"] = median_ms(lambda: model(one, training=False))
    figures.update(kind=kind, bytes=_size(staging), data=images.source,
                   skipped=len(images.skipped), skipped_files=images.skipped[:20])
    return figures


def export(config):
    """Exports `config.model` as `config` says; returns (version folder, parity figures).

    Raises:
        ParityError: when the export does not follow the Keras model closely enough and
            `config.accept_parity_failure` is off; nothing is left in `out`.
        tflite.FlexOpsError: when a TFLite export would need Flex ops and they are not allowed.
    """
    if not isinstance(config, ExportConfig):
        raise TypeError(f"Expected an ExportConfig, received {type(config).__name__}")
    model, metadata = load_model_folder(config.model)
    kind = "saved_model" if config.format == "saved_model" else f"tflite-{config.quantize}"
    if metadata["task"] != "classify":
        return _export_images(config, kind, model, metadata)
    quantization_aware = getattr(model, "quantization_aware", False)
    if quantization_aware and kind not in ("saved_model", "tflite-int8"):
        raise ValueError(f"{config.model!r} is quantisation-aware (it simulates int8): export it "
                         f"as a SavedModel or int8 TFLite, and the float model it was trained "
                         f"from for {kind}")
    base, version, target = _version_target(config)
    calibrated = kind in (f"tflite-{name}" for name in tflite.INTEGER_TYPES)
    images = parity_images(config, metadata, calibrated and not quantization_aware)
    which = f" ({images.selection})" if images.selection else ""
    print(f"{kind}: checking against Keras on {len(images.labels)} images of "
          f"{images.source}{which}", file=sys.stderr)
    staging = staging_folder(base, f".tmp-{version}-")
    try:
        figures = _build(config, kind, model, metadata, images, staging)
        problems = failures(figures, kind)
        figures.update(passed=not problems, failures=problems,
                       accepted_by_flag=bool(problems) and config.accept_parity_failure)
        if problems and not config.accept_parity_failure:
            raise _refusal(config, kind, problems, figures)
        write_json(os.path.join(staging, "parity.json"), figures)
        write_json(os.path.join(staging, "metadata.json"), {**metadata, "export": figures})
        with open(os.path.join(staging, "labels.txt"), "w", encoding="utf-8") as file:
            file.write("".join(f"{name}\n" for name in metadata["class_names"]))
        write_json(os.path.join(staging, "export_config.json"), config.to_json())
        os.rename(staging, target)
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging)
    if problems:
        print(f"{kind}: kept despite its parity check (--accept-parity-failure): "
              f"{'; '.join(problems)}", file=sys.stderr)
    print(f"{kind}: {target} ({figures['bytes'] / 2**20:.2f} MiB), max abs difference "
          f"{figures['max_abs_difference']:.2g}, top-1 agreement {figures['top1_agreement']:.4f}"
          f", accuracy {figures['accuracy_export']:.4f} (Keras {figures['accuracy_keras']:.4f}) "
          f"on {figures['examples']} images, {figures['latency_ms_per_image']:.2f} ms per image",
          file=sys.stderr)
    return target, figures


def _build_images(config, kind, model, metadata, staging):
    """Writes an image-to-image export into `staging`; returns its parity figures."""
    source, images = image_to_image.parity_photos(config, metadata)
    pixel_range = image_to_image.pixel_range(metadata)
    apply = image_to_image.uint8_images(model, pixel_range)
    reference = np.concatenate([apply(images[i:i + 1]).numpy() for i in range(len(images))])
    size = tuple(images.shape[1:3])
    archive = image_to_image.image_archive(model, size if kind != "saved_model" else None,
                                           pixel_range)
    if kind == "saved_model":
        with quiet_saving():
            archive.write_out(staging, verbose=False)
        loaded = tf.saved_model.load(staging)
        serve = loaded.signatures[BYTES_SIGNATURE]
        encoded = [tf.io.encode_png(image) for image in images]
        outputs = np.concatenate([serve(image_bytes=tf.stack([one]))["images"].numpy()
                                  for one in encoded])
        figures = image_to_image.compare_images(outputs, reference)
        one = tf.stack(encoded[:1])
        figures["latency_ms_per_image"] = median_ms(lambda: serve(image_bytes=one), repeats=5)
    else:
        scratch = os.path.join(staging, ".saved_model")
        with quiet_saving():
            archive.write_out(scratch, verbose=False)
        content = tflite.convert(scratch, config.quantize, allow_flex=config.allow_flex)
        shutil.rmtree(scratch)
        with open(os.path.join(staging, "model.tflite"), "wb") as file:
            file.write(content)
        lite = image_to_image.TfliteImageModel(content)
        figures = image_to_image.compare_images(lite.predict(images), reference)
        figures["latency_ms_per_image"] = median_ms(lambda: lite.predict(images[:1]),
                                                    repeats=5)
    figures.update(kind=kind, bytes=_size(staging), data=source, image_size=list(size))
    return figures


def _export_images(config, kind, model, metadata):
    """`export` for image-to-image models (see `tfimg.export.image_to_image`)."""
    if kind not in image_to_image.MAX_LEVELS:
        raise ValueError(f"Image-to-image models export as {sorted(image_to_image.MAX_LEVELS)}"
                         f", received {kind}")
    base, version, target = _version_target(config)
    staging = staging_folder(base, f".tmp-{version}-")
    try:
        figures = _build_images(config, kind, model, metadata, staging)
        limit = image_to_image.MAX_LEVELS[kind]
        problems = ([f"max abs difference {figures['max_abs_difference']} levels > {limit}"]
                    if figures["max_abs_difference"] > limit else [])
        figures.update(passed=not problems, failures=problems,
                       accepted_by_flag=bool(problems) and config.accept_parity_failure)
        if problems and not config.accept_parity_failure:
            raise ParityError(f"{kind} export of {config.model} refused: {problems[0]}, on "
                              f"{figures['examples']} images of {figures['data']}")
        write_json(os.path.join(staging, "parity.json"), figures)
        write_json(os.path.join(staging, "metadata.json"), {**metadata, "export": figures})
        write_json(os.path.join(staging, "export_config.json"), config.to_json())
        os.rename(staging, target)
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging)
    print(f"{kind}: {target} ({figures['bytes'] / 2**20:.2f} MiB), max abs difference "
          f"{figures['max_abs_difference']} levels on {figures['examples']} images of "
          f"{figures['data']}, {figures['latency_ms_per_image']:.1f} ms per image",
          file=sys.stderr)
    return target, figures

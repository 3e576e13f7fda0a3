"""Evaluating a saved model folder on class folders, and predicting the classes of images.

A model folder (`model.keras` + `metadata.json`, as `tfimg train` and `tfimg demo` write it)
carries its class names and preprocessing, so nothing else is needed.
"""

import json
import os

import numpy as np
import tensorflow as tf
from sklearn import metrics

from tfimg import data
from tfimg.models import load_model, resnet50
from tfimg.ops.normalize import normalize


def load_model_folder(path):
    """(model, metadata) of a model folder, or of a run folder holding one in `model/`."""
    path = os.fspath(path)
    if os.path.isfile(os.path.join(path, "model", "metadata.json")):
        path = os.path.join(path, "model")
    metadata_path = os.path.join(path, "metadata.json")
    if not os.path.isfile(metadata_path):
        raise FileNotFoundError(f"No model folder at {path!r}: expected model.keras and "
                                f"metadata.json")
    with open(metadata_path, encoding="utf-8") as file:
        metadata = json.load(file)
    return load_model(os.path.join(path, "model.keras"), compile=False), metadata


def pipeline_config(metadata, batch_size=32):
    """The input pipeline settings a model folder's metadata records."""
    return data.PipelineConfig(image_size=metadata["image_size"], channels=metadata["channels"],
                               normalize=metadata["normalize"],
                               resize_mode=metadata.get("resize_mode", "stretch"),
                               batch_size=batch_size)


def files_for_classes(root, class_names):
    """The files of `root`'s class folders, labelled by their index in the model's classes."""
    found = sorted(entry.name for entry in os.scandir(root)
                   if entry.is_dir() and not entry.name.startswith("."))
    unknown = sorted(set(found) - set(class_names))
    if unknown:
        raise ValueError(f"Class folders {unknown} in {root!r} are not classes of the model "
                         f"({list(class_names)})")
    present = [name for name in class_names if name in found]
    files = data.from_directory(root, class_names=present)
    labels = tuple(class_names.index(present[label]) for label in files.labels)
    return data.ImageFiles(files.root, files.paths, labels, tuple(class_names))


def evaluate(model_path, data_dir, batch_size=256):
    """Accuracy, per-class precision/recall/F1 and the confusion matrix on class folders.

    Returns:
        dict with "accuracy", "examples", "skipped" (files that failed to decode),
        "per_class" {name: {precision, recall, f1, support}}, "confusion_matrix" (rows: true
        class, columns: predicted, in the model's class order) and "class_names".
    """
    model, metadata = load_model_folder(model_path)
    class_names = list(metadata["class_names"])
    files = files_for_classes(data_dir, class_names)
    pipeline = data.build_pipeline(files, pipeline_config(metadata, batch_size))
    true, predicted = [], []
    for images, labels in pipeline.dataset:
        true.append(labels.numpy())
        predicted.append(np.argmax(model.predict_on_batch(images), axis=-1))
    true, predicted = np.concatenate(true), np.concatenate(predicted)
    indices = list(range(len(class_names)))
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        true, predicted, labels=indices, zero_division=0)
    return {
        "model": os.path.abspath(model_path),
        "data": os.path.abspath(data_dir),
        "examples": int(len(true)),
        "skipped": pipeline.skipped(),
        "accuracy": float(np.mean(true == predicted)),
        "class_names": class_names,
        "per_class": {name: {"precision": float(precision[i]), "recall": float(recall[i]),
                             "f1": float(f1[i]), "support": int(support[i])}
                      for i, name in enumerate(class_names)},
        "confusion_matrix": metrics.confusion_matrix(true, predicted, labels=indices).tolist(),
    }


def image_decoder(config):
    """A function: encoded image bytes -> float32 [1, height, width, channels], decoded,
    resized and normalised as `config` says (traced once)."""
    def decode(contents):
        images = data.decode_batch(contents[None], config.image_size, config.channels,
                                   config.resize_mode, config.antialias, config.max_pixels)
        return normalize(images, config.normalize)
    return tf.function(decode, input_signature=[tf.TensorSpec([], tf.string)])


def decode_file(decoder, path):
    """`decoder` applied to a file's bytes; ValueError naming the file when it cannot be
    decoded."""
    with open(path, "rb") as file:
        contents = file.read()
    try:
        return decoder(tf.constant(contents))
    except tf.errors.InvalidArgumentError as error:
        reason = error.message.splitlines()[0]
        raise ValueError(f"Cannot decode {os.fspath(path)!r}: {reason}") from None


def load_images(image_paths, config):
    """Decoded, resized and normalised images of files as `config` says, as one batch.

    Raises:
        ValueError naming the first file that cannot be decoded.
    """
    decoder = image_decoder(config)
    return tf.concat([decode_file(decoder, path) for path in image_paths], axis=0)


def predict(model_path, image_paths, top_k=5):
    """Top-k classes of each image file: a list of [(class name, probability), ...].

    Raises:
        ValueError naming the first file that cannot be decoded.
    """
    model, metadata = load_model_folder(model_path)
    images = load_images(image_paths, pipeline_config(metadata, batch_size=1))
    probabilities = np.asarray(model.predict_on_batch(images))
    class_names = metadata["class_names"]
    k = min(top_k, len(class_names))
    return [[(class_names[i], float(row[i])) for i in np.argsort(row)[::-1][:k]]
            for row in probabilities]


def recognize(image_paths, weights="imagenet", class_index=None, top_k=5):
    """ImageNet recognition with ResNet50: a list per image of (wnid, name, score), best first.

    Images are resized to 224x224 and caffe-preprocessed, as the ImageNet weights expect.

    Args:
        image_paths: image files.
        weights: "imagenet" (downloaded by Keras and cached) or a local weights file of the
            full ResNet50 with its 1000-class top.
        class_index: `imagenet_class_index.json`-style file or mapping; None for ImageNet's.
        top_k: classes per image.
    """
    class_index = resnet50.load_class_index(class_index)
    model = resnet50.resnet50(weights=weights)
    settings = data.PipelineConfig(image_size=(224, 224), normalize="caffe")
    images = load_images(image_paths, settings)
    return resnet50.decode_top_k(model.predict_on_batch(images), class_index, top=top_k)

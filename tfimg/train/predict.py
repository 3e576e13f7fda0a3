"""Classes of image files: a trained model folder's top-k, and ImageNet recognition with
ResNet50.

A file that cannot be read or decoded is named with its cause (the scanner's finding: truncated,
not an image, an animation, too many pixels). By default the first one raises; with `on_error`
it is reported and the other files are still predicted.
"""

import os

import numpy as np
import tensorflow as tf

from tfimg import data
from tfimg.models import load_model_folder
from tfimg.models.classification import resnet50

# What the ImageNet ResNet50 weights expect.
IMAGENET_PREPROCESSING = data.Preprocessing(image_size=(224, 224), normalize="caffe")


def predict(model_path, image_paths, top_k=5, on_error=None):
    """Top-k classes of each image file: a list of [(class name, probability), ...].

    Args:
        model_path: a model folder, or a `tfimg train` run folder holding one in `model/`.
        image_paths: image files.
        top_k: classes per image.
        on_error: None to raise for the first file that cannot be read or decoded; else called
            with each such file's ValueError (naming the file and the cause), the file's result
            is None and the other files are still predicted.

    Raises:
        ValueError naming the model folder's file at fault (metadata.json, model.keras), or
        the first image file that cannot be read or decoded when `on_error` is None.
    """
    model, metadata = load_model_folder(model_path)
    where = f"the metadata.json of {os.fspath(model_path)!r}"
    class_names = metadata.get("class_names")
    if (metadata["task"] != "classify" or not isinstance(class_names, list) or not class_names
            or not all(isinstance(name, str) for name in class_names)):
        raise ValueError(f"Expected a classifier with \"class_names\" (a list of names) in "
                         f"{where}, received task {metadata['task']!r} and class_names "
                         f"{str(class_names)[:80]}")
    try:
        preprocessing = data.Preprocessing.from_metadata(metadata)
    except (TypeError, ValueError) as error:
        raise ValueError(f"Bad \"preprocessing\" in {where}: {error}") from None
    k = min(top_k, len(class_names))

    def top(row):
        if len(row) != len(class_names):
            raise ValueError(f"{len(class_names)} class_names in {where} for a model with "
                             f"{len(row)} outputs")
        return [(class_names[i], float(row[i])) for i in np.argsort(row)[::-1][:k]]

    return _classify(model, image_paths, preprocessing, on_error, top)


def recognize(image_paths, weights="imagenet", class_index=None, top_k=5, on_error=None):
    """ImageNet recognition with ResNet50: a list per image of (wnid, name, score), best first.

    Images are resized to 224x224 and caffe-preprocessed, as the ImageNet weights expect.

    Args:
        image_paths: image files.
        weights: "imagenet" (downloaded by Keras and cached) or a local weights file of the
            full ResNet50 with its 1000-class top.
        class_index: `imagenet_class_index.json`-style file or mapping; None for ImageNet's.
        top_k: classes per image.
        on_error: as for `predict`: None raises for the first bad file; else it is called with
            each bad file's ValueError and that file's result is None.
    """
    class_index = resnet50.load_class_index(class_index)
    model = resnet50.resnet50(weights=weights)
    return _classify(model, image_paths, IMAGENET_PREPROCESSING, on_error, lambda row: (
        resnet50.decode_top_k(row[None], class_index, top=top_k)[0]))


def _classify(model, image_paths, preprocessing, on_error, top):
    """[top(probabilities) or None] per path; the files that decode run as one batch."""
    decoder = preprocessing.decoder()
    images, results = [], [None] * len(image_paths)
    for index, path in enumerate(image_paths):
        try:
            images.append((index, _decode(decoder, path)))
        except ValueError as error:
            if on_error is None:
                raise
            on_error(error)
    if images:
        rows = np.asarray(model.predict_on_batch(tf.concat([image for _, image in images], 0)))
        for (index, _), row in zip(images, rows):
            results[index] = top(row)
    return results


def _decode(decoder, path):
    try:
        return data.decode_file(decoder, path)
    except OSError as error:
        raise ValueError(f"Cannot read {os.fspath(path)!r}: {error.strerror or error}") from None

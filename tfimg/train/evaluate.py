"""Evaluating a saved model folder on class folders.

A model folder (`model.keras` + `metadata.json`, as `tfimg train` and `tfimg demo` write it)
carries its class names and preprocessing, so nothing else is needed.
"""

import os

import numpy as np
from sklearn import metrics

from tfimg import data
from tfimg.models import load_model_folder


def evaluate(model_path, data_dir, batch_size=256, validation=None):
    """Accuracy, per-class precision/recall/F1 and the confusion matrix on class folders
    (all their images, or with `validation` only the path-hash validation split of that
    fraction, the images `tfimg train --validation` held out).

    Returns:
        dict with "accuracy", "examples", "skipped" (files that failed to decode),
        "per_class" {name: {precision, recall, f1, support}}, "confusion_matrix" (rows: true
        class, columns: predicted, in the model's class order) and "class_names".
    """
    model, metadata = load_model_folder(model_path)
    class_names = list(metadata["class_names"])
    files = data.files_for_classes(data_dir, class_names)
    if validation is not None:
        files = files.split(validation)["validation"]
    config = data.PipelineConfig.of(data.Preprocessing.from_metadata(metadata),
                                    batch_size=batch_size)
    pipeline = data.build_pipeline(files, config)
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

"""How closely an exported model follows the Keras model it came from, on real images."""

import numpy as np

# (largest max-abs score difference, smallest top-1 agreement, largest accuracy drop) per
# export kind; None does not check. Float exports must match the scores (STYLE.md's 1e-4 for
# float TFLite, 1e-2 for fp16); integer ones must keep the decisions.
THRESHOLDS = {
    "saved_model": (1e-4, 1.0, None),
    "tflite-none": (1e-4, None, None),
    "tflite-fp16": (1e-2, None, None),
    "tflite-dynamic": (None, 0.99, 0.01),
    "tflite-int8": (None, 0.99, 0.01),
    "tflite-int16x8": (None, 0.99, 0.01),
}


class ParityError(ValueError):
    """An export does not follow its Keras model closely enough."""


def compare(scores, reference, labels):
    """Figures of `scores` (export) against `reference` (Keras) for images with `labels`."""
    scores, reference = np.asarray(scores, np.float64), np.asarray(reference, np.float64)
    labels = np.asarray(labels)
    difference = np.abs(scores - reference)
    return {
        "examples": int(len(labels)),
        "max_abs_difference": float(difference.max()),
        "mean_abs_difference": float(difference.mean()),
        "top1_agreement": float(np.mean(scores.argmax(1) == reference.argmax(1))),
        "accuracy_export": float(np.mean(scores.argmax(1) == labels)),
        "accuracy_keras": float(np.mean(reference.argmax(1) == labels)),
    }


def failures(figures, kind):
    """What in `figures` (from `compare`) breaks the thresholds of `kind`; empty when none."""
    max_abs, min_agreement, max_drop = THRESHOLDS[kind]
    found = []
    if max_abs is not None and figures["max_abs_difference"] > max_abs:
        found.append(f"max abs difference {figures['max_abs_difference']:.3g} > {max_abs:g}")
    if min_agreement is not None and figures["top1_agreement"] < min_agreement:
        found.append(f"top-1 agreement {figures['top1_agreement']:.4f} < {min_agreement:g}")
    drop = figures["accuracy_keras"] - figures["accuracy_export"]
    if max_drop is not None and drop > max_drop:
        found.append(f"accuracy drop {drop:.4f} > {max_drop:g}")
    return found

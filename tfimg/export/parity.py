"""How closely an exported model follows the Keras model it came from, on real images.

Decisions are judged with the sample size in mind: an export is refused for too many changed
decisions only when a one-sided 95% Wilson score bound (Wilson, 1927) says so. With 51 images,
one changed decision (98.0% agreement) is what a 99.5% agreement gives often enough and
passes; with 500 images, 10 changed decisions (98.0%, at most 98.8% at 95% confidence) do not.
"""

import math

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
# The normal quantile of a one-sided 95% bound.
Z_95 = 1.6448536269514722


class ParityError(ValueError):
    """An export does not follow its Keras model closely enough."""


def wilson_bounds(successes, trials, z=Z_95):
    """(lower, upper) Wilson score bounds of a binomial proportion `successes / trials`."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    # Exactly 0 and 1 at the ends, which rounding would miss by an ulp (then 1.0 < 1.0 fails).
    lower = 0.0 if successes == 0 else (centre - spread) / denominator
    upper = 1.0 if successes == trials else (centre + spread) / denominator
    return lower, upper


def compare(scores, reference, labels):
    """Figures of `scores` (export) against `reference` (Keras) for images with `labels`."""
    scores, reference = np.asarray(scores, np.float64), np.asarray(reference, np.float64)
    labels = np.asarray(labels)
    difference = np.abs(scores - reference)
    export_right = scores.argmax(1) == labels
    keras_right = reference.argmax(1) == labels
    return {
        "examples": int(len(labels)),
        "max_abs_difference": float(difference.max()),
        "mean_abs_difference": float(difference.mean()),
        "top1_agreement": float(np.mean(scores.argmax(1) == reference.argmax(1))),
        "disagreements": int(np.sum(scores.argmax(1) != reference.argmax(1))),
        "accuracy_export": float(np.mean(export_right)),
        "accuracy_keras": float(np.mean(keras_right)),
        # Decisions made wrong and made right by the export: their difference is the drop.
        "lost": int(np.sum(keras_right & ~export_right)),
        "gained": int(np.sum(export_right & ~keras_right)),
    }


def failures(figures, kind):
    """What in `figures` (from `compare`) breaks the thresholds of `kind`, one phrase each;
    empty when nothing does. Agreement and accuracy drop are judged by their 95% bounds."""
    max_abs, min_agreement, max_drop = THRESHOLDS[kind]
    found = []
    count = figures["examples"]
    if max_abs is not None and figures["max_abs_difference"] > max_abs:
        found.append(f"max abs score difference {figures['max_abs_difference']:.3g} > "
                     f"{max_abs:g}")
    agreement = figures["top1_agreement"]
    upper = wilson_bounds(count - figures["disagreements"], count)[1]
    if min_agreement is not None and upper < min_agreement:
        found.append(f"top-1 agreement {agreement:.4f} ({figures['disagreements']} of {count} "
                     f"decisions changed; at most {upper:.4f} at 95% confidence) < "
                     f"{min_agreement:g}")
    net_lost = max(figures["lost"] - figures["gained"], 0)
    lower = wilson_bounds(net_lost, count)[0]
    if max_drop is not None and lower > max_drop:
        drop = figures["accuracy_keras"] - figures["accuracy_export"]
        found.append(f"accuracy drop {drop:.4f} (at least {lower:.4f} at 95% confidence) > "
                     f"{max_drop:g}")
    return found

"""How far a style model moves photos' colour and texture statistics towards its style image:
Lab colour mean and covariance, and the gradient-magnitude histogram, before and after, on the
photos its training held out; writes a before/after figure.

    python benchmarks/style_stats.py saved_models/style_strokes --size 512 \\
        --figure saved_models/style_strokes/before_after.png

Distances to the style image (lower is closer): "lab_mean" the Euclidean distance of the mean
Lab colours, "lab_covariance" the Frobenius norm of the difference of the 3x3 Lab covariances,
"gradient_histogram" the total-variation distance (half the L1 distance, in [0, 1]) between
normalised histograms of the Sobel gradient magnitude of L (32 bins over [0, 200]).
"""

import argparse
import json
import os

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.color import rgb2lab

from tfimg.models import load_model_folder
from tfimg.train.style import read_rgb

BINS = np.linspace(0, 200, 33)


def statistics(image):
    """(Lab mean [3], Lab covariance [3, 3], gradient-magnitude histogram [32]) of uint8 RGB."""
    lab = rgb2lab(np.asarray(image, np.uint8)).reshape(-1, 3)
    lightness = rgb2lab(np.asarray(image, np.uint8))[..., 0]
    magnitude = np.hypot(ndimage.sobel(lightness, 0), ndimage.sobel(lightness, 1))
    histogram = np.histogram(np.clip(magnitude, 0, 200), BINS)[0].astype(float)
    return lab.mean(0), np.cov(lab.T), histogram / histogram.sum()


def distances(image, style):
    """Distances of `image`'s statistics to `style`'s (see the module docstring)."""
    (mean, covariance, histogram), (style_mean, style_covariance, style_histogram) = (
        statistics(image), statistics(style))
    return {"lab_mean": float(np.linalg.norm(mean - style_mean)),
            "lab_covariance": float(np.linalg.norm(covariance - style_covariance)),
            "gradient_histogram": float(0.5 * np.abs(histogram - style_histogram).sum())}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a style model folder")
    parser.add_argument("--size", type=int, default=512, help="photos' longer side")
    parser.add_argument("--figure", help="before/after PNG to write (default none)")
    args = parser.parse_args()
    model, metadata = load_model_folder(args.model)
    style = np.asarray(Image.open(os.path.join(args.model, metadata["style"])).convert("RGB"))
    rows, pairs = [], []
    for name in metadata["held_out"]:
        photo = read_rgb(os.path.join(metadata["dataset"], name), longer_side=args.size)
        after = np.round(np.clip(np.asarray(model(photo[None]))[0], 0, 255)).astype(np.uint8)
        before = photo.astype(np.uint8)
        assert after.shape == before.shape
        rows.append({"photo": name, "size": list(before.shape[:2]),
                     "before": distances(before, style), "after": distances(after, style)})
        pairs.append((before, after))
    print(json.dumps(rows, indent=1))
    if args.figure:
        _figure(pairs, style, args.figure)


def _figure(pairs, style, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(pairs), 3, figsize=(9, 2.6 * len(pairs)))
    for row, (before, after) in zip(np.atleast_2d(axes), pairs):
        for axis, image, title in zip(row, (before, after, style),
                                      ("held-out photo", "stylised", "style image")):
            axis.imshow(image)
            axis.set_title(title, fontsize=9)
            axis.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=60)


if __name__ == "__main__":
    main()

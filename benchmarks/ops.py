"""Image operations: images per second of tfimg's ops (batched, in one `tf.function`) against
OpenCV's per-image loop and scikit-image's, on the same photos, as a markdown table.

    python benchmarks/ops.py --photos ../shared/data/photos/sun80 --images 64 --size 1024x768

Photos are resized to `--size` (RGB uint8); grey operations get the grey image. Each column is
the best of `--repeat` timed runs after one warm-up run (tracing, XLA compilation and OpenCV's
first call are not counted). tfimg runs twice: in a plain `tf.function` ("graph") and in
`tf.function(jit_compile=True)` ("XLA"), where XLA fuses each op's element-wise steps into one
pass over memory; on CPU that brings grey conversion, lookups, thresholds and morphology near
OpenCV, while the filters (depthwise convolutions) are faster without it. "ratio" is tfimg's
rate over OpenCV's: above 1, tfimg is faster. A dash: the library has no such operation (or none
with the same meaning), or the op does not compile with XLA.

`--floors` times, instead, what a TensorFlow op must at least do on the same batches (one
element-wise pass over memory, a histogram, the fastest box blur found) against OpenCV's whole
operation.
"""

import argparse
import os
import pathlib
import platform
import time

import cv2
import numpy as np
import tensorflow as tf
from skimage import exposure, filters, morphology

from tfimg import ops

ELLIPSE = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
FOOTPRINT = ELLIPSE.astype(bool)


def _skimage_uint8(function):
    """A scikit-image function whose float [0, 1] result is turned back into uint8."""
    return lambda image: np.round(function(image) * 255).astype(np.uint8)


# name -> (grey input?, tfimg on a batch, OpenCV on one image, scikit-image on one or None).
CASES = {
    "grayscale": (False, ops.grayscale, lambda x: cv2.cvtColor(x, cv2.COLOR_RGB2GRAY),
                  _skimage_uint8(lambda x: __import__("skimage.color").color.rgb2gray(x))),
    "adjust_gamma": (False, lambda x: ops.adjust_gamma(x, 0.8),
                     lambda x: cv2.LUT(x, np.round((np.arange(256) / 255) ** 0.8 * 255)
                                       .astype(np.uint8)),
                     lambda x: exposure.adjust_gamma(x, 0.8)),
    "equalize_histogram": (True, ops.equalize_histogram, cv2.equalizeHist,
                           _skimage_uint8(exposure.equalize_hist)),
    "clahe": (True, ops.clahe, lambda x: cv2.createCLAHE(2.0, (8, 8)).apply(x),
              _skimage_uint8(lambda x: exposure.equalize_adapthist(x, clip_limit=0.01))),
    "threshold": (True, lambda x: ops.threshold(x, 127),
                  lambda x: cv2.threshold(x, 127, 255, cv2.THRESH_BINARY)[1],
                  lambda x: (x > 127).astype(np.uint8) * 255),
    "otsu_threshold": (True, ops.otsu_threshold,
                       lambda x: cv2.threshold(x, 0, 255, cv2.THRESH_OTSU)[0],
                       filters.threshold_otsu),
    "adaptive_threshold": (True, lambda x: ops.adaptive_threshold(x, 11, 2),
                           lambda x: cv2.adaptiveThreshold(x, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                                           cv2.THRESH_BINARY, 11, 2),
                           lambda x: x > filters.threshold_local(x, 11, "mean", offset=2)),
    "box_blur": (False, lambda x: ops.box_blur(x, 5), lambda x: cv2.blur(x, (5, 5)), None),
    "gaussian_blur": (False, lambda x: ops.gaussian_blur(x, 5, 1.2),
                      lambda x: cv2.GaussianBlur(x, (5, 5), 1.2),
                      lambda x: filters.gaussian(x, 1.2, channel_axis=-1, truncate=1.7)),
    "median_blur": (False, lambda x: ops.median_blur(x, 5), lambda x: cv2.medianBlur(x, 5),
                    None),
    "bilateral_filter": (False, lambda x: ops.bilateral_filter(x, 9, 75.0, 75.0),
                         lambda x: cv2.bilateralFilter(x, 9, 75, 75), None),
    "sobel": (True, ops.sobel, lambda x: cv2.Sobel(x, cv2.CV_32F, 1, 0, ksize=3),
              filters.sobel_v),
    "canny": (True, lambda x: ops.canny(x, 50, 150), lambda x: cv2.Canny(x, 50, 150), None),
    "erode": (False, lambda x: ops.erode(x, ELLIPSE), lambda x: cv2.erode(x, ELLIPSE),
              lambda x: morphology.erosion(x, FOOTPRINT[..., None])),
    "dilate": (False, lambda x: ops.dilate(x, ELLIPSE), lambda x: cv2.dilate(x, ELLIPSE),
               lambda x: morphology.dilation(x, FOOTPRINT[..., None])),
    "dehaze": (False, ops.dehaze, None, None),
}


def _separable_box_blur(batch):
    """The fastest box blur found in TensorFlow on a CPU: a mirror pad, then 1x5 and 5x1
    depthwise convolutions in float32 (a single 5x5 depthwise, a 3->3 conv2d, avg_pool and
    summed-area tables measured slower)."""
    padded = tf.pad(tf.cast(batch, tf.float32), [[0, 0], [2, 2], [2, 2], [0, 0]], "REFLECT")
    rows = tf.nn.depthwise_conv2d(padded, tf.fill([1, 5, 3, 1], 0.2), [1, 1, 1, 1], "VALID")
    blurred = tf.nn.depthwise_conv2d(rows, tf.fill([5, 1, 3, 1], 0.2), [1, 1, 1, 1], "VALID")
    return tf.cast(tf.floor(blurred + 0.5), tf.uint8)


def _histograms(batch):
    """The fastest per-image 256-bin histograms found in TensorFlow on a CPU: one bincount
    over levels offset by 256 per image (bincount with axis=-1, unsorted_segment_sum and
    histogram_fixed_width measured slower)."""
    count = tf.shape(batch)[0]
    bins = tf.cast(tf.reshape(batch, [count, -1]), tf.int32) + 256 * tf.range(count)[:, None]
    return tf.math.bincount(tf.reshape(bins, [-1]), minlength=256 * count,
                            maxlength=256 * count)


# What a TensorFlow op must at least cost on this data (one pass over memory; the histogram
# that equalisation, CLAHE and Otsu need; the fastest box blur found), against OpenCV's whole
# operation: name -> (grey input?, TensorFlow function on a batch, OpenCV on one image).
FLOORS = {
    "one uint8 element-wise pass (x + 1) / cv2.threshold": (
        True, lambda x: x + 1, lambda x: cv2.threshold(x, 127, 255, cv2.THRESH_BINARY)[1]),
    "one uint8 -> float32 cast / cv2.threshold": (
        True, lambda x: tf.cast(x, tf.float32),
        lambda x: cv2.threshold(x, 127, 255, cv2.THRESH_BINARY)[1]),
    "256-bin histogram per image (one flat bincount) / cv2.equalizeHist": (
        True, _histograms, cv2.equalizeHist),
    "box blur 5x5, separable depthwise convolutions / cv2.blur": (
        False, _separable_box_blur, lambda x: cv2.blur(x, (5, 5))),
}


def _load(folder, count, size):
    paths = sorted(pathlib.Path(folder).glob("*.jpg"))
    if not paths:
        raise SystemExit(f"no .jpg photos in {folder}")
    photos = []
    for index in range(count):
        image = cv2.imread(str(paths[index % len(paths)]), cv2.IMREAD_COLOR)
        photos.append(cv2.cvtColor(cv2.resize(image, size, interpolation=cv2.INTER_AREA),
                                   cv2.COLOR_BGR2RGB))
    return np.stack(photos)


def _best_rate(run, images, repeat):
    run()  # warm-up: tracing, first-call allocations
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return images / best


def _tfimg_runner(function, batch, batch_size, jit_compile):
    # The ops are graph code already; AutoGraph would only re-parse the lambdas above.
    compiled = tf.function(tf.autograph.experimental.do_not_convert(function),
                           jit_compile=jit_compile)
    chunks = [tf.constant(batch[start:start + batch_size])
              for start in range(0, len(batch), batch_size)]

    def run():
        for chunk in chunks:
            result = compiled(chunk)
        result.numpy()  # wait for the last one
    return run


def _loop_runner(function, batch):
    def run():
        for image in batch:
            function(image)
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", default="../shared/data/photos/sun80",
                        help="folder of .jpg photos (default ../shared/data/photos/sun80)")
    parser.add_argument("--images", type=int, default=64, help="photos timed (default 64)")
    parser.add_argument("--size", default="1024x768", help="WIDTHxHEIGHT (default 1024x768)")
    parser.add_argument("--batch-size", type=int, default=16,
                        help="images per tf.function call (default 16)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs, best kept (default 3)")
    parser.add_argument("--ops", default=None,
                        help="comma-separated subset of operations (default: all)")
    parser.add_argument("--floors", action="store_true",
                        help="time what a TensorFlow op must at least do instead (one pass "
                        "over memory, a histogram, the fastest box blur) against OpenCV's "
                        "operations")
    args = parser.parse_args()
    size = tuple(int(value) for value in args.size.lower().split("x"))
    colour = _load(args.photos, args.images, size)
    gray = np.stack([cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) for image in colour])
    if args.floors:
        _print_floors(colour, gray, args)
        return
    names = args.ops.split(",") if args.ops else list(CASES)
    print(f"{args.images} photos of {size[0]}x{size[1]}, tfimg batches of {args.batch_size}, "
          f"best of {args.repeat}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, TensorFlow {tf.__version__}, OpenCV {cv2.__version__}\n")
    print("| op | tfimg graph (images/s) | tfimg XLA | OpenCV | scikit-image | ratio graph/OpenCV "
          "| ratio XLA/OpenCV |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in names:
        grey, ours, opencv, skimage_function = CASES[name]
        batch = gray if grey else colour
        tfimg_batch = batch[..., None] if grey else batch
        rates = [_tfimg_rate(ours, tfimg_batch, args, jit_compile) for jit_compile in (False, True)]
        for reference in (opencv, skimage_function):
            rates.append(None if reference is None else
                         _best_rate(_loop_runner(reference, batch), len(batch), args.repeat))
        cells = ["-" if rate is None else f"{rate:.1f}" for rate in rates]
        ratios = ["-" if None in (rate, rates[2]) else f"{rate / rates[2]:.2f}"
                  for rate in rates[:2]]
        print(f"| {name} | {' | '.join(cells)} | {' | '.join(ratios)} |", flush=True)


def _print_floors(colour, gray, args):
    print("| TensorFlow floor / OpenCV operation | TF graph (images/s) | TF XLA | OpenCV | "
          "ratio graph/OpenCV | ratio XLA/OpenCV |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (grey, floor, opencv) in FLOORS.items():
        batch = gray if grey else colour
        rates = [_tfimg_rate(floor, batch[..., None] if grey else batch, args, jit_compile)
                 for jit_compile in (False, True)]
        reference = _best_rate(_loop_runner(opencv, batch), len(batch), args.repeat)
        cells = ["-" if rate is None else f"{rate:.1f}" for rate in rates]
        ratios = ["-" if rate is None else f"{rate / reference:.2f}" for rate in rates]
        print(f"| {name} | {cells[0]} | {cells[1]} | {reference:.1f} | {' | '.join(ratios)} |",
              flush=True)


def _tfimg_rate(function, batch, args, jit_compile):
    try:
        return _best_rate(_tfimg_runner(function, batch, args.batch_size, jit_compile),
                          len(batch), args.repeat)
    except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError):
        if not jit_compile:
            raise
        return None  # an op XLA cannot compile


if __name__ == "__main__":
    main()

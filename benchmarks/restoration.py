"""Restoration quality and speed: the shipped super-resolution models against bicubic, and the
shipped denoiser against a 5x5 Gaussian blur and OpenCV's non-local means, on held-out photos,
as markdown tables.

    python benchmarks/restoration.py --photos ../shared/data/photos [--limit 14]
    python benchmarks/restoration.py --samples      # scikit-image's bundled photos instead
    python benchmarks/restoration.py --test-set Set5     # every image of a standard test set

PSNR and SSIM are on the luma channel (Y of BT.601, MATLAB's rgb2ycbcr) with `scale` pixels
shaved for super-resolution (the literature's protocol); denoising also gives RGB PSNR (the
colour-denoising convention, CBSD68 tables). Low-resolution inputs are antialiased bicubic
downscales rounded to 8 bits; noisy inputs are Gaussian noise rounded to 8 bits and clipped.
"--photos" uses the validation split of `tfimg.data.patches.photo_paths` (the photos no
shipped model trained on); "--samples" uses scikit-image's colour photos (astronaut, chelsea,
coffee, rocket and the left motorcycle view), which no model here ever saw; "--test-set" uses
every image of a folder, such as Set5 or CBSD68 (grey images are read as RGB). Speed is
output megapixels per second on this CPU, the median of `--repeat` runs on a 512x512 output,
after a warm-up.
"""

import argparse
import os
import pathlib
import platform
import statistics
import sys
import time

import cv2
import numpy as np
import tensorflow as tf

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from tfimg.data.patches import (add_noise, downscale, image_paths, load_photos,  # noqa: E402
                                photo_paths)
from tfimg.models import load_model_folder  # noqa: E402
from tfimg.ops.quality import rgb_psnr, y_psnr, y_ssim  # noqa: E402
from tfimg.train.restore import restore_image  # noqa: E402

SR_MODELS = ("edsr_x2", "edsr_x3", "edsr_x4", "espcn_x4")
DENOISER = "dncnn_color"
SIGMAS = (15, 25, 50)
SAMPLES = ("astronaut", "chelsea", "coffee", "rocket", "stereo_motorcycle")


def _samples():
    from skimage import data

    images = [getattr(data, name)() for name in SAMPLES]
    # stereo_motorcycle is a (left, right, disparity) tuple: its left view.
    return [np.ascontiguousarray(image[0] if isinstance(image, tuple) else image)
            for image in images]


def _crop(photo, multiple):
    height, width = (size - size % multiple for size in photo.shape[:2])
    return photo[:height, :width].astype(np.float32) / 255.0


def _scores(output, clean, shave):
    output, clean = output[None], clean[None]
    return (float(y_psnr(output, clean, shave)[0]), float(y_ssim(output, clean, shave)[0]),
            float(rgb_psnr(output, clean)[0]))


def _mean(rows):
    return [statistics.fmean(column) for column in zip(*rows)]


def super_resolution(photos, models):
    """Rows (scale, method, Y PSNR, Y SSIM) of bicubic and each model at its scale."""
    rows = []
    for scale in sorted({metadata["scale"] for _, metadata in models.values()}):
        methods = {"bicubic": None, **{name: model for name, (model, metadata) in models.items()
                                       if metadata["scale"] == scale}}
        scores = {name: [] for name in methods}
        for photo in photos:
            clean = _crop(photo, scale)
            low = downscale(clean[None], scale).numpy()[0]
            for name, model in methods.items():
                output = (tf.image.resize(low[None], clean.shape[:2], "bicubic").numpy()[0]
                          if model is None else restore_image(model, low))
                scores[name].append(_scores(np.clip(output, 0, 1), clean, scale))
        for name, values in scores.items():
            rows.append((f"x{scale}", name, *_mean(values)[:2]))
    return rows


def _nlm(noisy, sigma):
    """OpenCV's coloured non-local means with h = hColor = 0.8 sigma (better than h = sigma on
    these photos), 7x7 patches, 21x21 search."""
    image = np.round(noisy * 255).astype(np.uint8)
    h = 0.8 * sigma
    return cv2.fastNlMeansDenoisingColored(image, None, h, h, 7, 21).astype(np.float32) / 255


def denoising(photos, model):
    """Rows (sigma, method, Y PSNR, Y SSIM, RGB PSNR) of the noisy input, the blur, non-local
    means and the model."""
    rows = []
    for sigma in SIGMAS:
        scores = {"noisy": [], "gaussian 5x5": [], "opencv nlm": [], "dncnn": []}
        for index, photo in enumerate(photos):
            clean = _crop(photo, 4)
            noisy = add_noise(clean[None], float(sigma), (index, sigma)).numpy()[0]
            outputs = {"noisy": noisy, "gaussian 5x5": cv2.GaussianBlur(noisy, (5, 5), 0),
                       "opencv nlm": _nlm(noisy, sigma), "dncnn": restore_image(model, noisy)}
            for name, output in outputs.items():
                scores[name].append(_scores(np.clip(output, 0, 1), clean, 0))
        rows += [(sigma, name, *_mean(values)) for name, values in scores.items()]
    return rows


def speed(model, repeat):
    """Output megapixels per second of `model` on a 512x512 output (median of `repeat`)."""
    scale = int(getattr(model, "scale", 1))
    image = np.random.default_rng(0).uniform(size=(512 // scale, 512 // scale, 3))
    restore_image(model, image.astype(np.float32))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        restore_image(model, image.astype(np.float32))
        times.append(time.perf_counter() - start)
    return 512 * 512 / 1e6 / statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", default="../shared/data/photos",
                        help="photo folder; its validation split is measured")
    parser.add_argument("--samples", action="store_true",
                        help="measure on scikit-image's bundled photos instead")
    parser.add_argument("--test-set", metavar="DIR",
                        help="measure on every image under this folder, subfolders too (e.g. "
                             "Set5's high-resolution images, CBSD68)")
    parser.add_argument("--models", default="saved_models", help="shipped model folder")
    parser.add_argument("--limit", type=int, default=0, help="at most this many photos")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per speed figure")
    args = parser.parse_args()
    if args.samples:
        photos, source = _samples(), "scikit-image samples"
    elif args.test_set:
        if not os.path.isdir(args.test_set):
            parser.error(f"--test-set {args.test_set!r} is not a folder")
        photos, source = load_photos(image_paths(args.test_set), role="test"), args.test_set
    else:
        photos, source = load_photos(photo_paths(args.photos, 0.1)["validation"]), args.photos
    photos = photos[:args.limit or None]
    found = {name: load_model_folder(os.path.join(args.models, name))
             for name in SR_MODELS + (DENOISER,) if os.path.isdir(os.path.join(args.models, name))}
    print(f"{len(photos)} photos ({source}); "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
          f"TensorFlow {tf.__version__}\n")
    sr = {name: found[name] for name in SR_MODELS if name in found}
    if sr:
        print("| scale | method | Y PSNR (dB) | Y SSIM | gain over bicubic (dB) |\n"
              "|---|---|---:|---:|---:|")
        bicubic = {}
        for scale, name, psnr, ssim in super_resolution(photos, sr):
            bicubic.setdefault(scale, psnr)
            print(f"| {scale} | {name} | {psnr:.2f} | {ssim:.4f} | {psnr - bicubic[scale]:+.2f} |")
        print()
    if DENOISER in found:
        print("| sigma | method | Y PSNR (dB) | Y SSIM | RGB PSNR (dB) | RGB gain over blur |\n"
              "|---:|---|---:|---:|---:|---:|")
        blur = {}
        for sigma, name, psnr, ssim, rgb in denoising(photos, found[DENOISER][0]):
            if name == "gaussian 5x5":
                blur[sigma] = rgb
            gain = f"{rgb - blur[sigma]:+.2f}" if sigma in blur else ""
            print(f"| {sigma} | {name} | {psnr:.2f} | {ssim:.4f} | {rgb:.2f} | {gain} |")
        print()
    print("| model | output megapixels/s (CPU, median) |\n|---|---:|")
    for name, (model, _) in found.items():
        if name in ("edsr_x4", "espcn_x4", DENOISER):
            print(f"| {name} | {speed(model, args.repeat):.2f} |")


if __name__ == "__main__":
    main()

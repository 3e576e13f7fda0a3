"""Training and validation patches for restoration models (super-resolution and denoising).

    photos = load_photos(photo_paths("photos/")["train"])
    train = sr_patches(photos, scale=4, patch_size=128, batch_size=16, seed=0)   # (lr, hr)
    train = noise_patches(photos, patch_size=64, sigma=(5, 55), batch_size=16)    # (noisy, clean)

The photos are decoded once and kept in memory as uint8 (180 photos of 1024x700 are 390 MB).
Crops are drawn by NumPy on a generator (microseconds each), with random flips and 90-degree
rotations; the degradation runs in TensorFlow on whole batches:

- super-resolution: low-resolution inputs by antialiased bicubic downscaling (the MATLAB
  `imresize` convention of the published tables), rounded to 8 bits as a saved image is;
- denoising: additive white Gaussian noise of a standard deviation drawn per patch from the
  `sigma` range (in grey levels), then clipped and rounded to 8 bits, as a noisy photo is.

All images are float32 RGB in [0, 1].
"""

import os
import sys

import numpy as np
import tensorflow as tf

from tfimg.data.decode import decode_image
from tfimg.data.preprocessing import decode_file
from tfimg.data.scan import _list_files
from tfimg.data.split import assign_split
from tfimg.formats import IMAGE_EXTENSIONS


def _image_names(folder):
    return [name for name in _list_files(folder)
            if os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS]


def image_paths(folder):
    """Paths of the image files (by extension) under `folder`, recursively, sorted by their
    relative paths; hidden files and folders are skipped."""
    return [os.path.join(folder, name) for name in _image_names(folder)]


def photo_paths(folder, validation=0.1):
    """{"train": paths, "validation": paths} of the images under `folder` (recursively), split
    by a hash of each relative path (stable as the folder grows).

    Raises:
        ValueError: `folder` holds no images, or no training image is left.
    """
    if not os.path.isdir(folder):
        raise ValueError(f"Expected a folder of images, received {folder!r}")
    names = _image_names(folder)
    splits = {"train": [], "validation": []}
    for name in names:
        splits[assign_split(name, validation)].append(os.path.join(folder, name))
    if not splits["train"]:
        raise ValueError(f"Expected images to train on in {folder!r}, found {len(names)} "
                         f"image files ({len(splits['validation'])} held out)")
    return splits


@tf.function(input_signature=[tf.TensorSpec([], tf.string)])
def _decode_rgb(contents):
    return decode_image(contents, 3)


def read_photo(path):
    """uint8 RGB NumPy array (height, width, 3) of the image file `path`, upright (EXIF);
    16-bit images keep their top 8 bits. Raises ValueError naming the file when it is not a
    decodable image of a bounded size (see `decode_file`), OSError when it cannot be read."""
    return decode_file(_decode_rgb, path).numpy()


def load_photos(paths, min_size=0, role="training"):
    """The images at `paths` as uint8 RGB NumPy arrays. Files that cannot be decoded, and
    images smaller than `min_size` on a side, are skipped with a line on stderr each; a
    ValueError naming `role` ("training", "validation") when none is left."""
    photos = []
    for path in paths:
        try:
            image = read_photo(path)
        except (ValueError, OSError) as error:
            print(f"skipped: {error}", file=sys.stderr)
            continue
        if min(image.shape[:2]) < min_size:
            print(f"skipped: {path!r} is {image.shape[1]}x{image.shape[0]}, smaller than the "
                  f"{min_size}-pixel {role} crops", file=sys.stderr)
            continue
        photos.append(image)
    if not photos:
        raise ValueError(f"None of the {len(paths)} files could be used as {role} images "
                         f"(decodable and at least {min_size} pixels on a side)")
    return photos


def _random_crops(photos, patch_size, seed):
    """An endless generator of uint8 (patch_size, patch_size, 3) crops, each from a photo
    chosen with probability proportional to its area, randomly flipped and turned."""
    rng = np.random.default_rng(seed)
    areas = np.array([photo.shape[0] * photo.shape[1] for photo in photos], np.float64)
    weights = areas / areas.sum()
    while True:
        photo = photos[rng.choice(len(photos), p=weights)]
        top = rng.integers(photo.shape[0] - patch_size + 1)
        left = rng.integers(photo.shape[1] - patch_size + 1)
        crop = photo[top:top + patch_size, left:left + patch_size]
        if rng.integers(2):
            crop = crop[:, ::-1]
        yield np.ascontiguousarray(np.rot90(crop, rng.integers(4)))


def _crops(photos, patch_size, batch_size, seed):
    if not photos:
        raise ValueError("Expected at least one photo")
    small = [photo.shape[:2] for photo in photos if min(photo.shape[:2]) < patch_size]
    if small:
        raise ValueError(f"Expected photos of at least {patch_size} pixels on a side, "
                         f"received {len(small)} smaller, e.g. {small[0]}")
    spec = tf.TensorSpec((patch_size, patch_size, 3), tf.uint8)
    crops = tf.data.Dataset.from_generator(lambda: _random_crops(photos, patch_size, seed),
                                           output_signature=spec)
    return crops.batch(batch_size, drop_remainder=True).map(
        lambda batch: tf.cast(batch, tf.float32) / 255.0)


def downscale(images, scale):
    """[0, 1] images (rank 3 or 4) made `scale` times smaller by antialiased bicubic
    interpolation and rounded to 8 bits; sizes must be multiples of `scale`."""
    shape = tf.shape(images)
    size = (shape[-3] // scale, shape[-2] // scale)
    small = tf.image.resize(images, size, "bicubic", antialias=True)
    return tf.round(tf.clip_by_value(small, 0.0, 1.0) * 255.0) / 255.0


def add_noise(images, sigma, seed):
    """[0, 1] images plus Gaussian noise of standard deviation `sigma` grey levels (a scalar or
    one per image), clipped and rounded to 8 bits; `seed` is a stateless pair of ints."""
    sigma = tf.cast(sigma, tf.float32) / 255.0
    if sigma.shape.rank == 1:
        sigma = tf.reshape(sigma, [-1, 1, 1, 1])
    noise = tf.random.stateless_normal(tf.shape(images), seed) * sigma
    return tf.round(tf.clip_by_value(images + noise, 0.0, 1.0) * 255.0) / 255.0


def sr_patches(photos, scale, patch_size, batch_size, seed=0):
    """An endless dataset of (low-resolution, high-resolution) batches: random
    `patch_size` crops of `photos` and their `scale`-times smaller versions."""
    if patch_size % scale:
        raise ValueError(f"Expected patch_size divisible by scale, received "
                         f"patch_size={patch_size}, scale={scale}")
    return _crops(photos, patch_size, batch_size, seed).map(
        lambda hr: (downscale(hr, scale), hr), num_parallel_calls=tf.data.AUTOTUNE).prefetch(2)


def noise_patches(photos, patch_size, sigma, batch_size, seed=0):
    """An endless dataset of (noisy, clean) batches of random `patch_size` crops, each with a
    noise level drawn uniformly from the `sigma` = (low, high) range of grey levels."""
    low, high = (float(s) for s in sigma)
    if not 0 <= low <= high:
        raise ValueError(f"Expected a sigma range 0 <= low <= high, received {sigma!r}")

    def degrade(index, clean):
        seeds = tf.random.experimental.stateless_split(tf.stack([seed, index]), 2)
        sigmas = tf.random.stateless_uniform([batch_size], seeds[0], low, high)
        return add_noise(clean, sigmas, seeds[1]), clean

    batches = _crops(photos, patch_size, batch_size, seed).enumerate()
    return batches.map(lambda index, clean: degrade(tf.cast(index, tf.int32), clean),
                       num_parallel_calls=tf.data.AUTOTUNE).prefetch(2)


def center_crops(photos, size):
    """float32 [n, size, size, 3] centre crops of `photos` (each at least `size` on a side),
    for a fixed validation batch."""
    crops = []
    for photo in photos:
        top, left = (photo.shape[0] - size) // 2, (photo.shape[1] - size) // 2
        crops.append(photo[top:top + size, left:left + size])
    return np.stack(crops).astype(np.float32) / 255.0

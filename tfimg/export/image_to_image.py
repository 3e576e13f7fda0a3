"""Exporting image-to-image models (tasks "style", "sr", "denoise"): uint8 images in, uint8
images out, with the parity check on real photos.

A SavedModel has two signatures:

    serving_default   image_bytes: tf.string [batch], encoded images of one size, decoded at
                      that size -> images: uint8 [batch, height', width', 3]
    predict_images    images: uint8 [batch, height, width, 3] (any size; for TFLite the
                      model folder's preprocessing size) -> images: uint8

TFLite converts `predict_images` at the fixed size (a LiteRT model has static shapes).
"""

import os

import keras
import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from tfimg.data import Preprocessing, decode_file, decode_image
from tfimg.data.patches import image_paths
from tfimg.export.serving import BYTES_SIGNATURE, IMAGES_SIGNATURE

# Largest difference, in uint8 levels, between an export's images and Keras's: float32
# programs run two ways round a few pixels to the neighbouring level; fp16 weights move more.
MAX_LEVELS = {"saved_model": 1, "tflite-none": 1, "tflite-fp16": 4}


def pixel_range(metadata):
    """255.0 for models on RGB in [0, 255] (style), 1.0 for models on [0, 1] (sr, denoise:
    preprocessing "normalize": "unit")."""
    return 1.0 if Preprocessing.from_metadata(metadata).normalize == "unit" else 255.0


def uint8_images(model, pixel_range=255.0):
    """The function `uint8 [batch, height, width, 3] -> uint8 [batch, h', w', 3]` of an image
    model whose inputs and outputs are float RGB in [0, `pixel_range`] (outputs rounded and
    clipped); safe in a SavedModel."""
    scale = 255.0 / pixel_range

    def apply(images):
        outputs = model(tf.cast(images, tf.float32) / scale, training=False) * scale
        return tf.cast(tf.round(tf.clip_by_value(outputs, 0.0, 255.0)), tf.uint8)
    return apply


def image_archive(model, image_size=None, pixel_range=255.0):
    """A `keras.export.ExportArchive` of `model` (on RGB in [0, `pixel_range`]) with the two
    signatures of the module docstring; `image_size` (height, width) fixes `predict_images`'
    size (for TFLite)."""
    apply = uint8_images(model, pixel_range)

    def from_bytes(image_bytes):
        images = tf.map_fn(lambda contents: decode_image(contents, 3), image_bytes,
                           fn_output_signature=tf.TensorSpec([None, None, 3], tf.uint8))
        return {"images": apply(images)}

    height, width = image_size or (None, None)
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(BYTES_SIGNATURE, from_bytes,
                         input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")])
    archive.add_endpoint(IMAGES_SIGNATURE, lambda images: {"images": apply(images)},
                         input_signature=[tf.TensorSpec([None, height, width, 3], tf.uint8,
                                                        name="images")])
    return archive


class TfliteImageModel:
    """Runs a TFLite image-to-image model (uint8 in and out) one image at a time."""

    def __init__(self, model_content, num_threads=None):
        interpreter = Interpreter(model_content=model_content, num_threads=num_threads)
        self.runner = interpreter.get_signature_runner(IMAGES_SIGNATURE)

    def predict(self, images):
        """uint8 [n, height, width, 3] -> uint8 images."""
        return np.concatenate([self.runner(images=images[i:i + 1])["images"]
                               for i in range(len(images))])


def parity_photos(config, metadata):
    """(source, uint8 [n, height, width, 3]) photos an image export is checked on: every
    image under `config.data` (spread evenly up to `config.parity_images`), else the photos
    training held out (metadata "dataset" and "held_out"); at the preprocessing size, centre
    cropped.

    Raises:
        FileNotFoundError: no --data and the held-out photos are not on this machine.
    """
    if config.data:
        paths = image_paths(config.data)
        source = os.path.abspath(config.data)
    else:
        dataset = metadata.get("dataset") or ""
        paths = [os.path.join(dataset, name) for name in metadata.get("held_out", [])]
        paths = [path for path in paths if os.path.isfile(path)]
        source = f"{dataset} (held out in training)"
    if not paths:
        raise FileNotFoundError(f"No photos for the parity check in {source}; pass --data DIR, "
                                f"a folder of photos")
    chosen = np.linspace(0, len(paths) - 1, min(config.parity_images, len(paths)))
    size = Preprocessing.from_metadata(metadata).image_size
    decoder = Preprocessing(image_size=size, resize_mode="crop", normalize="none").decoder()
    images = [decode_file(decoder, paths[i])[0]
              for i in sorted(set(chosen.round().astype(int).tolist()))]
    return source, np.round(np.stack(images)).astype(np.uint8)


def compare_images(outputs, reference):
    """Figures of an export's uint8 images against Keras's: max and mean abs difference in
    levels, and the share of values that differ."""
    difference = np.abs(np.asarray(outputs, np.int64) - np.asarray(reference, np.int64))
    return {"examples": int(len(reference)), "max_abs_difference": int(difference.max()),
            "mean_abs_difference": float(difference.mean()),
            "share_different": float(np.mean(difference > 0))}

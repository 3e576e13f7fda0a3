"""The serving graph: encoded image bytes in, class scores and names out, with the model's own
decoding and normalisation inside, so that no client re-implements them."""

import contextlib

import keras
import tensorflow as tf

from tfimg.data import Preprocessing

BYTES_SIGNATURE = "serving_default"
IMAGES_SIGNATURE = "predict_images"


@contextlib.contextmanager
def quiet_saving():
    """TensorFlow's Python logger at WARNING while a SavedModel is written (it logs "Assets
    written to ..." at INFO, in every notebook and CLI run)."""
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("WARNING")
    try:
        yield
    finally:
        logger.setLevel(level)


def serving_archive(model, metadata):
    """A `keras.export.ExportArchive` of `model` with two signatures.

    `serving_default`: `image_bytes` (tf.string [batch], encoded JPEG/PNG/GIF/BMP/WebP, the
    form TF Serving's `{"b64": ...}` gives) -> decode, resize and normalise as in training ->
    `scores` (float32 [batch, num_classes]) and `classes` (tf.string [batch, num_classes], the
    class names in the same order). A batch with an image that cannot be decoded fails with
    the decoder's error.

    `predict_images`: `images` (float32 [batch, height, width, channels], already normalised)
    -> `scores`, for callers that preprocess themselves.
    """
    preprocessing = Preprocessing.from_metadata(metadata)
    class_names = tf.constant(list(metadata["class_names"]))

    def scores_and_classes(image_bytes):
        scores = tf.cast(model(preprocessing(image_bytes), training=False), tf.float32)
        classes = tf.tile(class_names[None], [tf.shape(scores)[0], 1])
        return {"scores": scores, "classes": classes}

    def scores(images):
        return {"scores": tf.cast(model(images, training=False), tf.float32)}

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(BYTES_SIGNATURE, scores_and_classes,
                         input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")])
    archive.add_endpoint(IMAGES_SIGNATURE, scores, input_signature=[
        tf.TensorSpec([None, *preprocessing.input_shape], tf.float32, name="images")])
    return archive

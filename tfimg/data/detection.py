"""Annotated images as `tf.data` for detection, and TFRecords with the TF Object Detection API's
keys.

Examples are Keras 3's bounding-box structure, so that Keras core augmentation layers given
`bounding_box_format="xyxy"` (`Resizing`, `RandomFlip`, `RandomCrop`, `RandomTranslation`,
...) move the boxes with the pixels:

    {"images": float32 [height, width, 3] in [0, 255],
     "bounding_boxes": {"boxes": float32 [num_boxes, 4] xmin, ymin, xmax, ymax in pixels,
                        "labels": int32 [num_boxes] class ids}}

Batches pad `boxes` and `labels` with -1 (Keras' convention for "no box"). Images are decoded
as stored, without EXIF rotation, because annotation tools (LabelImg included) draw boxes on
the stored pixels; `tfimg labels validate` reports images whose EXIF orientation turns them.
"""

import keras
import tensorflow as tf

from tfimg.data.tfrecord import feature, write_shards
from tfimg.formats import sniff_format
from tfimg.label.annotation import safe_join

BOUNDING_BOX_FORMAT = "xyxy"


def from_annotations(annotations, labels, images):
    """A dataset of single examples (see the module docstring) of Annotations.

    Args:
        annotations: `tfimg.label` Annotations.
        labels: their LabelMap (class ids).
        images: the folder the annotations' file names are relative to.

    Raises:
        ValueError naming an annotation whose image file name leaves `images`, or a class
        name not in `labels`.
    """
    paths = [safe_join(images, a.filename, a.filename) for a in annotations]
    boxes = [[list(box.corners) for box in a.boxes] for a in annotations]
    classes = [[labels.id(box.name) for box in a.boxes] for a in annotations]
    ragged_boxes = tf.ragged.constant(boxes, dtype=tf.float32, ragged_rank=1,
                                      inner_shape=(4,))
    ragged_classes = tf.ragged.constant(classes, dtype=tf.int32)

    def load(path, example_boxes, example_classes):
        image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        image.set_shape([None, None, 3])
        return {"images": tf.cast(image, tf.float32),
                "bounding_boxes": {"boxes": tf.reshape(example_boxes, [-1, 4]),
                                   "labels": example_classes}}

    dataset = tf.data.Dataset.from_tensor_slices((paths, ragged_boxes, ragged_classes))
    return dataset.map(load, num_parallel_calls=tf.data.AUTOTUNE)


def _tidy(example):
    """Labels back to int32 (Keras' layers return floats) and padding boxes back to -1 (they
    move padding boxes like real ones)."""
    labels = tf.cast(example["bounding_boxes"]["labels"], tf.int32)
    boxes = tf.where(labels[..., None] < 0, -1.0, example["bounding_boxes"]["boxes"])
    return {"images": example["images"], "bounding_boxes": {"boxes": boxes, "labels": labels}}


def detection_pipeline(annotations, labels, images, image_size, batch_size=8, flip=True,
                       shuffle=False, seed=None):
    """Batches for a detector: resized to `image_size` (boxes moved), padded with -1, with
    random horizontal flips (boxes flipped too) when `flip`."""
    resize = keras.layers.Resizing(*image_size, bounding_box_format=BOUNDING_BOX_FORMAT)
    dataset = from_annotations(annotations, labels, images)
    if shuffle:
        dataset = dataset.shuffle(len(annotations), seed=seed)
    dataset = dataset.map(lambda example: _tidy(resize(example)),
                          num_parallel_calls=tf.data.AUTOTUNE).padded_batch(
        batch_size, padding_values={"images": 0.0, "bounding_boxes": {
            "boxes": -1.0, "labels": -1}})
    if flip:
        random_flip = keras.layers.RandomFlip("horizontal",
                                              bounding_box_format=BOUNDING_BOX_FORMAT, seed=seed)
        dataset = dataset.map(lambda batch: _tidy(random_flip(batch)))
    return dataset.prefetch(tf.data.AUTOTUNE)


def object_detection_example(annotation, labels, encoded, image_format):
    """A tf.train.Example with the TF Object Detection API's keys (normalised corners,
    1-based class labels as its label maps use)."""
    width, height = annotation.width, annotation.height
    boxes = annotation.boxes
    name = annotation.filename.encode("utf-8")
    features = {
        "image/encoded": feature([encoded], "bytes"),
        "image/format": feature([image_format.encode()], "bytes"),
        "image/filename": feature([name], "bytes"),
        "image/source_id": feature([name], "bytes"),
        "image/height": feature([height], "int"),
        "image/width": feature([width], "int"),
        "image/object/bbox/xmin": feature([box.xmin / width for box in boxes], "float"),
        "image/object/bbox/ymin": feature([box.ymin / height for box in boxes], "float"),
        "image/object/bbox/xmax": feature([box.xmax / width for box in boxes], "float"),
        "image/object/bbox/ymax": feature([box.ymax / height for box in boxes], "float"),
        "image/object/class/text": feature([box.name.encode("utf-8") for box in boxes], "bytes"),
        "image/object/class/label": feature([labels.id(box.name) + 1 for box in boxes], "int"),
        "image/object/difficult": feature([int(box.difficult) for box in boxes], "int"),
        "image/object/truncated": feature([int(box.truncated) for box in boxes], "int"),
        "image/object/view": feature([box.pose.encode("utf-8") for box in boxes], "bytes"),
    }
    return tf.train.Example(features=tf.train.Features(feature=features))


def write_detection_tfrecords(annotations, labels, images, prefix, num_shards=1):
    """Writes `prefix-00000-of-0000N.tfrecord` shards (round-robin) through temporary names;
    returns their paths."""
    paths = [f"{prefix}-{i:05d}-of-{num_shards:05d}.tfrecord" for i in range(num_shards)]

    def serialize(index):
        annotation = annotations[index]
        with open(safe_join(images, annotation.filename, annotation.filename), "rb") as file:
            encoded = file.read()
        found = sniff_format(encoded[:32]) or "unknown"
        return object_detection_example(annotation, labels, encoded, found).SerializeToString()

    write_shards(paths, len(annotations), serialize)
    return paths

"""Annotated images in tf.data: boxes move with the pixels through Keras' resize and flip
(hypothesis), padding, and TFRecords with the TF Object Detection API's keys."""

import numpy as np
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tfimg.data.detection import (detection_pipeline, from_annotations,
                                  write_detection_tfrecords)
from tfimg.label import Annotation, Box, LabelMap

LABELS = LabelMap(["red", "green"])


@st.composite
def scenes(draw):
    width, height = draw(st.integers(16, 80)), draw(st.integers(16, 80))
    xmin = draw(st.integers(0, width - 8))
    ymin = draw(st.integers(0, height - 8))
    xmax = draw(st.integers(xmin + 8, width))
    ymax = draw(st.integers(ymin + 8, height))
    size = (draw(st.integers(16, 64)), draw(st.integers(16, 64)))
    return width, height, (xmin, ymin, xmax, ymax), size, draw(st.integers(0, 2**16))


@settings(max_examples=25, deadline=None)
@given(scenes())
def test_resize_and_flip_keep_boxes_on_their_pixels(tmp_path_factory, scene):
    width, height, corners, size, seed = scene
    folder = tmp_path_factory.mktemp("scene")
    image = Image.new("RGB", (width, height))
    image.paste((255, 0, 0), corners)  # the box's pixels, exactly
    image.save(folder / "a.png")
    annotation = Annotation("a.png", width, height, [Box("red", *corners)])
    batch = next(iter(detection_pipeline([annotation], LABELS, folder, size, seed=seed)))
    pixels = batch["images"].numpy()[0]
    xmin, ymin, xmax, ymax = batch["bounding_boxes"]["boxes"].numpy()[0, 0]
    red = np.argwhere(pixels[..., 0] > 127)
    # Every clearly red pixel lies in the moved box (one pixel of interpolation margin) and
    # the box's centre is red.
    assert red[:, 1].min() >= xmin - 1.5 and red[:, 1].max() <= xmax + 0.5
    assert red[:, 0].min() >= ymin - 1.5 and red[:, 0].max() <= ymax + 0.5
    assert pixels[int((ymin + ymax) / 2), int((xmin + xmax) / 2), 0] > 127
    assert batch["bounding_boxes"]["labels"].numpy().tolist() == [[0]]


def test_batches_pad_with_minus_one(tmp_path):
    Image.new("RGB", (40, 30)).save(tmp_path / "a.png")
    Image.new("RGB", (20, 20)).save(tmp_path / "b.jpg")
    annotations = [Annotation("a.png", 40, 30, [Box("red", 1, 2, 10, 12),
                                                Box("green", 5, 5, 40, 30)]),
                   Annotation("b.jpg", 20, 20, [])]
    single = list(from_annotations(annotations, LABELS, tmp_path))
    assert single[1]["bounding_boxes"]["boxes"].shape == (0, 4)
    batch = next(iter(detection_pipeline(annotations, LABELS, tmp_path, (15, 20), flip=False)))
    assert batch["images"].shape == (2, 15, 20, 3)
    np.testing.assert_allclose(batch["bounding_boxes"]["boxes"].numpy(), [
        [[0.5, 1.0, 5.0, 6.0], [2.5, 2.5, 20.0, 15.0]], [[-1, -1, -1, -1], [-1, -1, -1, -1]]])
    assert batch["bounding_boxes"]["labels"].numpy().tolist() == [[0, 1], [-1, -1]]


def test_object_detection_api_tfrecords(tmp_path):
    Image.new("RGB", (40, 30)).save(tmp_path / "a.png")
    annotation = Annotation("a.png", 40, 30, [Box("green", 4, 3, 20, 30, difficult=True)])
    paths = write_detection_tfrecords([annotation], LABELS, tmp_path, str(tmp_path / "od/train"))
    assert [p.rsplit("/", 1)[1] for p in paths] == ["train-00000-of-00001.tfrecord"]
    record = next(iter(tf.data.TFRecordDataset(paths)))
    example = tf.train.Example.FromString(record.numpy()).features.feature
    assert example["image/format"].bytes_list.value == [b"png"]
    assert example["image/object/class/text"].bytes_list.value == [b"green"]
    assert example["image/object/class/label"].int64_list.value == [2]  # 1-based
    assert example["image/object/difficult"].int64_list.value == [1]
    np.testing.assert_allclose([example[f"image/object/bbox/{k}"].float_list.value[0]
                                for k in ("xmin", "ymin", "xmax", "ymax")],
                               [0.1, 0.1, 0.5, 1.0], rtol=1e-6)
    assert example["image/encoded"].bytes_list.value[0] == (tmp_path / "a.png").read_bytes()

"""Tests for tfimg.data.tfrecord: write_tfrecords / from_tfrecords round trip, names, atomicity."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from tfimg.data import TFRecordFiles, decode_image, from_directory, from_tfrecords, \
    write_tfrecords


@pytest.fixture(scope="module")
def files(cifar_folder):
    """12 CIFAR JPEGs, 4 from each of the 3 classes (class folders order)."""
    everything = from_directory(cifar_folder)
    indices = [i for i, label in enumerate(everything.labels)
               if everything.labels[:i].count(label) < 4]
    return everything.subset(indices)


def _records(source):
    return [(bytes(data), int(label)) for data, label in source.records().as_numpy_iterator()]


def _file_records(files, order):
    contents = []
    for index in order:
        with open(files.full_paths()[index], "rb") as file:
            contents.append((file.read(), files.labels[index]))
    return contents


def test_round_trip_keeps_bytes_labels_and_class_names(files, tmp_path):
    paths = write_tfrecords(files, tmp_path, "cifar", "train", num_shards=2)
    source = from_tfrecords(tmp_path, "cifar", "train")
    assert isinstance(source, TFRecordFiles)
    assert source.paths == tuple(paths)
    assert source.class_names == files.class_names == ("airplane", "automobile", "bird")
    assert len(source) == source.num_examples == len(files) == 12
    # Shard k holds files k, k + num_shards, ...; records() reads the shards in order.
    order = list(range(0, 12, 2)) + list(range(1, 12, 2))
    assert _records(source) == _file_records(files, order)


def test_round_trip_decodes_to_the_same_images(files, tmp_path):
    write_tfrecords(files, tmp_path, "cifar", "train", num_shards=1)
    source = from_tfrecords(tmp_path, "cifar", "train")
    for (data, label), (expected_data, expected_label) in zip(
            _records(source)[:3], _file_records(files, range(3))):
        assert label == expected_label
        np.testing.assert_array_equal(decode_image(data), decode_image(expected_data))


def test_examples_carry_the_usual_feature_keys(files, tmp_path):
    paths = write_tfrecords(files, tmp_path, "cifar", "validation", num_shards=1)
    first = next(iter(tf.data.TFRecordDataset(paths)))
    feature = tf.train.Example.FromString(first.numpy()).features.feature
    assert feature["image/format"].bytes_list.value == [b"jpeg"]
    assert feature["image/height"].int64_list.value == [32]
    assert feature["image/width"].int64_list.value == [32]
    assert feature["image/class/label"].int64_list.value == [files.labels[0]]
    assert feature["image/class/text"].bytes_list.value == [files.class_names[0].encode()]
    assert feature["image/filename"].bytes_list.value == [files.paths[0].encode()]


def test_shard_names_and_sidecar(files, tmp_path):
    paths = write_tfrecords(files, tmp_path, "cifar", "test", num_shards=2)
    assert [os.path.basename(path) for path in paths] == [
        "cifar-test.tfrecord-00000-of-00002", "cifar-test.tfrecord-00001-of-00002"]
    assert sorted(os.listdir(tmp_path)) == [
        "cifar-test.json", "cifar-test.tfrecord-00000-of-00002",
        "cifar-test.tfrecord-00001-of-00002"]  # No temporary file left behind.
    with open(tmp_path / "cifar-test.json", encoding="utf-8") as file:
        assert json.load(file) == {"name": "cifar", "split": "test", "num_examples": 12,
                                   "num_shards": 2,
                                   "class_names": ["airplane", "automobile", "bird"]}


def test_default_shard_count_follows_examples_per_shard(files, tmp_path):
    paths = write_tfrecords(files, tmp_path, "cifar", "train", examples_per_shard=5)
    assert [os.path.basename(path)[-14:] for path in paths] == [
        "00000-of-00003", "00001-of-00003", "00002-of-00003"]
    assert len(_records(from_tfrecords(tmp_path, "cifar", "train"))) == 12


def test_reading_without_the_sidecar_recovers_names_and_count(files, tmp_path):
    write_tfrecords(files, tmp_path, "cifar", "train", num_shards=3)
    os.remove(tmp_path / "cifar-train.json")
    source = from_tfrecords(tmp_path, "cifar", "train")
    assert source.class_names == files.class_names
    assert source.num_examples == 12


def test_stale_temporary_files_are_ignored(files, tmp_path):
    write_tfrecords(files, tmp_path, "cifar", "train", num_shards=2)
    # What a crash during an earlier write leaves: a half-written shard and sidecar under
    # temporary names. Garbage bytes, so reading them would fail loudly.
    (tmp_path / "cifar-train.tfrecord-00000-of-00002.tmp-123").write_bytes(b"\x00garbage" * 9)
    (tmp_path / "cifar-train.json.tmp").write_text("{not json")
    for sidecar in (True, False):
        if not sidecar:
            os.remove(tmp_path / "cifar-train.json")
        source = from_tfrecords(tmp_path, "cifar", "train")
        assert all(".tmp" not in path for path in source.paths)
        assert len(source.paths) == 2 and len(source) == 12
        assert len(_records(source)) == 12


def test_other_names_and_splits_are_not_mixed_in(files, tmp_path):
    write_tfrecords(files, tmp_path, "cifar", "train", num_shards=1)
    write_tfrecords(files.subset(range(5)), tmp_path, "cifar", "validation", num_shards=1)
    write_tfrecords(files.subset(range(3)), tmp_path, "cifar-small", "train", num_shards=1)
    assert len(from_tfrecords(tmp_path, "cifar", "train")) == 12
    assert len(from_tfrecords(tmp_path, "cifar", "validation")) == 5
    assert len(from_tfrecords(tmp_path, "cifar-small", "train")) == 3


def test_missing_shards_raise(tmp_path):
    with pytest.raises(FileNotFoundError, match="cifar-train.tfrecord"):
        from_tfrecords(tmp_path, "cifar", "train")

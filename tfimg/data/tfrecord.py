"""Sharded TFRecord files with the usual image feature keys: writing and reading.

Files are named `NAME-SPLIT.tfrecord-00000-of-000NN` and hold `tf.train.Example`s with
`image/encoded`, `image/format`, `image/height`, `image/width`, `image/class/label` and
`image/class/text`. A `NAME-SPLIT.json` sidecar records the class names and counts. Each shard
is written under a temporary name and renamed when complete, so a crash never leaves a
truncated shard that looks finished.
"""

import dataclasses
import glob
import json
import math
import os
import sys

import tensorflow as tf

from tfimg.atomic import write_atomically, write_text
from tfimg.formats import sniff_format

FEATURES = {
    "image/encoded": tf.io.FixedLenFeature([], tf.string),
    "image/format": tf.io.FixedLenFeature([], tf.string, default_value=""),
    "image/height": tf.io.FixedLenFeature([], tf.int64, default_value=0),
    "image/width": tf.io.FixedLenFeature([], tf.int64, default_value=0),
    "image/class/label": tf.io.FixedLenFeature([], tf.int64, default_value=-1),
    "image/class/text": tf.io.FixedLenFeature([], tf.string, default_value=""),
}


def feature(values, kind):
    """A tf.train.Feature of a list of `kind` "bytes", "float" or "int" values."""
    if kind == "bytes":
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))
    if kind == "float":
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))
    return tf.train.Feature(int64_list=tf.train.Int64List(value=values))


def write_shards(paths, count, serialize, progress=False):
    """Writes records 0..count-1 round-robin into the shard files `paths` (record i in shard
    i % len(paths)); `serialize(i)` gives record i's bytes. Each shard is written under a
    temporary name and renamed when complete.

    Args:
        progress: print a line per shard to stderr.
    """
    for shard, path in enumerate(paths):
        def write(temporary, shard=shard):
            with tf.io.TFRecordWriter(temporary) as writer:
                for index in range(shard, count, len(paths)):
                    writer.write(serialize(index))

        write_atomically(path, write)
        if progress:
            print(f"wrote {path}", file=sys.stderr)


def _image_size(encoded):
    """(height, width) from the header, via Pillow (no pixels decoded); (0, 0) if unknown."""
    import io

    from PIL import Image
    try:
        with Image.open(io.BytesIO(encoded)) as image:
            width, height = image.size
        return height, width
    except Exception:  # noqa: BLE001 - size is informative only; decoding decides validity
        return 0, 0


def shard_paths(directory, name, split, num_shards):
    """The shard file names a dataset of `num_shards` shards is written to."""
    return [os.path.join(directory, f"{name}-{split}.tfrecord-{i:05d}-of-{num_shards:05d}")
            for i in range(num_shards)]


def write_tfrecords(files, directory, name, split="train", num_shards=None,
                    examples_per_shard=2048, progress=False):
    """Writes `ImageFiles` as sharded TFRecords, the encoded bytes unchanged.

    Args:
        files: `tfimg.data.ImageFiles`.
        directory: output folder (created with the first shard).
        name, split: used in file names.
        num_shards: number of shards; default from `examples_per_shard`.
        progress: print a line per shard to stderr.

    Returns:
        The list of shard paths written.
    """
    num_shards = num_shards or max(1, math.ceil(len(files) / examples_per_shard))
    paths = shard_paths(directory, name, split, num_shards)
    full_paths = files.full_paths()

    def serialize(index):
        with open(full_paths[index], "rb") as file:
            encoded = file.read()
        height, width = _image_size(encoded)
        label = files.labels[index]
        return tf.train.Example(features=tf.train.Features(feature={
            "image/encoded": feature([encoded], "bytes"),
            "image/format": feature([(sniff_format(encoded[:1024]) or "").encode()], "bytes"),
            "image/height": feature([height], "int"),
            "image/width": feature([width], "int"),
            "image/class/label": feature([label], "int"),
            "image/class/text": feature([files.class_names[label].encode()], "bytes"),
            "image/filename": feature([files.paths[index].encode()], "bytes"),
        })).SerializeToString()

    write_shards(paths, len(files), serialize, progress)
    metadata = {"name": name, "split": split, "num_examples": len(files),
                "num_shards": num_shards, "class_names": list(files.class_names)}
    write_text(os.path.join(directory, f"{name}-{split}.json"), json.dumps(metadata, indent=2))
    return paths


@dataclasses.dataclass(frozen=True)
class TFRecordFiles:
    """Sharded TFRecords of encoded images (a source for `build_pipeline`).

    Attributes:
        paths: shard files.
        class_names: class names, index = `image/class/label`.
        num_examples: records in all shards.
    """

    paths: tuple
    class_names: tuple
    num_examples: int

    def __len__(self):
        return self.num_examples

    def records(self):
        """Dataset of (encoded bytes, int32 label), in shard order."""
        def parse(serialized):
            parsed = tf.io.parse_example(serialized, FEATURES)
            return parsed["image/encoded"], tf.cast(parsed["image/class/label"], tf.int32)
        return tf.data.TFRecordDataset(list(self.paths)).batch(1024).map(parse).unbatch()


def from_tfrecords(directory, name, split="train"):
    """Opens the shards `directory/NAME-SPLIT.tfrecord-*` written by `write_tfrecords`.

    Class names and counts come from the JSON sidecar when present; otherwise the shards are
    read once to count records and collect `image/class/text`.
    """
    directory = os.fspath(directory)
    paths = tuple(sorted(glob.glob(os.path.join(directory, f"{name}-{split}.tfrecord-*-of-*"))))
    paths = tuple(p for p in paths if ".tmp-" not in p)
    if not paths:
        raise FileNotFoundError(f"No shards {name}-{split}.tfrecord-* in {directory!r}")
    sidecar = os.path.join(directory, f"{name}-{split}.json")
    if os.path.exists(sidecar):
        with open(sidecar, encoding="utf-8") as file:
            metadata = json.load(file)
        return TFRecordFiles(paths, tuple(metadata["class_names"]), metadata["num_examples"])
    names, count = {}, 0
    features = {k: FEATURES[k] for k in ("image/class/label", "image/class/text")}
    for batch in tf.data.TFRecordDataset(list(paths)).batch(4096).map(
            lambda s: tf.io.parse_example(s, features)):
        count += int(tf.size(batch["image/class/label"]))
        for label, text in zip(batch["image/class/label"].numpy(),
                               batch["image/class/text"].numpy()):
            names.setdefault(int(label), text.decode())
    class_names = tuple(names.get(i, str(i)) for i in range(max(names, default=-1) + 1))
    return TFRecordFiles(paths, class_names, count)

"""The real images an export is checked on, and integer TFLite is calibrated with.

Where they come from, in this order:

- `--data DIR` given, and not the folder the model was trained on: every image of DIR (spread
  evenly up to `parity_images`); the user chose them, so none is held back.
- the training folder (given again as `--data`, or recorded in the model's metadata): its
  validation split for the check and its training split for calibration, as in training.
- a model trained with `--tfds`: the validation split recorded in its metadata, read with
  `tfimg.data.from_tfds` (the first images for the check, the next ones for calibration).
"""

import os

import numpy as np
import tensorflow as tf

from tfimg import data


class ParityImages:
    """Images with their labels, as the export and the Keras model see them.

    Attributes:
        source: where they come from, for messages and parity.json (a folder, or "tfds NAME
            SPLIT").
        selection: which of a folder's images: "every image" (a `--data` folder) or "the
            split training held out" (the model's own training folder).
        names: one name per image (its file path, or "SPLIT#INDEX" for tfds).
        contents: the encoded bytes of each image (what the SavedModel's bytes signature takes).
        labels: int [n] class indices in the model's class names.
        images: float32 [n, height, width, channels] normalised model inputs.
        representative: float32 calibration images for integer TFLite, or None.
        skipped: names of the chosen images that do not decode (left out of the check).
    """

    def __init__(self, source, decoder, parity, representative=None, selection=""):
        self.source = source
        self.selection = selection
        self.skipped = []
        self.names, self.contents, self.labels, self.images = _decode(decoder, parity, source,
                                                                      self.skipped)
        self.representative = (_decode(decoder, representative, source, [])[3]
                               if representative is not None else None)


def _decode(decoder, items, source, skipped):
    """(names, contents, labels, images) of the decodable (name, bytes, label) `items`; the
    names of the others are appended to `skipped`."""
    names, contents, labels, images = [], [], [], []
    for name, content, label in items:
        try:
            image = decoder(tf.constant(content)).numpy()[0]
        except tf.errors.InvalidArgumentError:
            skipped.append(name)  # undecodable: the export would refuse it too
            continue
        names.append(name)
        contents.append(content)
        labels.append(label)
        images.append(image)
    if not images:
        raise ValueError(f"No decodable images for the parity check in {source}")
    return names, contents, np.array(labels), np.stack(images)


def _spread(files, count):
    """Up to `count` (path, bytes, label) of `files`, spread evenly over the list."""
    chosen = np.linspace(0, len(files) - 1, min(count, len(files))).round().astype(int)
    paths = files.full_paths()
    for index in sorted(set(chosen.tolist())):
        with open(paths[index], "rb") as file:
            yield paths[index], file.read(), files.labels[index]


def _same_folder(first, second):
    return isinstance(second, str) and os.path.realpath(first) == os.path.realpath(second)


def _from_folder(config, metadata, decoder, calibrated):
    root = config.data if config.data else metadata["dataset"]
    files = data.files_for_classes(root, list(metadata["class_names"]))
    if not len(files):
        raise ValueError(f"No images of the model's classes in {os.path.abspath(root)!r} "
                         f"for the parity check")
    source = os.path.abspath(root)
    if config.data and not _same_folder(config.data, metadata.get("dataset")):
        parity, calibration = files, files
        selection = "every image"
    else:
        selection = "the split training held out"
        fraction = metadata.get("config", {}).get("validation", 0.2)
        splits = files.split(validation=fraction)
        parity, calibration = splits["validation"], splits["train"]
    representative = (list(_spread(calibration, config.representative_images))
                      if calibrated else None)
    return ParityImages(source, decoder, list(_spread(parity, config.parity_images)),
                        representative, selection)


def _from_tfds(config, dataset, decoder, calibrated):
    source = data.from_tfds(dataset["tfds"], dataset["split"])
    wanted = config.parity_images + (config.representative_images if calibrated else 0)
    items = [(f"{source.split}#{index}", tf.io.encode_png(image).numpy(), int(label))
             for index, (image, label) in enumerate(source.images().take(wanted))]
    parity = items[:config.parity_images]
    representative = (items[config.parity_images:] or parity) if calibrated else None
    return ParityImages(f"tfds {source.name} {source.split}", decoder, parity, representative)


def parity_images(config, metadata, calibrated):
    """The `ParityImages` of an export (see the module's docstring for where they come from).

    Args:
        config: the `ExportConfig` (`data`, `parity_images`, `representative_images`).
        metadata: the model folder's metadata ("class_names", "preprocessing", "dataset").
        calibrated: whether calibration images are needed too.

    Raises:
        FileNotFoundError: no `--data` and the training images are not on this machine.
        ValueError: the folder has no decodable images of the model's classes.
    """
    decoder = data.Preprocessing.from_metadata(metadata).decoder()
    dataset = metadata.get("dataset")
    if config.data:
        if not os.path.isdir(config.data):
            raise FileNotFoundError(f"--data {os.path.abspath(config.data)!r} is not a folder "
                                    f"of class folders for the parity check")
        return _from_folder(config, metadata, decoder, calibrated)
    if isinstance(dataset, dict) and "tfds" in dataset:
        return _from_tfds(config, dataset, decoder, calibrated)
    if isinstance(dataset, str) and os.path.isdir(dataset):
        return _from_folder(config, metadata, decoder, calibrated)
    where = (f"its training images ({os.path.abspath(dataset)}) are not on this machine"
             if isinstance(dataset, str) and dataset else "it records no training images")
    raise FileNotFoundError(f"No images for the parity check: {where}; pass --data DIR, class "
                            f"folders DIR/<class>/<image> with the model's classes")

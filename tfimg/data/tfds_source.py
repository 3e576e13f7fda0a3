"""tensorflow-datasets as a source: any image classification dataset by name."""

import dataclasses

import tensorflow as tf


@dataclasses.dataclass(frozen=True)
class TfdsSource:
    """A tensorflow-datasets split of (image, label) pairs.

    Attributes:
        name: dataset name, e.g. "cifar10".
        split: split string, e.g. "train" or "train[:90%]".
        data_dir: where tfds keeps prepared data (None for its default).
        download: allow downloading and preparing (needs the internet).
    """

    name: str
    split: str = "train"
    data_dir: str = None
    download: bool = True

    def _builder(self):
        import tensorflow_datasets as tfds
        return tfds.builder(self.name, data_dir=self.data_dir)

    @property
    def class_names(self):
        feature = self._builder().info.features["label"]
        return tuple(feature.names)

    def __len__(self):
        return self._builder().info.splits[self.split].num_examples

    def images(self, shuffle_files=False, seed=0):
        """Dataset of (uint8 image, int32 label) as tfds decodes them."""
        import tensorflow_datasets as tfds
        dataset = tfds.load(self.name, split=self.split, data_dir=self.data_dir,
                            download=self.download, as_supervised=True,
                            shuffle_files=shuffle_files,
                            read_config=tfds.ReadConfig(shuffle_seed=seed))
        return dataset.map(lambda image, label: (image, tf.cast(label, tf.int32)))


def from_tfds(name, split="train", data_dir=None, download=True):
    """A tensorflow-datasets split as a tfimg source (`build_pipeline` accepts it)."""
    return TfdsSource(name, split, data_dir, download)

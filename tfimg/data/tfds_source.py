"""tensorflow-datasets as a source: any image classification dataset by name."""

import dataclasses
import socket
import threading

import tensorflow as tf

# tfds fetches prepared datasets and their metadata from Google Cloud Storage first. When this
# host does not resolve, the machine is offline: a download would spend minutes in tfds'
# retries (10 per URL, with backoff) before failing, so it is refused at once.
TFDS_HOST = "storage.googleapis.com"
RESOLVE_SECONDS = 5


def _resolves(host, seconds=RESOLVE_SECONDS):
    """Whether DNS resolves `host` within `seconds` (getaddrinfo itself has no timeout; it runs
    on a daemon thread, so that a resolver that hangs does not hold up the process's exit)."""
    answers = []

    def resolve():
        try:
            answers.append(bool(socket.getaddrinfo(host, 443)))
        except OSError:
            answers.append(False)

    thread = threading.Thread(target=resolve, name="tfimg-resolve", daemon=True)
    thread.start()
    thread.join(seconds)
    return bool(answers and answers[0])


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
        """The dataset's tfds builder, prepared; ValueError naming the dataset when it is not
        prepared and cannot be (download=False, or offline)."""
        import tensorflow_datasets as tfds
        from tensorflow_datasets.core.registered import DatasetNotFoundError

        try:
            builder = tfds.builder(self.name, data_dir=self.data_dir)
        except DatasetNotFoundError as error:
            raise ValueError(f"tensorflow-datasets has no dataset {self.name!r}") from error
        if builder.is_prepared():
            return builder
        where = f"is not prepared in {builder.data_dir}"
        if not self.download:
            raise ValueError(f"tfds dataset {self.name!r} {where} and download=False; prepare "
                             "it once online, or use class folders (--data DIR) instead")
        if not _resolves(TFDS_HOST):
            raise ValueError(f"tfds dataset {self.name!r} {where} and cannot be downloaded: "
                             f"cannot resolve {TFDS_HOST} (offline?); prepare it once online, "
                             "or use class folders (--data DIR) instead")
        builder.download_and_prepare()
        return builder

    @property
    def class_names(self):
        feature = self._builder().info.features["label"]
        return tuple(feature.names)

    def __len__(self):
        return self._builder().info.splits[self.split].num_examples

    def images(self, shuffle_files=False, seed=0):
        """Dataset of (uint8 image, int32 label) as tfds decodes them."""
        import tensorflow_datasets as tfds

        dataset = self._builder().as_dataset(
            split=self.split, as_supervised=True, shuffle_files=shuffle_files,
            read_config=tfds.ReadConfig(shuffle_seed=seed))
        return dataset.map(lambda image, label: (image, tf.cast(label, tf.int32)))


def from_tfds(name, split="train", data_dir=None, download=True):
    """A tensorflow-datasets split as a tfimg source (`build_pipeline` accepts it)."""
    return TfdsSource(name, split, data_dir, download)

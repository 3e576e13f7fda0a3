"""The `tf.data` input layer: encoded files -> decode -> resize -> batches for a model.

    read_file -> decode_image -> resize -> (cache uint8) -> shuffle -> batch
              -> augment -> normalize -> prefetch

Speed: a `tf.data` function call costs tens of microseconds on a small VM, more than decoding
a 32x32 JPEG, so small images are decoded in chunks (one call runs `tf.map_fn` over `chunk_size`
files); large ones (photos for a 224x224 model) one file per call, without loops, whose set-up
at every epoch's start would cost more than the calls they save. When a few files sampled from
the list are JPEGs of one size (CIFAR-10, a resized photo corpus), files are read and decoded in
one step (`read_uniform_jpegs`); JPEGs of many sizes, one file per call, take `read_jpeg`
(libjpeg's header reader instead of the general parser); otherwise headers are parsed and
images decoded by group (`decode_batch`, or `decode_resized` for one file). Map parallelism is
set to the cores available, since tf.data's autotuning often leaves a short first epoch on one
core of a 2-core machine.

Robustness: a file that fails to decode is retried alone and, if it fails again, skipped,
counted and named (`tfimg.data.robust`); `Pipeline.skipped()` returns the skipped files.
"""

import dataclasses
import math

import tensorflow as tf
from PIL import Image

from tfimg.data.decode import luma, read_jpeg, read_uniform_jpegs, resize_decoded
from tfimg.data.files import ImageFiles
from tfimg.data.memory_cache import MemoryCache
from tfimg.data.preprocessing import Preprocessing
from tfimg.data.robust import SkipTracker, cores, graph_function, robust_decode
from tfimg.data.tfds_source import TfdsSource
from tfimg.data.tfrecord import TFRecordFiles
from tfimg.formats import DEFAULT_MAX_PIXELS

# Shuffle buffers after a cache hold decoded images; bound them by memory, not by count.
_SHUFFLE_BUFFER_BYTES = 512 * 2 ** 20


@dataclasses.dataclass(frozen=True)
class PipelineConfig:
    """How images become batches of model inputs.

    Attributes:
        image_size, channels, resize_mode, antialias, normalize, max_pixels: what the model
            sees, as the fields of `tfimg.data.Preprocessing` (the `preprocessing` property;
            `PipelineConfig.of` builds a config from one).
        batch_size: images per batch.
        shuffle: reshuffle every epoch (seeded by `seed` and the epoch number).
        seed: seed for shuffling.
        cache: None, "memory", or a file path prefix; caches decoded uint8 images, before
            augmentation.
        augment: Keras preprocessing layers applied to float32 [0, 255] batches in training,
            e.g. `keras.layers.RandomFlip()`, `keras.layers.RandAugment(value_range=(0, 255))`.
        drop_remainder: drop a last partial batch.
        chunk_size: files decoded per `tf.data` call; None picks about 256k output pixels per
            chunk (256 for 32x32 images, 16 for 128x128), enough to amortise the per-call
            cost, and one file per call from about 180x180 up (224x224 photos), where the
            decode outweighs the call and a chunk's loops would cost more to start every
            epoch than they save.
        deterministic: deliver chunks in order, so that a seeded shuffle is reproducible;
            False lets a slow chunk be overtaken (a little faster, order varies).
    """

    image_size: tuple = (224, 224)
    channels: int = 3
    resize_mode: str = "stretch"
    antialias: object = "auto"
    normalize: str = "standardize"
    batch_size: int = 32
    shuffle: bool = False
    seed: int = 0
    cache: str = None
    augment: tuple = ()
    drop_remainder: bool = False
    max_pixels: int = DEFAULT_MAX_PIXELS
    chunk_size: int = None
    deterministic: bool = True

    def __post_init__(self):
        # Preprocessing checks (and normalises) the fields it owns.
        object.__setattr__(self, "image_size", self.preprocessing.image_size)
        object.__setattr__(self, "augment", tuple(self.augment))
        for name in ("batch_size", "chunk_size"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"Expected {name} > 0, received {value!r}")

    @classmethod
    def of(cls, preprocessing, **settings):
        """The config that feeds a model with `preprocessing`, with loader `settings`
        (batch_size, shuffle, cache, augment, ...)."""
        return cls(**dataclasses.asdict(preprocessing), **settings)

    @property
    def preprocessing(self):
        """The `Preprocessing` part of these settings: what the model sees."""
        return Preprocessing(self.image_size, self.channels, self.resize_mode, self.antialias,
                             self.normalize, self.max_pixels)

    @property
    def files_per_chunk(self):
        """`chunk_size`, or the size picked for `image_size` when it is None."""
        if self.chunk_size is not None:
            return self.chunk_size
        files = 262144 // (self.image_size[0] * self.image_size[1])
        return 1 if files < 8 else min(256, files)


def decode_config(contents, config, one=False):
    """tf.string [n] encoded images -> uint8 [n, height, width, channels] as `config` asks.

    `one`: `contents` holds exactly one image, decoded without `decode_batch`'s loops (other
    sizes fail at run time).
    """
    if not one:
        return config.preprocessing.decode(contents)
    return config.preprocessing.decode_one(tf.reshape(contents, []))[None]


def read_files(paths):
    """tf.string [n] paths -> tf.string [n] file contents."""
    return tf.map_fn(tf.io.read_file, paths, fn_output_signature=tf.string,
                     parallel_iterations=1)


class Pipeline:
    """A built input pipeline.

    Attributes:
        dataset: `tf.data.Dataset` of (float32 images (batch, height, width, channels), int32
            labels (batch,)), ready for `keras.Model.fit`.
        class_names: tuple of class names, index = label.
        num_examples: images listed by the source (before any skipped).
        config: the `PipelineConfig`.
    """

    def __init__(self, dataset, class_names, num_examples, config, tracker=None):
        self.dataset = dataset
        self.class_names = tuple(class_names)
        self.num_examples = num_examples
        self.config = config
        self._tracker = tracker

    @property
    def steps_per_epoch(self):
        rounding = math.floor if self.config.drop_remainder else math.ceil
        return max(1, rounding(self.num_examples / self.config.batch_size))

    def skipped(self):
        """Names of the items that failed to decode in the last fully decoded epoch."""
        if self._tracker is None:
            return []
        return [self._tracker.name(index) for index in self._tracker.skipped]


def _sample_jpegs(paths, config, sample_size=8):
    """What PIL makes of a few of the files `paths`, spread over the list: (all JPEGs, their stored (height,
    width) when they are JPEGs of one size without EXIF segments, else None).

    Folders of same-size JPEGs take `read_uniform_jpegs`, and, one file per call, other
    folders of JPEGs take `read_jpeg`; any other folder the general decoder. The fast paths
    check every file again, so a wrong guess costs speed, not pixels.
    """
    sizes, plain = set(), True
    for path in paths[::max(1, len(paths) // sample_size)][:sample_size]:
        try:
            with Image.open(path) as image:
                if image.format != "JPEG":
                    return False, None
                plain = plain and image.mode in ("RGB", "L") and "exif" not in image.info
                sizes.add(image.size)
        except (OSError, ValueError, Image.DecompressionBombError):
            return False, None
    if not plain or len(sizes) != 1:
        return True, None
    width, height = sizes.pop()
    return True, (height, width) if height * width <= config.max_pixels else None


def _decode_files(files, config):
    full_paths = files.full_paths()
    paths = tf.constant(full_paths)
    labels = tf.constant(files.labels, tf.int32)
    jpegs, stored_size = _sample_jpegs(full_paths, config)
    one = config.files_per_chunk == 1
    settings = config.preprocessing

    def decode_general(paths):
        return decode_config(read_files(paths), config)

    def decode_chunk(indices):
        chunk_paths = tf.gather(paths, indices)
        if stored_size is not None:
            images = read_uniform_jpegs(chunk_paths, stored_size, settings.image_size,
                                        settings.channels, settings.resize_mode,
                                        settings.antialias, one)
        elif jpegs and one:
            images = read_jpeg(chunk_paths, settings.image_size, settings.channels,
                               settings.resize_mode, settings.antialias,
                               settings.max_pixels)[None]
        elif one:
            images = settings.decode_one(tf.io.read_file(tf.reshape(chunk_paths, [])))[None]
        else:
            images = decode_general(chunk_paths)
        return indices, images, tf.gather(labels, indices)

    def retry_items(indices):
        return ((index, full_paths[index], files.labels[index]) for index in indices)

    order = tf.data.Dataset.range(len(files))
    if config.shuffle:
        order = order.shuffle(len(files), seed=config.seed, reshuffle_each_iteration=True)
    tracker = SkipTracker(len(files), files.paths.__getitem__)
    decoded = robust_decode(order.batch(config.files_per_chunk), decode_chunk, tracker,
                            retry_items, decode_general, config)
    return decoded, tracker


def _decode_records(source, config):
    def decode_general(contents):
        return decode_config(contents, config)

    def decode_chunk(indices, record):
        contents, labels = record
        return indices, decode_config(contents, config, config.files_per_chunk == 1), labels

    def retry_items(indices):
        wanted = set(indices.tolist())
        for index, (contents, label) in enumerate(source.records().as_numpy_iterator()):
            if index in wanted:
                yield index, contents, label

    tracker = SkipTracker(len(source), "record {}".format)
    chunks = source.records().enumerate().batch(config.files_per_chunk)
    decoded = robust_decode(chunks, decode_chunk, tracker, retry_items, decode_general, config)
    return decoded, tracker


def _match_channels(image, channels):
    image = image[..., :3]  # alpha dropped, as for files
    if image.shape[-1] == channels:
        return image
    return tf.image.grayscale_to_rgb(image) if channels == 3 else luma(image)


def _decode_tfds(source, config):
    def prepare(image, label):
        image = _match_channels(image, config.channels)
        same = tf.reduce_all(tf.equal(tf.shape(image)[:2], config.image_size))
        image = tf.cond(same, lambda: image, lambda: resize_decoded(
            image, config.image_size, config.resize_mode, config.antialias))
        return tf.ensure_shape(image, [*config.image_size, config.channels]), label

    images = source.images(shuffle_files=config.shuffle, seed=config.seed)
    images = images.map(graph_function(prepare), num_parallel_calls=cores()).ignore_errors()
    indexed = images.enumerate().map(lambda index, item: (index, *item))
    return indexed.batch(config.files_per_chunk)


def _normalizes_chunks(config, training, shuffled):
    """Whether chunks can be normalised as soon as they are decoded: nothing later needs uint8
    images (no cache, no augmentation, no shuffle buffer). Then normalisation runs alongside
    the decoding of the next chunks instead of on whole batches at the end, which on a folder
    of one or two batches waits for the last image and then runs alone."""
    return (config.cache is None and not (config.augment and training)
            and not (config.shuffle and not shuffled))


def _finish(decoded, config, num_examples, training, shuffled):
    """Cache, shuffle, batch, augment, normalise and prefetch decoded chunks.

    `decoded` yields (indices, uint8 images, labels) chunks; indices travel to the stage that
    normalises, which drops them. `shuffled`: the items already come in a fresh random order
    each epoch (file lists are shuffled before decoding); a buffer is only needed after a file
    cache or for streams.
    """
    def batch(chunks, shuffled=shuffled):
        if config.shuffle and not shuffled:
            image_bytes = config.image_size[0] * config.image_size[1] * config.channels
            buffer = max(1024, _SHUFFLE_BUFFER_BYTES // image_bytes)
            chunks = chunks.unbatch().shuffle(min(max(num_examples, 1), buffer),
                                              seed=config.seed, reshuffle_each_iteration=True)
            return chunks.batch(config.batch_size, drop_remainder=config.drop_remainder)
        return chunks.rebatch(config.batch_size, drop_remainder=config.drop_remainder)

    if _normalizes_chunks(config, training, shuffled):
        normalized = decoded.map(graph_function(_normalize_chunk(config)),
                                 num_parallel_calls=cores(), deterministic=config.deterministic)
        return _prefetched(batch(normalized))
    if config.cache == "memory":
        cache = MemoryCache(num_examples, (*config.image_size, config.channels),
                            config.batch_size, config.drop_remainder, config.shuffle, config.seed)
        dataset = cache.wrap(decoded, batch)
    elif config.cache is not None:
        dataset = batch(decoded.cache(config.cache), shuffled=False)
    else:
        dataset = batch(decoded)
    return finish_batches(dataset, config, training)


def finish_batches(dataset, config, training):
    """uint8 (images, labels) or (indices, images, labels) batches -> augmented (in training),
    normalised float32 (images, labels), prefetched."""
    augment = config.augment if training else ()
    preprocessing = config.preprocessing

    def finish(*batch):
        images, labels = batch[-2:]  # indices, when there, are dropped here (one stage less)
        images = tf.cast(images, tf.float32)
        for layer in augment:
            images = layer(images, training=True)
        return preprocessing.normalize_images(images), labels

    return _prefetched(dataset.map(graph_function(finish), num_parallel_calls=cores()))


def _normalize_chunk(config):
    """(indices, uint8 images, labels) -> (normalised float32 images, labels)."""
    def normalize_chunk(indices, images, labels):
        return config.preprocessing.normalize_images(tf.cast(images, tf.float32)), labels
    return normalize_chunk


def _prefetched(dataset):
    # tf.data's autotuning starts map parallelism low and, on a 2-core machine, often leaves
    # the first epoch on one core: the parallelism is set to the cores available instead.
    options = tf.data.Options()
    options.autotune.enabled = False
    # The default graph rewrites cost more at the start of each epoch than they save here.
    options.experimental_optimization.apply_default_optimizations = False
    return dataset.prefetch(2).with_options(options)


def build_pipeline(source, config=None, training=None, **overrides):
    """Builds the input pipeline for a source.

    Args:
        source: `ImageFiles` (class folders or manifest), `TFRecordFiles` or `TfdsSource`.
        config: a `PipelineConfig`; keyword `overrides` replace its fields.
        training: apply `config.augment`; defaults to `config.shuffle`.

    Returns:
        `Pipeline` whose `dataset` yields (float32 images, int32 labels) batches.
    """
    config = dataclasses.replace(config or PipelineConfig(), **overrides)
    training = config.shuffle if training is None else training
    tracker = None
    if isinstance(source, ImageFiles):
        if len(source) == 0:
            raise ValueError(f"No images to load from {source.root!r}")
        decoded, tracker = _decode_files(source, config)
    elif isinstance(source, TFRecordFiles):
        decoded, tracker = _decode_records(source, config)
    elif isinstance(source, TfdsSource):
        decoded = _decode_tfds(source, config)
    else:
        raise TypeError(f"Expected ImageFiles, TFRecordFiles or TfdsSource, received "
                        f"{type(source).__name__}")
    dataset = _finish(decoded, config, len(source), training,
                      shuffled=isinstance(source, ImageFiles))
    return Pipeline(dataset, source.class_names, len(source), config, tracker)

"""Tests for tfimg.data.memory_cache.MemoryCache, on its own and as `cache="memory"`."""

import numpy as np
import tensorflow as tf

from tfimg.data import build_pipeline, from_directory
from tfimg.data.memory_cache import MemoryCache

NUM_ITEMS = 10


def _source():
    """Chunks of (indices, images, labels): image i is filled with i, label i is 100 + i."""
    indices = tf.range(NUM_ITEMS, dtype=tf.int64)
    images = tf.cast(tf.broadcast_to(tf.reshape(indices, [-1, 1, 1, 1]), [NUM_ITEMS, 2, 2, 1]),
                     tf.uint8)
    labels = tf.cast(indices, tf.int32) + 100
    return tf.data.Dataset.from_tensor_slices((indices, images, labels)).batch(3)


def _rebatch(size):
    return lambda chunks: chunks.rebatch(size)


def _epochs(dataset, count):
    """Per epoch: the list of batches, each as the list of image numbers it holds."""
    result = []
    for _ in range(count):
        batches = []
        for images, labels in dataset:
            numbers = images.numpy()[:, 0, 0, 0].tolist()
            np.testing.assert_array_equal(labels.numpy(), np.array(numbers) + 100)
            batches.append(numbers)
        result.append(batches)
    return result


def test_first_epoch_decodes_then_epochs_are_served_from_memory_in_new_orders():
    cache = MemoryCache(NUM_ITEMS, (2, 2, 1), batch_size=4, shuffle=True, seed=5)
    epochs = _epochs(cache.wrap(_source(), _rebatch(4)), 4)
    assert epochs[0] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]  # As decoded.
    for batches in epochs[1:]:
        assert [len(batch) for batch in batches] == [4, 4, 2]
        assert sorted(sum(batches, [])) == list(range(NUM_ITEMS))
    orders = [sum(batches, []) for batches in epochs[1:]]
    assert orders[0] != orders[1] != orders[2]
    # The same seed gives the same orders; the variables of one cache do not leak into another.
    again = MemoryCache(NUM_ITEMS, (2, 2, 1), batch_size=4, shuffle=True, seed=5)
    assert _epochs(again.wrap(_source(), _rebatch(4)), 4) == epochs


def test_unshuffled_cache_serves_in_index_order_and_drops_the_remainder():
    cache = MemoryCache(NUM_ITEMS, (2, 2, 1), batch_size=4, drop_remainder=True)
    epochs = _epochs(cache.wrap(_source(), lambda chunks: chunks.rebatch(4, True)), 2)
    assert epochs == [[[0, 1, 2, 3], [4, 5, 6, 7]]] * 2


def test_items_never_decoded_are_not_served():
    cache = MemoryCache(NUM_ITEMS, (2, 2, 1), batch_size=4)
    missing = _source().map(lambda i, x, y: tuple(tf.boolean_mask(t, i % 3 != 1)
                                                  for t in (i, x, y)))
    epochs = _epochs(cache.wrap(missing, _rebatch(4)), 2)
    assert sum(epochs[1], []) == [0, 2, 3, 5, 6, 8, 9] == sum(epochs[0], [])


def test_an_epoch_left_early_is_decoded_again():
    cache = MemoryCache(NUM_ITEMS, (2, 2, 1), batch_size=4)
    dataset = cache.wrap(_source(), _rebatch(4))
    next(iter(dataset))  # One batch, then the iterator is dropped.
    assert not bool(cache.filled)
    _epochs(dataset, 1)
    assert bool(cache.filled)


def test_memory_cache_of_a_folder_with_a_bad_file(cifar_folder, tmp_path):
    root = tmp_path / "folder"
    (root / "bird").mkdir(parents=True)
    for source in sorted((cifar_folder / "bird").iterdir())[:6]:
        (root / "bird" / source.name).write_bytes(source.read_bytes())
    (root / "bird" / "zz.jpg").write_bytes(b"not a picture")
    pipeline = build_pipeline(from_directory(root), image_size=(32, 32), batch_size=4,
                              normalize="none", cache="memory", shuffle=True)
    epochs = []
    for _ in range(3):
        epochs.append(np.concatenate([images.numpy() for images, _ in pipeline.dataset]))
        assert pipeline.skipped() == ["bird/zz.jpg"]  # Named after the decoded epoch.
    for images in epochs[1:]:
        assert images.shape == (6, 32, 32, 3)
        assert sorted(image.tobytes() for image in images) == sorted(
            image.tobytes() for image in epochs[0])

"""Decoding that never stops on a bad file: chunks on a fast path, failed chunks retried item by
item, skipped items counted and named.

A file that fails to decode fails its whole chunk. Such chunks are dropped from the fast path,
which marks every item it decodes in a variable; when the fast path has finished, one Python
step (`_Retry`) decodes again, one by one, the items left unmarked, with the general decoder
(traced on the first failure), where an error drops only the bad item. It then counts and names
the skipped items on stderr, and `SkipTracker.skipped` keeps them for `Pipeline.skipped()`.

Cost: on a 2-core VM each `tf.data` stage costs tens of milliseconds to trace and again to start
at every epoch, as much as decoding a thousand 32x32 JPEGs. So the fast path is one stage, the
marks are reset while its first chunk is drawn, and what happens only after a failure (looking
up the unmarked items, the general decoder) stays in Python, out of the graph.
"""

import os
import sys

import numpy as np
import tensorflow as tf

# The pipeline's functions have no Python control flow on tensors; skipping autograph's
# conversion makes building a pipeline several times faster.
graph_function = tf.autograph.experimental.do_not_convert


def cores():
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


class SkipTracker:
    """Marks, in a variable, which items of the current epoch were decoded (`done`), and keeps
    the indices of the items skipped in the last epoch decoded to the end (`skipped`).

    Args:
        num_items: items of an epoch.
        name: item index -> the name given in reports (a file's relative path).
    """

    def __init__(self, num_items, name):
        with tf.init_scope():
            self.done = tf.Variable(tf.zeros([max(1, num_items)], tf.bool), trainable=False)
        self.num_items = num_items
        self.name = name
        self.skipped = ()

    def mark(self, indices, after):
        """Marks `indices` done once `after` has been computed; returns `after`."""
        with tf.control_dependencies([after]):
            update = self.done.scatter_nd_update(tf.reshape(indices, [-1, 1]),
                                                 tf.ones_like(tf.reshape(indices, [-1]), tf.bool))
        with tf.control_dependencies([update]):
            return tf.identity(after)

    def reset(self):
        """The op that clears the marks."""
        return self.done.assign(tf.zeros_like(self.done))

    def missing(self):
        """Indices (NumPy int64) of the items not marked this epoch. Eager only."""
        return np.flatnonzero(~self.done.numpy()[:self.num_items])


class _Retry:
    """The end of an epoch, in Python: decodes the unmarked items one at a time, where an error
    costs one item, then records and reports the skipped ones.

    Args:
        decode_general: tf.string [n] payloads -> uint8 images; traced on the first failure
            (as a stage of the `tf.data` graph it would cost a trace and a start every epoch,
            used or not).
        items: NumPy indices -> iterable of (index, payload bytes, label) for those items.
        tracker: the `SkipTracker`.
        image_shape: (height, width, channels) of the images.
    """

    def __init__(self, decode_general, items, tracker, image_shape):
        self._decode_general = decode_general
        self._items = items
        self._tracker = tracker
        self._image_shape = tuple(image_shape)
        self._decode = None

    def __call__(self):
        indices, images, labels = [], [], []
        for index, payload, label in self._items(self._tracker.missing()):
            if self._decode is None:
                self._decode = tf.function(self._decode_general, autograph=False,
                                           input_signature=[tf.TensorSpec([None], tf.string)])
            try:
                images.append(self._decode(tf.constant([payload])).numpy())
            except tf.errors.OpError:
                continue
            indices.append(index)
            labels.append(label)
        done = set(indices)
        self._tracker.skipped = tuple(int(i) for i in self._tracker.missing() if i not in done)
        self._report()
        return (np.array(indices, np.int64),
                np.concatenate(images) if images else np.zeros((0, *self._image_shape),
                                                               np.uint8),
                np.array(labels, np.int32))

    def _report(self):
        skipped = self._tracker.skipped
        if skipped:
            shown = ", ".join(self._tracker.name(index) for index in skipped[:20])
            print(f"tfimg.data: skipped {len(skipped)} of {self._tracker.num_items} images that "
                  f"failed to decode (`tfimg scan` gives reasons): {shown}", file=sys.stderr,
                  flush=True)


def robust_decode(chunks, decode_chunk, tracker, retry_items, decode_general, config):
    """Decodes a dataset of chunks into (indices, images, labels) chunks, skipping bad items.

    Args:
        chunks: dataset whose elements are the arguments of `decode_chunk`.
        decode_chunk: element -> (int64 indices [n], uint8 images [n, ...], int32 labels [n]);
            may fail at run time on a bad item, which drops its chunk from the fast path.
        tracker: the `SkipTracker` of the items.
        retry_items: NumPy indices -> iterable of (index, payload bytes, label), the items to
            decode one by one with `decode_general` (tf.string [n] -> uint8 images) when their
            chunk failed.
        config: the `PipelineConfig` (image size, channels, `deterministic`).

    Returns:
        dataset of (indices, images, labels) chunks: the fast path's, then one (possibly
        empty) chunk of the retried items.
    """
    image_shape = [*config.image_size, config.channels]
    retry = _Retry(decode_general, retry_items, tracker, image_shape)

    def start(_):
        # An empty chunk, made after the marks are cleared. It decodes to nothing, or fails
        # in a decoder of exactly one file and is dropped like a failed chunk.
        with tf.control_dependencies([tracker.reset()]):
            return tf.nest.map_structure(
                lambda spec: tf.zeros([0] + [size or 0 for size in spec.shape[1:]], spec.dtype),
                chunks.element_spec)

    def fast(*element):
        indices, images, labels = decode_chunk(*element)
        return indices, tracker.mark(indices, images), labels

    def finish(_):
        indices, images, labels = tf.py_function(retry, [], [tf.int64, tf.uint8, tf.int32])
        return (tf.ensure_shape(indices, [None]), tf.ensure_shape(images, [None, *image_shape]),
                tf.ensure_shape(labels, [None]))

    once = tf.data.Dataset.range(1)
    # The marks are cleared when the empty first chunk is drawn, before any chunk is decoded
    # (the parallel map draws its input in order). A filter dropping it would cost a stage.
    reset = once.map(graph_function(start))
    decoded = reset.concatenate(chunks).map(graph_function(fast), num_parallel_calls=cores(),
                                            deterministic=config.deterministic)
    return decoded.ignore_errors().concatenate(once.map(graph_function(finish)))

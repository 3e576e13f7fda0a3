"""Decoding that never stops on a bad file: chunks on a fast path, failed chunks retried item by
item, skipped items counted and named.

A file that fails to decode fails its whole chunk. Such chunks are dropped from the fast path,
marked in a variable, and their items decoded again one by one by the general decoder after the
fast path has finished (in Python, traced on the first failure), where an error drops only the
bad item. At the end of each decoded epoch the skipped items are counted and named on stderr,
and `SkipTracker.skipped` keeps them for `Pipeline.skipped()`.
"""

import os
import sys

import tensorflow as tf

# The pipeline's functions have no Python control flow on tensors; skipping autograph's
# conversion makes building a pipeline several times faster.
graph_function = tf.autograph.experimental.do_not_convert


def cores():
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


class SkipTracker:
    """Marks, in variables, which items of the current epoch were decoded (`done`) and which
    were skipped in the last epoch decoded to the end (`skipped`)."""

    def __init__(self, num_items, names):
        with tf.init_scope():
            self.done = tf.Variable(tf.zeros([max(1, num_items)], tf.bool), trainable=False)
            self.skipped = tf.Variable(tf.zeros([max(1, num_items)], tf.bool), trainable=False)
        self.num_items = num_items
        self.names = names

    def mark(self, indices, after):
        """Marks `indices` done once `after` has been computed; returns `after`."""
        with tf.control_dependencies([after]):
            update = self.done.scatter_nd_update(tf.reshape(indices, [-1, 1]),
                                                 tf.ones_like(tf.reshape(indices, [-1]), tf.bool))
        with tf.control_dependencies([update]):
            return tf.identity(after)

    def finish_epoch(self):
        """Records the items not decoded this epoch; returns their indices."""
        missing = tf.logical_not(self.done[:self.num_items])
        with tf.control_dependencies([self.skipped[:self.num_items].assign(missing)]):
            return tf.where(missing)[:, 0]


class _Retry:
    """Decodes the items of failed chunks one at a time, in Python, where an error costs one
    item. The general decoder is traced on the first failure: as a function of the tf.data
    graph it would cost half a second at every epoch's start, used or not."""

    def __init__(self, decode_general, tracker, image_shape):
        self._decode_general = decode_general
        self._image_shape = image_shape
        self._decode = None
        self._tracker = tracker

    def __call__(self, indices, payload, labels):
        if self._decode is None:
            self._decode = tf.function(self._decode_general, autograph=False,
                                       input_signature=[tf.TensorSpec([None], payload.dtype)])
        images, kept = [], []
        for position in range(int(tf.size(indices))):
            try:
                images.append(self._decode(payload[position:position + 1]))
            except tf.errors.OpError:
                continue
            kept.append(position)
        kept = tf.constant(kept, tf.int32)
        self._tracker.mark(tf.gather(indices, kept), tf.constant(0))
        if not images:
            return (tf.zeros([0], tf.int64), tf.zeros([0, *self._image_shape], tf.uint8),
                    tf.zeros([0], tf.int32))
        return tf.gather(indices, kept), tf.concat(images, axis=0), tf.gather(labels, kept)


def robust_decode(chunks, everything, tracker, decode_chunk, decode_general, config):
    """Decodes chunks of (index[n], payload[n], label[n]) into (indices, images, labels).

    Payloads are paths or encoded bytes. `decode_chunk(payload)` returns uint8 images and may
    fail at run time; `decode_general` decodes any good image and is used to retry one by one
    the items of failed chunks (see `_Retry`). `chunks` is the fast path's stream,
    `everything` the same items in fixed order (any batching), from which the unmarked ones
    are retried. The parts are joined with `concatenate`, which starts each part only when the
    one before is exhausted: reset the marks, decode chunks, retry what is unmarked, report.
    """
    image_shape = [*config.image_size, config.channels]
    num_items = tracker.num_items

    def placeholder(*_):
        return (tf.zeros([0], tf.int64), tf.zeros([0, *image_shape], tf.uint8),
                tf.zeros([0], tf.int32))

    def reset(_):
        with tf.control_dependencies([tracker.done.assign(tf.zeros_like(tracker.done))]):
            return placeholder()

    def fast(indices, payload, labels):
        return indices, tracker.mark(indices, decode_chunk(payload)), labels

    def pending(indices, payload, labels):
        keep = tf.logical_not(tf.gather(tracker.done, indices))
        return tuple(tf.boolean_mask(x, keep) for x in (indices, payload, labels))

    retry = _Retry(decode_general, tracker, image_shape)

    def slow(indices, payload, labels):
        indices, images, labels = tf.py_function(retry, [indices, payload, labels],
                                                 [tf.int64, tf.uint8, tf.int32])
        return (tf.ensure_shape(indices, [None]), tf.ensure_shape(images, [None, *image_shape]),
                tf.ensure_shape(labels, [None]))

    def report(_):
        missing = tracker.finish_epoch()
        count = tf.size(missing)

        def say():
            shown = tf.gather(tracker.names, missing[:20])
            tf.print("tfimg.data: skipped", count, "of", num_items,
                     "images that failed to decode (`tfimg scan` gives reasons):",
                     tf.strings.reduce_join(shown, separator=", "), output_stream=sys.stderr)
            return count

        with tf.control_dependencies([tf.cond(count > 0, say, lambda: count)]):
            return placeholder()

    def never(*_):
        return False

    def nonempty(indices, *_):
        return tf.size(indices) > 0

    decoded = chunks.map(graph_function(fast), num_parallel_calls=cores(),
                         deterministic=config.deterministic).ignore_errors()
    retried = everything.map(graph_function(pending)).filter(nonempty).map(slow)
    once = tf.data.Dataset.range(1)
    return (once.map(graph_function(reset)).filter(never).concatenate(decoded)
            .concatenate(retried)
            .concatenate(once.map(graph_function(report)).filter(never)))

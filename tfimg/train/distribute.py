"""Where training runs: one device, several GPUs (MirroredStrategy) or a cluster of workers
described by the TF_CONFIG environment variable (MultiWorkerMirroredStrategy).

A TF_CONFIG cluster, one process per worker, e.g. on two machines:

    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                "task": {"type": "worker", "index": 0}}' tfimg train --data DIR ...

(index 1 on the second). Worker 0 (or the "chief" task, when there is one) writes the run
folder; the others write to temporary folders that they remove at the end, as the Keras
multi-worker guide prescribes. Every worker must see the data at the same path.
"""

import json
import os

import tensorflow as tf


def is_chief(tf_config=None):
    """Whether this process writes the run folder: the chief of a TF_CONFIG cluster (worker 0
    when there is no chief), or a lone process."""
    tf_config = os.environ.get("TF_CONFIG") if tf_config is None else tf_config
    if not tf_config:
        return True
    cluster = json.loads(tf_config)
    task = cluster.get("task", {})
    if task.get("type") == "chief":
        return True
    return (task.get("type") == "worker" and task.get("index", 0) == 0
            and "chief" not in cluster.get("cluster", {}))


def devices():
    """(strategy, on_gpu): MultiWorkerMirroredStrategy when TF_CONFIG describes a cluster,
    MirroredStrategy over several GPUs, the default strategy otherwise."""
    if os.environ.get("TF_CONFIG"):
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        _reduce_scalars_across_workers()
    elif len(tf.config.list_physical_devices("GPU")) > 1:
        strategy = tf.distribute.MirroredStrategy()
    else:
        strategy = tf.distribute.get_strategy()
    return strategy, bool(tf.config.list_physical_devices("GPU"))


def shard_by_data(dataset):
    """Every worker reads the whole (in-memory, not file-based) pipeline and keeps its share
    of the batches: sharding by file would leave workers without files."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def detach_strategy(model, strategy):
    """Lets `fit` start on a MultiWorkerMirroredStrategy model: Keras 3 (3.15) first
    all-reduces a whole (images, labels) batch to build the model, which the collective ops
    refuse ("Attempt to convert a value (PerReplica ...)", keras-team/keras#20585). A model that
    holds no strategy builds while the train step is traced instead, under the strategy of the
    scope `fit` is called in."""
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        model._distribute_strategy = None


def _reduce_scalars_across_workers():
    """Keras 3 (3.15) averages each worker's step results with `strategy.reduce("MEAN", value,
    axis=0)`, which fails for the scalar loss and metrics ("Invalid reduction dimension 0 for
    input with 0 dimensions", keras-team/keras#20585). Wraps its `reduce_per_replica` so that
    scalars are averaged over replicas without an axis; everything else is left to Keras."""
    from keras.src.backend.tensorflow import trainer

    if getattr(trainer.reduce_per_replica, "tfimg_scalars", False):
        return
    keras_reduce = trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        if reduction not in ("auto", "mean") or not isinstance(
                strategy, tf.distribute.MultiWorkerMirroredStrategy):
            return keras_reduce(values, strategy, reduction)
        return tf.nest.map_structure(
            lambda value: strategy.reduce("MEAN", value, axis=None)
            if value.shape.rank == 0 else keras_reduce(value, strategy, reduction), values)

    reduce_per_replica.tfimg_scalars = True
    trainer.reduce_per_replica = reduce_per_replica

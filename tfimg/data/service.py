"""Reading and decoding on tf.data service workers, for when the host's CPUs cannot keep up
with its accelerators.

Start a dispatcher and workers with TensorFlow's own servers (one process each, on the machines
that have CPUs to spare), e.g.

    tf.data.experimental.service.DispatchServer(
        tf.data.experimental.service.DispatcherConfig(port=5050)).join()
    tf.data.experimental.service.WorkerServer(tf.data.experimental.service.WorkerConfig(
        dispatcher_address="dispatcher-host:5050", worker_address="worker-host:5051",
        port=5051)).join()

then train with `tfimg train --data-service grpc://dispatcher-host:5050`. The workers need the
images at the same paths as the trainer (a shared file system).

Workers run a plain graph: each file is read and decoded on its own, and files that fail are
dropped there (run `tfimg scan` first to see which: the workers cannot report them back).
Each epoch's files are split among the workers as they ask for more ("distributed_epoch"),
so every image is delivered once per epoch whatever the number of workers. Augmentation and
normalisation run on the trainer, on the decoded uint8 batches that arrive.
"""

import dataclasses

import tensorflow as tf

from tfimg.data.files import ImageFiles
from tfimg.data.pipeline import (Pipeline, PipelineConfig, cores, decode_config,
                                 finish_batches, graph_function)


def service_pipeline(source, address, config=None, training=None, job_name=None,
                     **overrides):
    """The input pipeline of `build_pipeline` with reading and decoding on tf.data service
    workers.

    Args:
        source: `ImageFiles` (class folders or manifest) at paths the workers can read.
        address: the dispatcher, "grpc://host:port".
        config: a `PipelineConfig` (its `cache` must be None: the workers hold no state);
            keyword `overrides` replace its fields.
        training: apply `config.augment`; defaults to `config.shuffle`.
        job_name: trainers that give the same name share one stream of batches.

    Returns:
        `Pipeline` whose `dataset` yields (float32 images, int32 labels) batches.
    """
    config = dataclasses.replace(config or PipelineConfig(), **overrides)
    training = config.shuffle if training is None else training
    if not isinstance(source, ImageFiles):
        raise TypeError(f"Expected ImageFiles for the tf.data service, received "
                        f"{type(source).__name__}")
    if len(source) == 0:
        raise ValueError(f"No images to load from {source.root!r}")
    if config.cache is not None:
        raise ValueError(f"Expected cache=None with the tf.data service, received "
                         f"cache={config.cache!r}")
    if not str(address).startswith("grpc://"):
        raise ValueError(f"Expected a dispatcher address grpc://host:port, received "
                         f"{address!r}")
    paths = tf.constant(source.full_paths())
    labels = tf.constant(source.labels, tf.int32)

    def load(index):
        image = decode_config(tf.io.read_file(paths[index])[None], config)[0]
        return image, labels[index]

    order = tf.data.Dataset.range(len(source))
    if config.shuffle:
        order = order.shuffle(len(source), seed=config.seed, reshuffle_each_iteration=True)
    decoded = (order.map(graph_function(load), num_parallel_calls=cores()).ignore_errors()
               .batch(config.batch_size, drop_remainder=config.drop_remainder))
    distributed = decoded.apply(tf.data.experimental.service.distribute(
        processing_mode="distributed_epoch", service=address, job_name=job_name))
    dataset = finish_batches(distributed, config, training)
    return Pipeline(dataset, source.class_names, len(source), config)

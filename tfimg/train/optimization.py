"""Optimizer, learning-rate schedule and loss of a training run, from its `TrainConfig`."""

import keras

from tfimg.models.warmup_linear import WarmupLinear


def learning_rate_schedule(config, steps_per_epoch):
    """The peak learning rate, or a warmup-decay shape over the run's steps: linear from 0.2x
    to 1x over the first 23%, then down to 0.07x, linearly (airbench's "warmup_linear") or
    along a cosine ("warmup_cosine")."""
    if config.schedule == "constant":
        return config.learning_rate
    schedule = WarmupLinear(config.learning_rate, config.epochs * steps_per_epoch)
    if config.schedule == "warmup_linear":
        return schedule
    return keras.optimizers.schedules.CosineDecay(
        schedule.start * config.learning_rate, decay_steps=schedule.steps - schedule.rise,
        alpha=schedule.end, warmup_target=config.learning_rate, warmup_steps=schedule.rise)


def optimizer(config, learning_rate):
    """Adam, or Nesterov SGD; weight decay decoupled (scaled by the learning rate)."""
    weight_decay = config.weight_decay or None
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate, momentum=config.momentum, nesterov=True,
                                    weight_decay=weight_decay)
    return keras.optimizers.Adam(learning_rate, weight_decay=weight_decay)


def compile_model(model, config, learning_rate, on_gpu):
    """Compiles for one-hot targets with the run's label smoothing; XLA on a GPU."""
    model.compile(optimizer=optimizer(config, learning_rate),
                  loss=keras.losses.CategoricalCrossentropy(
                      label_smoothing=config.label_smoothing),
                  metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
                  jit_compile=on_gpu)

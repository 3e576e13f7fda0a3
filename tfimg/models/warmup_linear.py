"""airbench's learning-rate schedule, which Keras does not have. It lives beside the models because
a saved model's compile state holds it: `tfimg.models.load_model` lists it in `CUSTOM_OBJECTS`."""

import keras
from keras import ops


class WarmupLinear(keras.optimizers.schedules.LearningRateSchedule):
    """airbench's schedule: linear from `start` x `peak` to `peak` over the first `warmup`
    share of `steps`, then linear down to `end` x `peak` at the last step.

    Args:
        peak: the highest learning rate.
        steps: the run's total optimizer steps.
        warmup: share of the steps spent rising (airbench: 0.23).
        start, end: the first and last learning rates as multiples of `peak`.
    """

    def __init__(self, peak, steps, warmup=0.23, start=0.2, end=0.07):
        if steps < 1 or not 0 < warmup < 1:
            raise ValueError(f"Expected steps >= 1 and 0 < warmup < 1, received steps={steps!r}, "
                             f"warmup={warmup!r}")
        self.peak, self.steps, self.warmup = float(peak), int(steps), float(warmup)
        self.start, self.end = float(start), float(end)
        # Steps rising, as airbench counts them; at least one of each kind.
        self.rise = min(max(1, int(self.steps * self.warmup)), max(1, self.steps - 1))

    def __call__(self, step):
        step = ops.cast(step, "float32")
        fall = max(1, self.steps - self.rise)
        up = self.start + (1 - self.start) * step / self.rise
        down = 1 + (self.end - 1) * ops.minimum((step - self.rise) / fall, 1.0)
        return self.peak * ops.where(step < self.rise, up, down)

    def get_config(self):
        return {"peak": self.peak, "steps": self.steps, "warmup": self.warmup,
                "start": self.start, "end": self.end}

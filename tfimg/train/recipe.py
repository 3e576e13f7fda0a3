"""Callbacks that carry out training-recipe settings of `TrainConfig`: lookahead weight
averaging, the epoch of alternating flips and freezing weights after some epochs."""

import keras
import numpy as np


class Lookahead(keras.callbacks.Callback):
    """airbench's lookahead: every `every` steps the weights (trainable or not, batch-norm
    statistics included) move to an average `ema <- ema + (1 - decay) * (weights - ema)`, and
    training continues from that average. The decay rises as `0.95**5 * (step / steps)**3`:
    little averaging early, strong averaging near the end; after the last step the weights
    are the average.

    A resumed run starts its average from the weights of its backup (which equal the average
    at the last multiple of `every` steps, plus at most `every - 1` steps).
    """

    def __init__(self, steps, every=5):
        super().__init__()
        if steps < 1 or every < 1:
            raise ValueError(f"Expected steps >= 1 and every >= 1, received steps={steps!r}, "
                             f"every={every!r}")
        self.steps, self.every = int(steps), int(every)
        self.average = None

    @staticmethod
    def decay(step, steps):
        """The decay after optimizer step `step` of `steps`."""
        return 0.95 ** 5 * (min(step, steps) / steps) ** 3

    def _floats(self):
        return [w for w in self.model.weights if "float" in str(w.dtype)]

    def on_train_begin(self, logs=None):
        self.average = [np.array(w.numpy()) for w in self._floats()]

    def update(self, decay):
        """Moves the average towards the weights by `1 - decay`, then sets the weights to it."""
        for weight, average in zip(self._floats(), self.average):
            average += (1 - decay) * (weight.numpy() - average)
            weight.assign(average)

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())
        if step % self.every == 0:
            self.update(self.decay(step, self.steps))
        if step >= self.steps:
            self.update(1.0)


class FlipEpochs(keras.callbacks.Callback):
    """Tells an `AlternatingFlip` of the training pipeline which epoch is starting."""

    def __init__(self, flip):
        super().__init__()
        self.flip = flip

    def on_epoch_begin(self, epoch, logs=None):
        self.flip.epoch.assign(epoch)


class FreezeAfter(keras.callbacks.Callback):
    """Keeps `variables` at their values of the start of epoch `epochs` from then on (airbench
    trains its whitening bias for 3 epochs). The optimizer still computes their updates;
    they are undone after each step, so the compiled step stays the same."""

    def __init__(self, variables, epochs):
        super().__init__()
        self.variables, self.epochs = list(variables), int(epochs)
        self.frozen = None

    def on_epoch_begin(self, epoch, logs=None):
        if epoch >= self.epochs and self.frozen is None:
            self.frozen = [np.array(v.numpy()) for v in self.variables]

    def on_train_batch_end(self, batch, logs=None):
        if self.frozen is not None:
            for variable, value in zip(self.variables, self.frozen):
                variable.assign(value)

"""airbench's lookahead weight averaging (Jordan 2024, after Zhang et al. 2019), a Keras
callback."""

import keras
import numpy as np


class Lookahead(keras.callbacks.Callback):
    """airbench's lookahead: every `every` steps the weights (trainable or not, batch-norm
    statistics included) move to an average `ema <- ema + (1 - decay) * (weights - ema)`, and
    training continues from that average. The decay rises as `0.95**5 * (step / steps)**3`:
    little averaging early, strong averaging near the end; after the last step the weights
    are the average (also when training stops early).

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
        self.step = 0
        self.finished = False

    @staticmethod
    def decay(step, steps):
        """The decay after optimizer step `step` of `steps`."""
        return 0.95 ** 5 * (min(step, steps) / steps) ** 3

    def _floats(self):
        return [w for w in self.model.weights if "float" in str(w.dtype)]

    def on_train_begin(self, logs=None):
        self.average = [np.array(w.numpy()) for w in self._floats()]
        # A resumed run starts at its optimizer's count; batches are counted here, as a loss-
        # scaling optimizer does not count the steps it skips.
        self.step = int(self.model.optimizer.iterations.numpy())
        self.finished = False

    def update(self, decay):
        """Moves the average towards the weights by `1 - decay`, then sets the weights to it."""
        for weight, average in zip(self._floats(), self.average):
            average += (1 - decay) * (weight.numpy() - average)
            weight.assign(average)

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.finished:
            return
        if self.step % self.every == 0:
            self.update(self.decay(self.step, self.steps))
        if self.step >= self.steps:
            self.update(1.0)
            self.finished = True

    def on_train_end(self, logs=None):
        # Runs that stop early (or skip bad files, so have fewer batches) end on the average.
        if not self.finished:
            self.update(1.0)
            self.finished = True

"""Weights trained for some epochs only (airbench's whitening bias), as a Keras callback."""

import keras
import numpy as np


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

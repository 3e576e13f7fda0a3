"""The epoch an `AlternatingFlip` of the training pipeline is in, set by a Keras callback."""

import keras


class FlipEpochs(keras.callbacks.Callback):
    """Tells an `AlternatingFlip` of the training pipeline which epoch is starting."""

    def __init__(self, flip):
        super().__init__()
        self.flip = flip

    def on_epoch_begin(self, epoch, logs=None):
        self.flip.epoch.assign(epoch)

"""The source survey's CIFAR-10 network, as in the TensorFlow CNN tutorial.

Conv32-Pool-Conv64-Pool-Conv64-Flatten-Dense64-Dense(num_classes): about 122k parameters,
around 70% on CIFAR-10 after 10 epochs. Kept unchanged as the reference baseline.
"""

import keras


class CifarCnn(keras.Model):
    """Small convolutional classifier for 32x32 images.

    Args:
        num_classes: number of output classes.
        input_shape: (height, width, channels) of the normalised input images.

    Inputs: float32 (batch, height, width, channels), normalised (e.g. per-image standardised).
    Outputs: float32 (batch, num_classes) class probabilities (softmax, kept in float32 under
    mixed precision).
    """

    def __init__(self, num_classes=10, input_shape=(32, 32, 3), **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.image_shape = tuple(int(s) for s in input_shape)
        self.conv1 = keras.layers.Conv2D(32, 3, activation="relu")
        self.pool1 = keras.layers.MaxPooling2D()
        self.conv2 = keras.layers.Conv2D(64, 3, activation="relu")
        self.pool2 = keras.layers.MaxPooling2D()
        self.conv3 = keras.layers.Conv2D(64, 3, activation="relu")
        self.flatten = keras.layers.Flatten()
        self.hidden = keras.layers.Dense(64, activation="relu")
        self.classifier = keras.layers.Dense(self.num_classes)
        self.softmax = keras.layers.Activation("softmax", dtype="float32")

    def build(self, input_shape=None):
        # Creates every weight by running one image through the layers.
        input_shape = input_shape or (None, *self.image_shape)
        self.call(keras.ops.zeros((1, *input_shape[1:])))
        self.built = True

    def call(self, images, training=False):
        if tuple(images.shape[1:]) != self.image_shape:
            raise ValueError(f"Expected images of shape (batch, *{self.image_shape}), "
                             f"received shape={tuple(images.shape)}")
        x = self.pool1(self.conv1(images))
        x = self.pool2(self.conv2(x))
        x = self.flatten(self.conv3(x))
        return self.softmax(self.classifier(self.hidden(x)))

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, input_shape=self.image_shape)
        return config

"""The source survey's CIFAR-10 network, as in the TensorFlow CNN tutorial.

Conv32-Pool-Conv64-Pool-Conv64-Flatten-Dense64-Dense(num_classes): about 122k parameters,
around 70% on CIFAR-10 after 10 epochs. Kept unchanged as the reference baseline.
"""

import keras

from tfimg.layers.quantization import SOFTMAX_RANGE
from tfimg.models.quantization import layer_kinds


class CifarCnn(keras.Model):
    """Small convolutional classifier for 32x32 images.

    Args:
        num_classes: number of output classes.
        input_shape: (height, width, channels) of the normalised input images.
        quantization_aware: simulate LiteRT's int8 arithmetic (int8 weights per output
            channel, int8 activations between layers; see `tfimg.models.quantization`), for
            fine-tuning a trained model into one that keeps its decisions in an int8 export.

    Inputs: float32 (batch, height, width, channels), normalised (e.g. per-image standardised).
    Outputs: float32 (batch, num_classes) class probabilities (softmax, kept in float32 under
    mixed precision).
    """

    def __init__(self, num_classes=10, input_shape=(32, 32, 3), quantization_aware=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.image_shape = tuple(int(s) for s in input_shape)
        self.quantization_aware = bool(quantization_aware)
        conv, dense, quantizer = layer_kinds(self.quantization_aware)
        self.conv1 = conv(32, 3, activation="relu")
        self.pool1 = keras.layers.MaxPooling2D()
        self.conv2 = conv(64, 3, activation="relu")
        self.pool2 = keras.layers.MaxPooling2D()
        self.conv3 = conv(64, 3, activation="relu")
        self.flatten = keras.layers.Flatten()
        self.hidden = dense(64, activation="relu")
        self.classifier = dense(self.num_classes)
        self.softmax = keras.layers.Activation("softmax", dtype="float32")
        # Where LiteRT's int8 model rounds: its input and each layer's output (max pooling
        # and flattening keep their input's scale).
        self.quantizers = [quantizer() for _ in range(6)] + [
            quantizer(fixed_range=SOFTMAX_RANGE)]

    def build(self, input_shape=None):
        # Creates every weight by running one image through the layers.
        input_shape = input_shape or (None, *self.image_shape)
        self.call(keras.ops.zeros((1, *input_shape[1:])))
        self.built = True

    def call(self, images, training=False):
        if tuple(images.shape[1:]) != self.image_shape:
            raise ValueError(f"Expected images of shape (batch, *{self.image_shape}), "
                             f"received shape={tuple(images.shape)}")
        q_in, q1, q2, q3, q_hidden, q_logits, q_out = self.quantizers
        x = self.pool1(q1(self.conv1(q_in(images, training=training)), training=training))
        x = self.pool2(q2(self.conv2(x), training=training))
        x = self.flatten(q3(self.conv3(x), training=training))
        x = q_hidden(self.hidden(x), training=training)
        x = q_logits(self.classifier(x), training=training)
        return q_out(self.softmax(x), training=training)

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, input_shape=self.image_shape,
                      quantization_aware=self.quantization_aware)
        return config

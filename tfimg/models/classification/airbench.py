"""A fast CIFAR-10 network after Keller Jordan's airbench94 (arXiv:2404.00498).

whiten (2x2 conv, 24 channels, fixed to the patch-whitening transform of the training data)
-> GELU -> 3 conv groups (conv -> max pool -> batch norm -> GELU -> conv -> batch norm -> GELU;
widths 64, 256, 256) -> 3x3 max pool -> linear -> x 1/9. About 1.97M parameters and 0.12
GMAC per 32x32 image. Weights start as PyTorch's defaults (uniform within 1/sqrt(fan_in)),
which set the effective learning rate of the scale-invariant convolutions; convolutions then
copy their first input channels (an implicit residual), and batch norm learns a bias only,
with a learning rate 64x the others.

`AIRBENCH_RECIPE` is airbench94's: label smoothing 0.2, Nesterov SGD with its warmup and
linear decay, lookahead weight averaging, alternating flips, 2-pixel translation, the
whitening bias trained for 3 epochs only, and at inference the mean over mirrored and
translated views (`tta_level=2`). The reference reaches 94.0% on the CIFAR-10 test split in
9.9 epochs.
"""

import keras
import numpy as np
from keras import ops

from tfimg.layers import ActivationQuantizer, ScaledBias
from tfimg.layers.quantization import SOFTMAX_RANGE, quantized_kernel

# Training settings `tfimg.train` uses for this model unless the user sets them: airbench94's
# hyperparameters in the units of Keras' mean-reduced loss and decoupled weight decay.
AIRBENCH_RECIPE = {
    "epochs": 10,
    "batch_size": 1024,
    "optimizer": "sgd",
    "learning_rate": 1.5,  # airbench's 11.5 per 1024 examples over its momentum scale (7.67)
    "momentum": 0.85,
    "weight_decay": 0.009,  # per unit of learning rate: 0.0133 of each weight per full step
    "schedule": "warmup_linear",
    "label_smoothing": 0.2,
    "normalize": "cifar10",
    "flip": True,
    "alternating_flip": True,
    "translate": 2,
    "lookahead": True,
    "whiten_bias_epochs": 3,
}

_BIAS_LEARNING_RATE_SCALE = 64.0


def _pytorch_default():
    """PyTorch's default for conv and linear weights: kaiming-uniform with a=sqrt(5), that is
    uniform within +-1/sqrt(fan_in)."""
    return keras.initializers.VarianceScaling(1 / 3, mode="fan_in", distribution="uniform")


def _identity_start(kernel):
    """Sets a (kh, kw, in, out) kernel so that its first min(in, out) output channels copy
    the matching input channels (PyTorch's `dirac_` on them)."""
    kh, kw, channels_in, channels_out = kernel.shape
    count = min(channels_in, channels_out)
    identity = np.zeros(kernel.shape, "float32")
    identity[kh // 2, kw // 2, np.arange(count), np.arange(count)] = 1.0
    keep = np.ones(kernel.shape, "float32")
    keep[..., :count] = 0.0
    kernel.assign(kernel * keep + identity)


def patch_whitening(images, kernel_size=2, epsilon=5e-4):
    """Conv kernel (k, k, c, 2 * k * k * c) that whitens the k x k patches of `images`
    (float [n, h, w, c], normalised); the second half is the negated first half, so that GELU
    keeps both signs."""
    images = np.asarray(images, np.float64)
    n, height, width, channels = images.shape
    patches = np.stack([images[:, i:height - kernel_size + 1 + i, j:width - kernel_size + 1 + j]
                        for i in range(kernel_size) for j in range(kernel_size)], axis=3)
    patches = patches.reshape(-1, kernel_size * kernel_size * channels)  # (ki, kj, c) order
    eigenvalues, eigenvectors = np.linalg.eigh(patches.T @ patches / len(patches))
    filters = eigenvectors[:, ::-1] / np.sqrt(eigenvalues[::-1] + epsilon)
    filters = filters.reshape(kernel_size, kernel_size, channels, -1)
    return np.concatenate([filters, -filters], axis=-1).astype("float32")


class AirbenchNet(keras.Model):
    """airbench94's network for 32x32 images, as a Keras 3 model on `keras.ops`.

    Args:
        num_classes: number of output classes.
        input_shape: (height, width, channels) of the normalised input images; height and
            width must be at least 25 (three 2x pools then a 3x3 pool).
        widths: channels of the three conv groups.
        tta_level: test-time augmentation at inference, as airbench's: 0 none, 1 the mean of
            the logits of each image and its mirror image, 2 half that plus half the same
            mean over the image shifted by one pixel up-left and down-right (reflected
            borders): six views. Model files saved before this setting existed load with
            their `flip_average` as level 1 or 0.
        quantization_aware: simulate LiteRT's int8 arithmetic (see
            `tfimg.models.quantization`), for fine-tuning a trained model into one that keeps
            its decisions in an int8 export. Batch norm is then frozen and folded into the
            convolution before it, as the converter folds it (the pooling between them commutes
            with batch norm's positive scale), and each layer's output is rounded to int8.

    Call `adapt(images)` with a few thousand normalised training images before training to
    set the whitening layer. Inputs: float32 (batch, height, width, channels). Outputs:
    float32 (batch, num_classes) class probabilities.
    """

    def __init__(self, num_classes=10, input_shape=(32, 32, 3), widths=(64, 256, 256),
                 tta_level=2, quantization_aware=False, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.image_shape = tuple(int(s) for s in input_shape)
        self.widths = tuple(int(w) for w in widths)
        self.tta_level = int(tta_level)
        if self.tta_level not in (0, 1, 2):
            raise ValueError(f"Expected tta_level 0, 1 or 2, received {tta_level!r}")
        self.quantization_aware = bool(quantization_aware)
        if min(self.image_shape[:2]) < 25:
            raise ValueError(f"Expected images of at least 25x25, received "
                             f"input_shape={self.image_shape}")
        channels = self.image_shape[-1]
        self.whiten = keras.layers.Conv2D(2 * 4 * channels, 2, padding="valid", use_bias=False,
                                          kernel_initializer=_pytorch_default(),
                                          trainable=False, name="whiten")
        self.whiten_bias = ScaledBias(name="whiten_bias")
        self.convs, self.norms, self.biases = [], [], []
        for group, width in enumerate(self.widths):
            for index in range(2):
                self.convs.append(keras.layers.Conv2D(width, 3, padding="same", use_bias=False,
                                                      kernel_initializer=_pytorch_default(),
                                                      name=f"group{group}_conv{index}"))
                # Batch norm without scale; its bias learns 64x faster (airbench's bias_scaler).
                # Keras' momentum is PyTorch's 1 - momentum.
                self.norms.append(keras.layers.BatchNormalization(
                    momentum=0.6, epsilon=1e-12, center=False, scale=False,
                    name=f"group{group}_norm{index}"))
                self.biases.append(ScaledBias(_BIAS_LEARNING_RATE_SCALE,
                                              name=f"group{group}_bias{index}"))
        self.pool = keras.layers.MaxPooling2D(2)
        self.head_pool = keras.layers.MaxPooling2D(3)
        self.flatten = keras.layers.Flatten()
        self.classifier = keras.layers.Dense(self.num_classes, use_bias=False,
                                             kernel_initializer=_pytorch_default(),
                                             name="classifier")
        self.softmax = keras.layers.Activation("softmax", dtype="float32")
        # Where LiteRT's int8 model rounds: the input, each convolution's output (bias and
        # batch norm included) and each GELU's, the logits of one image, the sum of the two
        # mirror images' logits, and the softmax.
        self.quantizers = []
        if self.quantization_aware:
            learned = 1 + 2 + 2 * len(self.convs) + 1 + 1
            self.quantizers = [ActivationQuantizer() for _ in range(learned)] + [
                ActivationQuantizer(fixed_range=SOFTMAX_RANGE)]

    def build(self, input_shape=None):
        input_shape = input_shape or (None, *self.image_shape)
        self._logits(keras.ops.zeros((1, *input_shape[1:])), training=False)
        if self.quantization_aware:
            self._quantized_call(keras.ops.zeros((1, *input_shape[1:])), training=False)
        for conv in self.convs:
            _identity_start(conv.kernel)
        self.built = True

    def adapt(self, images):
        """Sets the whitening layer from float [n, height, width, channels] normalised
        training images (airbench uses 5,000)."""
        if not self.built:
            self.build()
        kernel = patch_whitening(keras.ops.convert_to_numpy(images))
        self.whiten.kernel.assign(kernel)

    def _logits(self, images, training):
        x = ops.gelu(self.whiten_bias(self.whiten(images)))
        for index, (conv, norm, bias) in enumerate(zip(self.convs, self.norms, self.biases)):
            x = conv(x)
            if index % 2 == 0:
                x = self.pool(x)
            x = ops.gelu(bias(norm(x, training=training)))
        x = self.flatten(self.head_pool(x))
        return self.classifier(x) / 9.0

    def _quantized_half_logits(self, images, training, weight=0.5):
        """`weight` x the logits of int8 `images`, computed as LiteRT's int8 model does (the
        weight folded into the classifier's kernel)."""
        quantizers = iter(self.quantizers[1:-2])

        def rounded(x):
            return next(quantizers)(x, training=training)

        x = ops.conv(images, quantized_kernel(self.whiten.kernel))
        x = rounded(ops.gelu(rounded(self.whiten_bias(x))))
        for index, (conv, norm, bias) in enumerate(zip(self.convs, self.norms, self.biases)):
            # Frozen batch norm, folded: x * scale + shift per channel, with scale > 0.
            scale = ops.rsqrt(norm.moving_variance + norm.epsilon)
            shift = bias(-norm.moving_mean * scale)
            x = rounded(ops.conv(x, quantized_kernel(conv.kernel * scale), padding="same")
                        + shift)
            if index % 2 == 0:
                x = self.pool(x)
            x = rounded(ops.gelu(x))
        x = self.flatten(self.head_pool(x))
        return rounded(ops.matmul(x, quantized_kernel(self.classifier.kernel * (weight / 9))))

    def _views(self, images):
        """[(weight, view)] of `images` whose weighted logits are the prediction: the test-time
        augmentation of `tta_level` (at training time only the images themselves)."""
        def mirrored(batch):
            # A gather, not a reverse: LiteRT has no int8 reverse, and a float one would split
            # an int8 model.
            width = self.image_shape[1]
            return ops.take(batch, ops.arange(width - 1, -1, -1), axis=2)

        levels = [[images, mirrored(images)] if self.tta_level >= 1 else [images]]
        if self.tta_level == 2:
            height, width = self.image_shape[:2]
            padded = ops.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
            shifted = [padded[:, :height, :width], padded[:, 2:, 2:]]
            levels.append([view for batch in shifted for view in (batch, mirrored(batch))])
        return [(1 / len(levels) / len(views), view) for views in levels for view in views]

    def _quantized_call(self, images, training):
        quantize_input, quantize_sum, quantize_scores = (self.quantizers[0], self.quantizers[-2],
                                                         self.quantizers[-1])
        images = quantize_input(images, training=training)
        if training or self.tta_level == 0:  # one view, as the two halves of a mirror pair
            half = self._quantized_half_logits(images, training)
            logits = half + half
        else:
            # Each view's weight is folded into its classifier kernel, so that LiteRT only
            # adds the views' int8 logits, rounding each partial sum.
            parts = [self._quantized_half_logits(view, training, weight)
                     for weight, view in self._views(images)]
            logits = parts[0]
            for part in parts[1:-1]:
                logits = quantize_sum(logits + part, training=training)
            logits = logits + parts[-1]
        logits = quantize_sum(logits, training=training)
        return quantize_scores(self.softmax(logits), training=training)

    def call(self, images, training=False):
        if tuple(images.shape[1:]) != self.image_shape:
            raise ValueError(f"Expected images of shape (batch, *{self.image_shape}), "
                             f"received shape={tuple(images.shape)}")
        if self.quantization_aware:
            return self._quantized_call(images, training)
        if training:
            return self.softmax(self._logits(images, training))
        logits = sum(weight * self._logits(view, training)
                     for weight, view in self._views(images))
        return self.softmax(logits)

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, input_shape=self.image_shape,
                      widths=self.widths, tta_level=self.tta_level,
                      quantization_aware=self.quantization_aware)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "flip_average" in config:  # saved before tta_level existed
            config.setdefault("tta_level", 1 if config.pop("flip_average") else 0)
        return cls(**config)

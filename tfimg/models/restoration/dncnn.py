"""DnCNN (Zhang et al. 2017): a residual convolutional denoiser, here blind over a noise range
and, optionally, on pixel-unshuffled input as FFDNet (Zhang et al. 2018) does."""

import keras
from keras import ops

from tfimg.models._padding import mirror_pad
from tfimg.models.restoration._images import check_images


class DnCnn(keras.Model):
    """DnCNN: `depth` 3x3 convolutions (ReLU between them, optional batch normalisation) that
    predict the noise, which is subtracted from the input (residual learning).

    With `downscale=2` the image is first split into 4 half-size images stacked as channels
    (space-to-depth, FFDNet's trick) and the prediction put back (depth-to-space): each
    convolution then costs a quarter and sees twice as far, which is what makes a
    DnCNN-quality colour denoiser trainable on a CPU.

    Args:
        filters: channels of the hidden convolutions (the paper: 64).
        depth: convolutions in all (the paper: 17 for one noise level, 20 for blind).
        downscale: 1 (DnCNN) or 2 (FFDNet-style); images of other sizes are mirror-padded
            to a multiple of it inside and cropped back, so any size works (also in exports).
        batch_norm: batch normalisation after the hidden convolutions (the paper's).

    Inputs: float32 (batch, height, width, 3), noisy RGB in [0, 1] (any noise level the model
    was trained on).
    Outputs: float32, the same shape: the denoised image (not clipped).
    """

    def __init__(self, filters=64, depth=17, downscale=1, batch_norm=False, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.depth = int(depth)
        self.downscale = int(downscale)
        self.batch_norm = bool(batch_norm)
        if self.depth < 2 or self.downscale < 1:
            raise ValueError(f"Expected depth >= 2 and downscale >= 1, received "
                             f"depth={depth!r}, downscale={downscale!r}")
        channels = 3 * self.downscale ** 2
        self.convs = [keras.layers.Conv2D(self.filters, 3, padding="same",
                                          use_bias=not (self.batch_norm and i), name=f"conv{i}")
                      for i in range(self.depth - 1)]
        self.norms = [keras.layers.BatchNormalization(name=f"norm{i}")
                      for i in range(1, self.depth - 1)] if self.batch_norm else []
        self.noise = keras.layers.Conv2D(channels, 3, padding="same", name="noise",
                                         dtype="float32")

    def build(self, input_shape=None):
        size = 8 * self.downscale
        self.call(ops.zeros((1, size, size, 3)))
        self.built = True

    def call(self, images, training=False):
        images = ops.cast(images, "float32")
        check_images(images, "DnCnn")
        height, width = ops.shape(images)[1], ops.shape(images)[2]
        x = images
        if self.downscale > 1:
            x = mirror_pad(mirror_pad(x, 1, 0, (-height) % self.downscale), 2, 0,
                           (-width) % self.downscale)
            x = ops.space_to_depth(x, self.downscale)
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if self.batch_norm and i:
                x = self.norms[i - 1](x, training=training)
            x = ops.relu(x)
        noise = self.noise(x)
        if self.downscale > 1:
            noise = ops.depth_to_space(noise, self.downscale)[:, :height, :width, :]
        return images - noise

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, depth=self.depth, downscale=self.downscale,
                      batch_norm=self.batch_norm)
        return config

"""SRGAN training (Ledig et al. 2017): a super-resolution generator against a discriminator,
with a pixel loss, a perceptual loss on VGG19 features and an adversarial loss.

    trainer = SrganTrainer(SrResNet(scale=4), SrganDiscriminator(), features=vgg_features())
    trainer.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4))
    trainer.fit(sr_patches(...), steps_per_epoch=..., epochs=...)
    trainer.generator.save(...)

The perceptual loss needs VGG19 with ImageNet weights (`vgg_features`: Keras' cache, a
download, or a local weights file). Where they cannot be loaded (no network, no file),
`vgg_features` says so on stderr and returns None, and training falls back to the pixel loss
plus the adversarial loss; the paper's generator starts from an SRResNet trained with the pixel
loss alone (`tfimg train --task sr --model srresnet`, then `init`).
The training step uses TensorFlow's GradientTape (the models themselves are `keras.ops`).
"""

import sys

import keras
import tensorflow as tf

from tfimg.ops.normalize import CAFFE_BGR_MEAN
from tfimg.train.restoration import psnr_metric

# SRGAN's VGG54: the feature maps of the 4th convolution of the 5th block (after its ReLU).
VGG_LAYER = "block5_conv4"
# Features are divided by this before the squared error, to bring the perceptual loss to the
# scale of the pixel loss (SRGAN's rescaling by 1/12.75).
FEATURE_SCALE = 12.75


def vgg_features(weights="imagenet", layer=VGG_LAYER):
    """A model from [0, 1] RGB images to VGG19's `layer` features, or None (said on stderr)
    when the weights cannot be loaded."""
    try:
        vgg = keras.applications.VGG19(include_top=False, weights=weights)
    except Exception as error:  # Keras raises OSError, ValueError or URL errors offline.
        print(f"VGG19 weights {weights!r} cannot be loaded ({type(error).__name__}: "
              f"{str(error).splitlines()[0][:120]}); training SRGAN without the perceptual "
              f"loss (pixel and adversarial losses only)", file=sys.stderr)
        return None
    vgg.trainable = False
    extractor = keras.Model(vgg.input, vgg.get_layer(layer).output)
    inputs = keras.Input((None, None, 3))
    # VGG's "caffe" input: BGR in [0, 255] minus the ImageNet channel means.
    caffe = keras.ops.flip(inputs, axis=-1) * 255.0 - keras.ops.convert_to_tensor(
        CAFFE_BGR_MEAN)
    return keras.Model(inputs, extractor(caffe))


class SrganTrainer(keras.Model):
    """Trains `generator` against `discriminator` (both Keras models on [0, 1] RGB); calling
    the trainer runs the generator.

    Args:
        generator: low-resolution -> high-resolution images.
        discriminator: images -> one logit each (positive: real).
        features: images -> features for the perceptual loss (`vgg_features()`), or None.
        pixel_weight, perceptual_weight, adversarial_weight: the generator's loss is their
            weighted sum of the mean absolute pixel error, the mean squared feature error
            (features divided by `FEATURE_SCALE`) and the adversarial binary cross-entropy.
    """

    def __init__(self, generator, discriminator, features=None, pixel_weight=1.0,
                 perceptual_weight=1.0, adversarial_weight=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.features = features
        self.pixel_weight = float(pixel_weight)
        self.perceptual_weight = float(perceptual_weight) if features is not None else 0.0
        self.adversarial_weight = float(adversarial_weight)
        self.cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)

    def compile(self, generator_optimizer, discriminator_optimizer):
        super().compile()
        self.generator_optimizer = generator_optimizer
        self.discriminator_optimizer = discriminator_optimizer

    def call(self, images, training=False):
        return self.generator(images, training=training)

    def _perceptual(self, outputs, targets):
        if not self.perceptual_weight:
            return tf.constant(0.0)
        difference = (self.features(outputs) - self.features(targets)) / FEATURE_SCALE
        return tf.reduce_mean(tf.square(tf.cast(difference, tf.float32)))

    def train_step(self, data):
        inputs, targets = data
        with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
            outputs = self.generator(inputs, training=True)
            real = self.discriminator(targets, training=True)
            fake = self.discriminator(outputs, training=True)
            discriminator_loss = (self.cross_entropy(tf.ones_like(real), real)
                                  + self.cross_entropy(tf.zeros_like(fake), fake))
            pixel = tf.reduce_mean(tf.abs(outputs - targets))
            perceptual = self._perceptual(outputs, targets)
            adversarial = self.cross_entropy(tf.ones_like(fake), fake)
            generator_loss = (self.pixel_weight * pixel + self.perceptual_weight * perceptual
                              + self.adversarial_weight * adversarial)
        for tape, loss, model, optimizer in (
                (generator_tape, generator_loss, self.generator, self.generator_optimizer),
                (discriminator_tape, discriminator_loss, self.discriminator,
                 self.discriminator_optimizer)):
            weights = model.trainable_weights
            optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return {"generator_loss": generator_loss, "discriminator_loss": discriminator_loss,
                "pixel": pixel, "perceptual": perceptual, "adversarial": adversarial,
                "psnr": psnr_metric(targets, outputs)}

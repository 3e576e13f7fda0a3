"""airbench's alternating flip: each image is mirrored in every other epoch, not at random.

Random flips show an image the same way in two consecutive epochs half of the time; flipping
a fixed random half of the images in even epochs and the other half in odd ones shows every
image both ways in every two epochs (Jordan 2024, section 3.6: worth about 0.1-0.3 points of
CIFAR-10 accuracy).
"""

import tensorflow as tf

_GOLDEN = 0x9E3779B1  # Knuth's multiplicative hash constant


class AlternatingFlip:
    """Mirrors (horizontally) the images of a float [batch, height, width, channels] batch
    whose fixed random bit differs from the parity of `epoch`.

    An image's bit comes from a hash of its pixels (and `seed`), so it needs no index and
    stays the same as long as the image does: apply it before other augmentations. Set
    `epoch` (a `tf.Variable` read inside `tf.data`) at the start of each epoch, e.g. with
    `tfimg.train.flip_epochs.FlipEpochs`.
    """

    def __init__(self, seed=0):
        self.seed = int(seed)
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="flip_epoch")

    def bits(self, images):
        """The fixed 0/1 bit of each image of a batch (int64 [batch])."""
        sums = tf.reduce_sum(tf.cast(images, tf.int64), axis=[1, 2, 3])
        hashed = ((sums + self.seed) * _GOLDEN) % (1 << 32)
        return tf.bitwise.bitwise_and(tf.bitwise.right_shift(hashed, 16), 1)

    def __call__(self, images, training=True):
        if not training:
            return images
        flip = tf.not_equal(self.bits(images), self.epoch % 2)
        return tf.where(flip[:, None, None, None], tf.reverse(images, axis=[2]), images)

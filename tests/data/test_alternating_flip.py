import numpy as np
import tensorflow as tf

from tfimg.data import AlternatingFlip


def _images(count, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (count, 8, 8, 3)).astype("float32")


def test_each_image_is_mirrored_in_exactly_one_of_two_consecutive_epochs():
    images = _images(200)
    flip = AlternatingFlip(seed=3)
    seen = []
    for epoch in range(4):
        flip.epoch.assign(epoch)
        out = flip(tf.constant(images)).numpy()
        mirrored = np.all(out == images[:, :, ::-1], axis=(1, 2, 3))
        assert np.all(mirrored | np.all(out == images, axis=(1, 2, 3)))
        seen.append(mirrored)
    np.testing.assert_array_equal(seen[0], ~seen[1])
    np.testing.assert_array_equal(seen[0], seen[2])  # the same half every even epoch
    np.testing.assert_array_equal(seen[1], seen[3])
    assert 70 < seen[0].sum() < 130  # about half, chosen by the hash
    # The choice belongs to the image, not to its place in the batch.
    flip.epoch.assign(0)
    order = np.random.default_rng(1).permutation(200)
    shuffled = flip(tf.constant(images[order])).numpy()
    np.testing.assert_array_equal(shuffled, flip(tf.constant(images)).numpy()[order])


def test_epoch_is_read_inside_tf_data_and_inference_passes_through():
    images = _images(16)
    flip = AlternatingFlip()
    dataset = tf.data.Dataset.from_tensors(images).map(flip)
    flip.epoch.assign(0)
    first = next(iter(dataset)).numpy()
    flip.epoch.assign(1)
    second = next(iter(dataset)).numpy()
    # Every image's orientation switches between the epochs.
    np.testing.assert_array_equal(second, first[:, :, ::-1])
    np.testing.assert_array_equal(flip(tf.constant(images), training=False).numpy(), images)

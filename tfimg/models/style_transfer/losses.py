"""The perceptual losses of neural style transfer (Gatys et al., 2016, "Image Style Transfer
Using Convolutional Neural Networks"; Johnson et al., 2016), on `keras.ops`.

Features are float [batch, height, width, channels] maps of a feature network
(`StyleFeatures`); each loss returns one float32 scalar, the mean over the batch.
"""

from keras import ops


def _check_rank4(features, name):
    if len(features.shape) != 4:
        raise ValueError(f"Expected {name} of shape [batch, height, width, channels], "
                         f"received shape={tuple(features.shape)}")


def gram_matrix(features):
    """Channel correlations of feature maps, normalised by channels * height * width.

    float [batch, height, width, channels] -> float32 [batch, channels, channels], symmetric;
    `G[b, i, j] = sum over pixels of F[b, :, :, i] * F[b, :, :, j] / (C * H * W)`. Scaling the
    features by `s` scales the Gram matrix by `s**2`; tiling an image keeps it.
    """
    _check_rank4(features, "features")
    features = ops.cast(features, "float32")
    shape = ops.shape(features)
    channels = shape[3]
    flat = ops.reshape(features, (shape[0], -1, channels))
    size = ops.cast(shape[1] * shape[2] * channels, "float32")
    return ops.matmul(ops.transpose(flat, (0, 2, 1)), flat) / size


def content_loss(features, target_features):
    """Mean squared difference of two feature maps of the same shape (float32 scalar)."""
    _check_rank4(features, "features")
    difference = ops.cast(features, "float32") - ops.cast(target_features, "float32")
    return ops.mean(ops.square(difference))


def style_loss(features, target_grams, weights=None):
    """Sum over layers of the mean squared difference between the Gram matrices of
    `features` and `target_grams`, each layer times its weight.

    Args:
        features: list of float [batch, height, width, channels] maps, one per style layer.
        target_grams: list of float [batch or 1, channels, channels] Gram matrices of the
            style image at the same layers (`gram_matrix`); a batch of 1 applies to every image.
        weights: one float per layer; None weighs each layer 1.

    Returns:
        float32 scalar.
    """
    if len(features) != len(target_grams):
        raise ValueError(f"Expected one target Gram matrix per style layer, received "
                         f"{len(target_grams)} for {len(features)} layers")
    weights = [1.0] * len(features) if weights is None else list(weights)
    if len(weights) != len(features):
        raise ValueError(f"Expected one weight per style layer, received {len(weights)} for "
                         f"{len(features)} layers")
    total = 0.0
    for layer, target, weight in zip(features, target_grams, weights):
        total = total + weight * ops.mean(ops.square(gram_matrix(layer)
                                                     - ops.cast(target, "float32")))
    return ops.convert_to_tensor(total, "float32")


def total_variation_loss(images):
    """Mean squared difference between vertically and between horizontally adjacent pixels,
    summed (float32 scalar); penalises high-frequency noise in generated images.

    images: float [batch, height, width, channels], at least 2x2.
    """
    _check_rank4(images, "images")
    images = ops.cast(images, "float32")
    vertical = ops.mean(ops.square(images[:, 1:, :, :] - images[:, :-1, :, :]))
    horizontal = ops.mean(ops.square(images[:, :, 1:, :] - images[:, :, :-1, :]))
    return vertical + horizontal

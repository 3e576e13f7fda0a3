"""Pixel normalisation for model inputs.

Each function maps pixel values in [0, 255] (any real dtype) to float32 for a model. Pure tensor
functions on rank 3 or rank 4 images, safe inside `tf.data` and exportable to TFLite.
"""

import tensorflow as tf

# ImageNet channel means in BGR order, as Caffe's ResNet50 was trained with
# (keras.applications.resnet50.preprocess_input, mode="caffe").
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)


def _float_image(image):
    image = tf.convert_to_tensor(image)
    if image.shape.rank not in (3, 4):
        raise ValueError(f"Expected an image of rank 3 or 4, received shape={image.shape}")
    return tf.cast(image, tf.float32)


def standardize(image):
    """Zero mean, unit variance per image (`tf.image.per_image_standardization`).

    [0, 255] -> float32 with mean 0 and standard deviation 1 over each image's pixels and
    channels (the deviation is floored at 1/sqrt(num_pixels) so flat images stay finite).
    """
    return tf.image.per_image_standardization(_float_image(image))


def caffe(image):
    """ImageNet "caffe" preprocessing for ResNet50: RGB -> BGR, minus the ImageNet BGR means.

    [0, 255] RGB -> float32 BGR, about [-124, 152]. Needs 3 channels.
    """
    image = _float_image(image)
    if image.shape[-1] != 3:
        raise ValueError(f"Expected 3 channels for caffe preprocessing, received "
                         f"channels={image.shape[-1]}")
    return image[..., ::-1] - tf.constant(CAFFE_BGR_MEAN, tf.float32)


# CIFAR-10 training-set channel means and standard deviations of [0, 1] RGB pixels, as
# airbench and most CIFAR-10 recipes normalise.
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


def cifar10(image):
    """[0, 255] RGB -> float32 with the CIFAR-10 training set's channel means and standard
    deviations removed (about [-2, 2.1]). Needs 3 channels."""
    image = _float_image(image)
    if image.shape[-1] != 3:
        raise ValueError(f"Expected 3 channels for cifar10 normalisation, received "
                         f"channels={image.shape[-1]}")
    mean = tf.constant(CIFAR10_MEAN, tf.float32) * 255.0
    return (image - mean) / (tf.constant(CIFAR10_STD, tf.float32) * 255.0)


def scale_unit(image):
    """[0, 255] -> float32 [0, 1]."""
    return _float_image(image) / 255.0


def scale_symmetric(image):
    """[0, 255] -> float32 [-1, 1] (the "tf" mode of keras.applications)."""
    return _float_image(image) / 127.5 - 1.0


NORMALIZATIONS = {
    "standardize": standardize,
    "caffe": caffe,
    "cifar10": cifar10,
    "unit": scale_unit,
    "symmetric": scale_symmetric,
    "none": _float_image,
}


def normalize(image, mode):
    """Applies the normalisation named `mode`, one of `NORMALIZATIONS` ("none" only casts)."""
    if mode not in NORMALIZATIONS:
        raise ValueError(f"Expected normalization in {tuple(NORMALIZATIONS)}, "
                         f"received {mode!r}")
    return NORMALIZATIONS[mode](image)

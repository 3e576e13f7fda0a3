"""The feature networks style and content are measured with.

`StyleFeatures.load` uses ImageNet VGG19 (Simonyan and Zisserman, 2015) at Gatys et al.'s
layers whenever Keras can load its weights (from its cache, a download, or a local weights
file), and otherwise falls back, saying so on stderr, to a fixed-seed network of random
multi-scale filters: texture synthesis with random shallow networks works (Ustyuzhaninov et
al., 2017, "What does it take to generate natural textures?"), though less well than with VGG19.
"""

import os
import sys

import keras
import numpy as np
from keras import ops

CONTENT_LAYER = "block4_conv2"
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1",
                "block5_conv1")
# ImageNet channel means in BGR order, subtracted by VGG's "caffe" preprocessing.
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)
# The random network: one convolution + ReLU per scale of an image pyramid (average-pooled by 2
# per scale), so its receptive fields span RANDOM_KERNEL * 2**scale pixels.
RANDOM_SCALES = 5
RANDOM_KERNEL = 5
RANDOM_FILTERS = 64
RANDOM_CONTENT_SCALE = 2


def _vgg19(weights):
    vgg = keras.applications.VGG19(include_top=False, weights=weights, input_shape=(None, None, 3))
    outputs = [vgg.get_layer(name).output for name in (CONTENT_LAYER, *STYLE_LAYERS)]
    return keras.Model(vgg.input, outputs, name="vgg19_features")


def _random_multiscale(seed):
    rng = np.random.default_rng(seed)
    inputs = keras.Input((None, None, 3))
    image, outputs = inputs, []
    for scale in range(RANDOM_SCALES):
        if scale:
            image = keras.layers.AveragePooling2D(2)(image)
        conv = keras.layers.Conv2D(RANDOM_FILTERS, RANDOM_KERNEL, padding="same",
                                   activation="relu", name=f"random_scale{scale}")
        outputs.append(conv(image))
        fan_in = RANDOM_KERNEL * RANDOM_KERNEL * 3
        kernel = rng.normal(0.0, np.sqrt(2.0 / fan_in),
                            (RANDOM_KERNEL, RANDOM_KERNEL, 3, RANDOM_FILTERS))
        conv.set_weights([kernel.astype("float32"), np.zeros(RANDOM_FILTERS, "float32")])
    return keras.Model(inputs, [outputs[RANDOM_CONTENT_SCALE], *outputs],
                       name="random_multiscale_features")


class StyleFeatures:
    """Content and style feature maps of RGB images, from a frozen feature network.

    Call it on float [batch, height, width, 3] RGB in [0, 255] (VGG's caffe preprocessing,
    BGR minus the ImageNet means, is applied inside) to get `(content, style)`: one feature map
    [batch, h, w, c] and a list of maps, one per style layer.

    Attributes:
        network: "vgg19" or "random_multiscale".
        weights: "imagenet", the path of a local weights file, or None (random filters).
        seed: the random filters' seed (random_multiscale only).
        model: the `keras.Model` (frozen) from preprocessed images to
            `[content, *style]` feature maps.
    """

    def __init__(self, network, weights=None, seed=0):
        if network == "vgg19":
            model = _vgg19(weights)
        elif network == "random_multiscale":
            model = _random_multiscale(seed)
        else:
            raise ValueError(f"Expected network 'vgg19' or 'random_multiscale', received "
                             f"{network!r}")
        model.trainable = False
        self.network, self.weights, self.seed, self.model = network, weights, seed, model

    @classmethod
    def load(cls, weights="imagenet", seed=0):
        """VGG19 with `weights` ("imagenet": Keras's cache or a download; or a local weights
        file), else the random multi-scale network with `seed`, explained on stderr. A local
        file that does not exist or does not load raises instead: the user asked for it.
        `weights` None or "random" chooses the random network (offline tests)."""
        if weights in (None, "random"):
            return cls("random_multiscale", seed=seed)
        if weights != "imagenet":
            if not os.path.isfile(weights):
                raise ValueError(f"--weights {weights!r}: no such file (expected VGG19 "
                                 f"weights without the top, e.g. "
                                 f"vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5)")
            return cls("vgg19", weights=weights)
        try:
            return cls("vgg19", weights="imagenet")
        # keras.utils.get_file raises a bare Exception when a download fails.
        except Exception as error:  # noqa: BLE001
            reason = (str(error).splitlines() or [type(error).__name__])[0][:300]
            print(f"ImageNet VGG19 weights cannot be loaded ({reason}); using the fallback "
                  f"feature network instead: fixed random multi-scale filters (seed {seed}; "
                  f"Ustyuzhaninov et al. 2017). Style transfer works with it, with weaker "
                  f"textures than VGG19; pass --weights FILE with VGG19 weights for the real "
                  f"network.", file=sys.stderr)
            return cls("random_multiscale", seed=seed)

    def to_json(self):
        """What a model folder records of the features it was trained with."""
        description = {"network": self.network, "weights": self.weights}
        if self.network == "random_multiscale":
            description.update(seed=self.seed, scales=RANDOM_SCALES, kernel=RANDOM_KERNEL,
                               filters=RANDOM_FILTERS)
        else:
            description.update(content_layer=CONTENT_LAYER, style_layers=list(STYLE_LAYERS))
        return description

    def __call__(self, images):
        images = ops.cast(images, "float32")
        preprocessed = ops.flip(images, axis=-1) - ops.convert_to_tensor(CAFFE_BGR_MEAN)
        if self.network == "random_multiscale":
            preprocessed = preprocessed / 128.0
        content, *style = self.model(preprocessed, training=False)
        return content, style

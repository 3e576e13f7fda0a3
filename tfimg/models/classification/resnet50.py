"""ImageNet ResNet50 (He et al., 2016, arXiv:1512.03385): recognition and transfer learning.

Both take "caffe"-preprocessed images (RGB -> BGR, minus the ImageNet BGR means; the input
pipeline's `normalize="caffe"`, equal to `keras.applications.resnet50.preprocess_input`).

Weights are "imagenet" (downloaded by Keras on first use and cached under
`$KERAS_HOME/models`, `~/.keras/models` by default), None (random), or the path of a local
weights file (e.g. the cached `.h5` copied to an offline machine).
"""

import contextlib
import json
import os

import keras
import numpy as np

WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
               "resnet50_weights_tf_dim_ordering_tf_kernels{}.h5")
CLASS_INDEX_URL = ("https://storage.googleapis.com/download.tensorflow.org/data/"
                   "imagenet_class_index.json")
# Residual stages from the top; fine-tuning unfreezes the first few.
STAGES = ("conv5", "conv4", "conv3", "conv2")


def keras_cache_path(filename):
    """Where Keras caches a downloaded file (`keras.utils.get_file(..., cache_subdir="models")`)."""
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return os.path.join(home, "models", filename)


@contextlib.contextmanager
def _downloading(url, filename):
    """Turns a failed Keras download into an error that says where to put the file."""
    try:
        yield
    except Exception as error:
        if os.path.exists(keras_cache_path(filename)):
            raise
        raise OSError(f"Could not download {url} ({error}). Keras caches it as "
                      f"{keras_cache_path(filename)!r}: copy the file there on a machine without "
                      f"internet access, or pass the path of a local file instead") from error


def resnet50(weights="imagenet", include_top=True, input_shape=None):
    """`keras.applications.ResNet50` with "imagenet", None or local-file weights.

    Args:
        weights: "imagenet", None, or the path of a weights file of the same architecture.
        include_top: keep the 1000-class ImageNet classifier (input 224x224x3).
        input_shape: (height, width, 3), at least 32x32, when `include_top` is False.

    Returns:
        a functional Keras model; with the top, float32 (batch, 1000) softmax scores.

    Raises:
        FileNotFoundError: for a weights path that does not exist.
        OSError: when the ImageNet weights are neither cached nor downloadable; names the
            cache path.
    """
    if weights not in ("imagenet", None) and not os.path.isfile(os.fspath(weights)):
        raise FileNotFoundError(f"No weights file at {os.fspath(weights)!r}")
    suffix = "" if include_top else "_notop"
    filename = f"resnet50_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    guard = (_downloading(WEIGHTS_URL.format(suffix), filename) if weights == "imagenet"
             else contextlib.nullcontext())
    with guard:
        return keras.applications.ResNet50(
            include_top=include_top, weights=None if weights is None else os.fspath(weights),
            input_shape=input_shape)


def load_class_index(class_index=None):
    """{index: (wnid, name)} from an `imagenet_class_index.json`-style mapping or file.

    Args:
        class_index: a dict {"0": ["n01440764", "tench"], ...}, the path of such a JSON file,
            or None for ImageNet's (downloaded by Keras and cached like the weights).
    """
    source = class_index
    if class_index is None:
        with _downloading(CLASS_INDEX_URL, "imagenet_class_index.json"):
            source = keras.utils.get_file("imagenet_class_index.json", CLASS_INDEX_URL,
                                          cache_subdir="models",
                                          file_hash="c2c37ea517e94d9795004a39431a14cb")
    if isinstance(source, (str, os.PathLike)):
        with open(source, encoding="utf-8") as file:
            try:
                mapping = json.load(file)
            except json.JSONDecodeError as error:
                raise ValueError(f"{os.fspath(source)!r} is not JSON: {error}") from None
            except RecursionError:
                raise ValueError(f"{os.fspath(source)!r} is not JSON: nested too deeply") \
                    from None
    else:
        mapping, source = class_index, "class_index"
    if not isinstance(mapping, dict):
        raise ValueError(f"Expected a JSON object of classes in {os.fspath(source)!r}")
    result = {}
    for key, value in mapping.items():
        if not (str(key).isdigit() and isinstance(value, (list, tuple)) and len(value) == 2
                and all(isinstance(part, str) for part in value)):
            raise ValueError(f"Expected entries \"index\": [wnid, name] in "
                             f"{os.fspath(source)!r}, received {key!r}: {value!r}")
        result[int(key)] = tuple(value)
    if sorted(result) != list(range(len(result))):
        raise ValueError(f"Expected class indices 0..{len(result) - 1} in {os.fspath(source)!r}")
    return result


def decode_top_k(scores, class_index, top=5):
    """Top-k classes per image, like `keras.applications.resnet50.decode_predictions`.

    Args:
        scores: (batch, num_classes) scores.
        class_index: what `load_class_index` returns or accepts.
        top: classes per image.

    Returns:
        one list per image of (wnid, name, score) tuples, best first.
    """
    if not isinstance(class_index, dict) or not all(isinstance(k, int) for k in class_index):
        class_index = load_class_index(class_index)
    scores = np.asarray(keras.ops.convert_to_numpy(scores))
    if scores.ndim != 2 or scores.shape[1] != len(class_index):
        raise ValueError(f"Expected scores of shape (batch, {len(class_index)}), received "
                         f"shape={scores.shape}")
    best = np.argsort(-scores, axis=1, kind="stable")[:, :top]
    return [[(*class_index[int(i)], float(row[i])) for i in indices]
            for row, indices in zip(scores, best)]


class ResNet50Classifier(keras.Model):
    """Transfer learning: a ResNet50 base, global average pooling, dropout and a new head.

    The base starts frozen; `set_trainable_stages(n)` unfreezes its top n residual stages
    (conv5, then conv4, ...) for fine-tuning at a lower learning rate. Batch normalisation in
    the base always runs in inference mode, so that a small dataset does not wreck its
    statistics (the Keras transfer-learning guide's advice).

    Args:
        num_classes: classes of the new head.
        input_shape: (height, width, 3) caffe-preprocessed images, at least 32x32.
        weights: the base's weights (see `resnet50`); a saved classifier reloads its own.
        trainable_stages: how many top stages of the base train (0: frozen base).
        dropout: dropout rate before the head.

    Outputs: float32 (batch, num_classes) class probabilities.
    """

    def __init__(self, num_classes, input_shape=(224, 224, 3), weights="imagenet",
                 trainable_stages=0, dropout=0.2, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.image_shape = tuple(int(s) for s in input_shape)
        self.dropout_rate = float(dropout)
        self.base = resnet50(weights=weights, include_top=False, input_shape=self.image_shape)
        self.pool = keras.layers.GlobalAveragePooling2D()
        self.dropout = keras.layers.Dropout(self.dropout_rate)
        self.classifier = keras.layers.Dense(self.num_classes, name="classifier")
        self.softmax = keras.layers.Activation("softmax", dtype="float32")
        self.set_trainable_stages(trainable_stages)

    def set_trainable_stages(self, count):
        """Trains the top `count` residual stages of the base (batch norm stays frozen)."""
        if not 0 <= count <= len(STAGES):
            raise ValueError(f"Expected 0 <= trainable_stages <= {len(STAGES)}, received "
                             f"{count!r}")
        self.trainable_stages = int(count)
        prefixes = STAGES[:count]
        for layer in self.base.layers:
            layer.trainable = (layer.name.startswith(prefixes) and
                               not isinstance(layer, keras.layers.BatchNormalization))

    def build(self, input_shape=None):
        self.call(keras.ops.zeros((1, *self.image_shape)))
        self.built = True

    def call(self, images, training=False):
        features = self.pool(self.base(images, training=False))
        return self.softmax(self.classifier(self.dropout(features, training=training)))

    def get_config(self):
        config = super().get_config()
        # A reloaded classifier gets its weights from the saved file, not from ImageNet.
        config.update(num_classes=self.num_classes, input_shape=self.image_shape, weights=None,
                      trainable_stages=self.trainable_stages, dropout=self.dropout_rate)
        return config

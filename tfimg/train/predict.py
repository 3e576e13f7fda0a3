"""Classes of image files: a trained model folder's top-k, and ImageNet recognition with
ResNet50."""

import numpy as np

from tfimg import data
from tfimg.models import load_model_folder
from tfimg.models.classification import resnet50

# What the ImageNet ResNet50 weights expect.
IMAGENET_PREPROCESSING = data.Preprocessing(image_size=(224, 224), normalize="caffe")


def predict(model_path, image_paths, top_k=5):
    """Top-k classes of each image file: a list of [(class name, probability), ...].

    Raises:
        ValueError naming the first file that cannot be decoded.
    """
    model, metadata = load_model_folder(model_path)
    images = data.load_images(image_paths, data.Preprocessing.from_metadata(metadata))
    probabilities = np.asarray(model.predict_on_batch(images))
    class_names = metadata["class_names"]
    k = min(top_k, len(class_names))
    return [[(class_names[i], float(row[i])) for i in np.argsort(row)[::-1][:k]]
            for row in probabilities]


def recognize(image_paths, weights="imagenet", class_index=None, top_k=5):
    """ImageNet recognition with ResNet50: a list per image of (wnid, name, score), best first.

    Images are resized to 224x224 and caffe-preprocessed, as the ImageNet weights expect.

    Args:
        image_paths: image files.
        weights: "imagenet" (downloaded by Keras and cached) or a local weights file of the
            full ResNet50 with its 1000-class top.
        class_index: `imagenet_class_index.json`-style file or mapping; None for ImageNet's.
        top_k: classes per image.
    """
    class_index = resnet50.load_class_index(class_index)
    model = resnet50.resnet50(weights=weights)
    images = data.load_images(image_paths, IMAGENET_PREPROCESSING)
    return resnet50.decode_top_k(model.predict_on_batch(images), class_index, top=top_k)

"""Transfer learning with the ResNet50 classifier through tfimg.train, offline (a local weights
file), and the model recipes TrainConfig resolves."""

import dataclasses
import json

import numpy as np
import pytest
from PIL import Image

import keras

from tfimg import data
from tfimg.models import ResNet50Classifier
from tfimg.models.classification.resnet50 import resnet50
from tfimg.train import TrainConfig, train


@pytest.fixture(scope="module")
def colours(tmp_path_factory):
    """Two classes of noisy 32x32 PNGs, reddish and bluish, 20 each."""
    root = tmp_path_factory.mktemp("colours")
    rng = np.random.default_rng(0)
    for name, mean in (("red", (190, 70, 60)), ("blue", (60, 80, 190))):
        (root / name).mkdir()
        for index in range(20):
            pixels = np.clip(rng.normal(mean, 45, (32, 32, 3)), 0, 255).astype("uint8")
            Image.fromarray(pixels).save(root / name / f"{index:02d}.png")
    return root


@pytest.fixture(scope="module")
def base_weights(tmp_path_factory):
    # ImageNet weights are not available offline: a random base saved as a local file stands in.
    path = tmp_path_factory.mktemp("weights") / "base.weights.h5"
    keras.utils.set_random_seed(2)
    resnet50(weights=None, include_top=False, input_shape=(32, 32, 3)).save_weights(path)
    return str(path)


def test_resnet50_recipe_uses_caffe_preprocessing_at_224():
    config = TrainConfig(data="d", model="resnet50")
    assert (config.image_size, config.normalize, config.weights) == ((224, 224), "caffe",
                                                                     "imagenet")
    assert TrainConfig(data="d", model="resnet50", image_size=(64, 64)).image_size == (64, 64)
    # Fine-tuning defaults to a tenth of the learning rate.
    assert TrainConfig(data="d", model="resnet50", learning_rate=0.01).fine_tune_learning_rate \
        == pytest.approx(0.001)


def test_airbench_recipe_and_explicit_values():
    config = TrainConfig(data="d", model="airbench")
    assert (config.optimizer, config.schedule, config.label_smoothing, config.batch_size,
            config.flip, config.translate) == ("sgd", "warmup_linear", 0.2, 1024, True, 2)
    assert (config.alternating_flip, config.lookahead, config.whiten_bias_epochs,
            config.normalize) == (True, True, 3, "cifar10")
    assert TrainConfig(data="d", model="airbench", epochs=3, flip=False).flip is False
    names = [type(layer).__name__ for layer in config.pipeline_config().augment]
    assert names == ["AlternatingFlip", "RandomTranslation"]
    random_flips = TrainConfig(data="d", model="airbench", alternating_flip=False)
    names = [type(layer).__name__ for layer in random_flips.pipeline_config().augment]
    assert names == ["RandomFlip", "RandomTranslation"]
    assert TrainConfig(data="d").optimizer == "adam"


@pytest.mark.parametrize("values, message", [
    ({"model": "cifar_cnn", "weights": "imagenet"}, "pretrained base"),
    ({"model": "cifar_cnn", "fine_tune_epochs": 2}, "pretrained base"),
    ({"optimizer": "rmsprop"}, "optimizer"),
    ({"schedule": "step"}, "schedule"),
    ({"label_smoothing": 1.0}, "label_smoothing"),
    ({"translate": -1}, "translate >= 0"),
    ({"model": "resnet50", "quantization_aware": True, "init": "m"}, "quantisation-aware form"),
    ({"quantization_aware": True}, "Expected init"),
])
def test_bad_recipe_settings_are_named(values, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(data="d", **values)


@pytest.mark.slow
def test_transfer_learning_then_fine_tuning_improves_validation(colours, base_weights, tmp_path):
    config = TrainConfig(data=str(colours), model="resnet50", weights=base_weights,
                         image_size=(32, 32), epochs=2, fine_tune_epochs=1, batch_size=8,
                         learning_rate=3e-3, fine_tune_learning_rate=1e-5, validation=0.3,
                         out=str(tmp_path / "run"))
    validation = data.from_directory(colours).split(validation=0.3)["validation"]
    pipe = data.build_pipeline(validation, dataclasses.replace(config.pipeline_config(),
                                                               augment=()))
    labels = np.concatenate([batch_labels for _, batch_labels in pipe.dataset])
    keras.utils.set_random_seed(config.seed)
    untrained = ResNet50Classifier(2, input_shape=(32, 32, 3), weights=base_weights)
    scores = untrained.predict(pipe.dataset, verbose=0)
    loss_before = float(keras.losses.sparse_categorical_crossentropy(labels, scores).numpy()
                        .mean())

    metadata = train(config)
    assert metadata["epochs"] == 3
    assert metadata["validation_loss"] < loss_before
    # About 16 validation images behind a random (offline) base: one image is 6 points, and
    # runs differ by an image or two; chance is 0.5.
    assert metadata["validation_accuracy"] >= 0.8
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert (saved["fine_tune_stages"], saved["weights"]) == (1, base_weights)
    rows = (tmp_path / "run" / "history.csv").read_text().splitlines()
    assert len(rows) == 1 + 3

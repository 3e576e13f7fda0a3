import keras
import numpy as np
import pytest

from tests.tolerances import assert_same_program
from tfimg.models.style_transfer import features as features_module
from tfimg.models.style_transfer.features import STYLE_LAYERS, StyleFeatures


def _images(seed=0, size=(1, 32, 48, 3)):
    return np.random.default_rng(seed).uniform(0, 255, size).astype(np.float32)


def test_random_features_shapes_and_fixed_by_seed():
    first, second = StyleFeatures.load(None, seed=3), StyleFeatures.load(None, seed=3)
    content, style = first(_images())
    # One map per scale of the pyramid (32x48 halved 4 times); content at a quarter.
    assert [tuple(layer.shape) for layer in style] == [
        (1, 32, 48, 64), (1, 16, 24, 64), (1, 8, 12, 64), (1, 4, 6, 64), (1, 2, 3, 64)]
    assert tuple(content.shape) == (1, 8, 12, 64)
    for a, b in zip(style, second(_images())[1]):
        assert_same_program(a, b)
    other = StyleFeatures.load(None, seed=4)(_images())[1][0]
    assert not np.allclose(np.asarray(other), np.asarray(style[0]))
    assert first.to_json()["network"] == "random_multiscale"
    assert first.model.trainable is False


def test_imagenet_unavailable_falls_back_and_says_so(monkeypatch, capsys):
    def offline(**kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: offline")

    monkeypatch.setattr(features_module.keras.applications, "VGG19", offline)
    features = StyleFeatures.load("imagenet", seed=1)
    assert (features.network, features.weights, features.seed) == ("random_multiscale", None, 1)
    message = capsys.readouterr().err
    assert "ImageNet VGG19 weights cannot be loaded (URL fetch failure" in message
    assert "fallback feature network" in message


@pytest.mark.slow
def test_vgg19_from_a_local_weights_file(tmp_path):
    # The real loading path, with a weights file saved here (random VGG19 weights, 80 MB).
    vgg = keras.applications.VGG19(include_top=False, weights=None)
    path = str(tmp_path / "vgg19_notop.weights.h5")
    vgg.save_weights(path)
    features = StyleFeatures.load(path)
    assert (features.network, features.weights) == ("vgg19", path)
    np.testing.assert_array_equal(np.asarray(features.model.get_layer("block5_conv1").kernel),
                                  np.asarray(vgg.get_layer("block5_conv1").kernel))
    images = _images(size=(1, 32, 32, 3))
    content, style = features(images)
    assert len(style) == len(STYLE_LAYERS)
    assert tuple(content.shape) == (1, 4, 4, 512)
    # Caffe preprocessing inside: RGB -> BGR minus the ImageNet means.
    caffe = images[..., ::-1] - np.array([103.939, 116.779, 123.68], np.float32)
    expected = keras.Model(vgg.input, vgg.get_layer("block1_conv1").output)(caffe)
    np.testing.assert_allclose(np.asarray(style[0]), np.asarray(expected), rtol=1e-5, atol=1e-4)
    assert features.to_json()["content_layer"] == "block4_conv2"


def test_missing_weights_file_named():
    with pytest.raises(ValueError, match="no such file"):
        StyleFeatures.load("/no/such/vgg19.h5")
    with pytest.raises(ValueError, match="Expected network"):
        StyleFeatures("alexnet")

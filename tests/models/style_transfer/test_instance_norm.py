import numpy as np
import pytest

from tests.tolerances import assert_close_to_reference, assert_same_program
from tfimg.layers import InstanceNormalization
from tfimg.models import load_model


def test_normalises_each_image_and_channel():
    rng = np.random.default_rng(0)
    images = (rng.normal(size=(3, 5, 6, 4)) * [1, 5, 20, 0.1] + [0, 3, -7, 100]).astype("f4")
    outputs = np.asarray(InstanceNormalization()(images))
    mean = images.mean(axis=(1, 2), keepdims=True)
    variance = images.var(axis=(1, 2), keepdims=True)
    assert_close_to_reference(outputs, (images - mean) / np.sqrt(variance + 1e-5))


def test_gamma_beta_config_and_reload(tmp_path):
    import keras

    layer = InstanceNormalization(epsilon=1e-3, name="norm")
    model = keras.Sequential([keras.Input((4, 4, 2)), layer])
    layer.set_weights([np.array([2.0, 3.0], "f4"), np.array([1.0, -1.0], "f4")])
    images = np.random.default_rng(1).normal(size=(2, 4, 4, 2)).astype("f4")
    normalised = (images - images.mean((1, 2), keepdims=True)) / np.sqrt(
        images.var((1, 2), keepdims=True) + 1e-3)
    assert_close_to_reference(model(images), normalised * [2.0, 3.0] + [1.0, -1.0])
    clone = InstanceNormalization.from_config(layer.get_config())
    assert (clone.epsilon, clone.center, clone.scale) == (1e-3, True, True)
    model.save(tmp_path / "norm.keras")
    assert_same_program(load_model(tmp_path / "norm.keras", compile=False)(images), model(images))


def test_bad_arguments_named():
    with pytest.raises(ValueError, match="epsilon > 0"):
        InstanceNormalization(epsilon=0)
    with pytest.raises(ValueError, match="batch, height, width, channels"):
        InstanceNormalization()(np.zeros((2, 3), "f4"))

import numpy as np
import pytest

import keras

from tests.models.contract import check_model_contract
from tfimg.models import CifarCnn, load_model


def test_output_shape_dtype_and_probabilities():
    model = CifarCnn(num_classes=7)
    scores = model(np.random.default_rng(0).normal(size=(3, 32, 32, 3)).astype("float32"))
    assert scores.shape == (3, 7)
    assert keras.backend.standardize_dtype(scores.dtype) == "float32"
    np.testing.assert_allclose(np.sum(scores, axis=-1), 1.0, rtol=1e-5)


def test_survey_architecture():
    model = CifarCnn()
    model.build()
    # Conv(3*3*3*32+32) + Conv(3*3*32*64+64) + Conv(3*3*64*64+64) + Dense(1024*64+64)
    # + Dense(64*10+10), the TensorFlow CNN tutorial's 122,570 parameters.
    assert model.count_params() == 122_570


def test_get_config_round_trip():
    model = CifarCnn(num_classes=4, input_shape=(32, 32, 1))
    clone = CifarCnn.from_config(model.get_config())
    assert clone.num_classes == 4
    assert clone.image_shape == (32, 32, 1)


def test_one_training_step_and_save_reload(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.normal(size=(8, 32, 32, 3)).astype("float32")
    labels = rng.integers(0, 3, size=8)
    model = CifarCnn(num_classes=3)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = model.evaluate(images, labels, verbose=0)
    model.fit(images, labels, epochs=3, verbose=0)
    assert model.evaluate(images, labels, verbose=0) < before
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = load_model(path)
    np.testing.assert_allclose(reloaded.predict(images, verbose=0),
                               model.predict(images, verbose=0), atol=1e-6)


def test_rejects_wrong_input_size():
    model = CifarCnn()
    model.build()
    with pytest.raises(ValueError):
        model(np.zeros((1, 8, 8, 3), "float32"))


def test_model_contract(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.normal(size=(4, 32, 32, 3)).astype("float32")
    check_model_contract(lambda: CifarCnn(num_classes=3), images, rng.integers(0, 3, size=4),
                         "sparse_categorical_crossentropy", tmp_path, output_shape=(4, 3))

import json
import urllib.request

import numpy as np
import pytest

import keras

from tfimg.models import ResNet50Classifier, load_model
from tfimg.models.classification.resnet50 import decode_top_k, load_class_index, resnet50

from tests.tolerances import EXACT, SAME_PROGRAM

CLASS_INDEX = {"0": ["n00000001", "red thing"], "1": ["n00000002", "green thing"],
               "2": ["n00000003", "blue thing"]}


@pytest.fixture(scope="module")
def base_weights(tmp_path_factory):
    """A local weights file for a 32x32 ResNet50 base (random: ImageNet's is not offline)."""
    path = tmp_path_factory.mktemp("weights") / "resnet50_notop.weights.h5"
    keras.utils.set_random_seed(1)
    resnet50(weights=None, include_top=False, input_shape=(32, 32, 3)).save_weights(path)
    return path


def test_recognition_model_without_weights_gives_1000_probabilities():
    model = resnet50(weights=None)
    scores = model(np.zeros((1, 224, 224, 3), "float32"))
    assert scores.shape == (1, 1000)
    np.testing.assert_allclose(np.sum(scores), 1.0, rtol=1e-5)


def test_local_weights_file_loads_exactly(base_weights):
    model = resnet50(weights=base_weights, include_top=False, input_shape=(32, 32, 3))
    reference = resnet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    reference.load_weights(base_weights)
    for loaded, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(loaded, expected, atol=EXACT)


def test_missing_weights_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.h5"):
        resnet50(weights=tmp_path / "nope.h5")


def test_imagenet_weights_offline_name_the_keras_cache(tmp_path, monkeypatch):
    # A proxy on a closed loopback port makes the real download fail at once, offline or not.
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    # urllib builds its global opener, proxies included, on first use: keep this one to the
    # test, or every later request of this process would go to the closed port.
    monkeypatch.setattr(urllib.request, "_opener", None)
    expected = str(tmp_path / "keras" / "models" / "resnet50_weights_tf_dim_ordering_tf_kernels"
                   "_notop.h5")
    with pytest.raises(OSError, match="Could not download") as caught:
        resnet50(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    assert expected in str(caught.value)
    with pytest.raises(OSError, match="imagenet_class_index.json"):
        load_class_index(None)


def test_top_k_decoding_from_a_provided_class_index(tmp_path):
    scores = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]], "float32")
    path = tmp_path / "classes.json"
    path.write_text(json.dumps(CLASS_INDEX))
    expected = [[("n00000002", "green thing", pytest.approx(0.7)),
                 ("n00000003", "blue thing", pytest.approx(0.2))],
                [("n00000001", "red thing", pytest.approx(0.5)),
                 ("n00000003", "blue thing", pytest.approx(0.3))]]
    assert decode_top_k(scores, path, top=2) == expected
    assert decode_top_k(scores, CLASS_INDEX, top=2) == expected
    # The same as Keras' decoder, given the same index (it would download ImageNet's).
    with pytest.raises(ValueError, match=r"shape \(batch, 3\)"):
        decode_top_k(np.zeros((1, 4)), CLASS_INDEX)


@pytest.mark.parametrize("text, message", [
    ("not json", "is not JSON"),
    ('{"0": ["n1"]}', "wnid, name"),
    ('{"0": ["n1", "a"], "2": ["n2", "b"]}', "indices 0..1"),
    ('[1, 2]', "JSON object"),
])
def test_bad_class_index_files_are_named(tmp_path, text, message):
    path = tmp_path / "index.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as caught:
        load_class_index(path)
    assert "index.json" in str(caught.value)


def test_classifier_freezes_the_base_and_unfreezes_top_stages(base_weights):
    model = ResNet50Classifier(3, input_shape=(32, 32, 3), weights=base_weights)
    model.build()
    assert [w.name for w in model.trainable_weights] == ["kernel", "bias"]  # the head only
    model.set_trainable_stages(1)
    trainable = {w.path.split("/")[-2] for w in model.trainable_weights}
    assert trainable == {"classifier"} | {f"conv5_block{b}_{c}_conv" for b in (1, 2, 3)
                                          for c in ("0", "1", "2", "3") if b == 1 or c != "0"}
    with pytest.raises(ValueError, match="trainable_stages"):
        model.set_trainable_stages(5)


def test_classifier_save_reload_keeps_weights_and_stages(tmp_path, base_weights):
    model = ResNet50Classifier(3, input_shape=(32, 32, 3), weights=base_weights,
                               trainable_stages=2)
    images = keras.applications.resnet50.preprocess_input(
        np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32"))
    expected = model.predict(images, verbose=0)
    model.save(tmp_path / "model.keras")
    reloaded = load_model(tmp_path / "model.keras")
    assert reloaded.trainable_stages == 2
    np.testing.assert_allclose(reloaded.predict(images, verbose=0), expected,
                               atol=SAME_PROGRAM)

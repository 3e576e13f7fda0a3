import numpy as np
import pytest

import keras

from tfimg.models import AirbenchNet, copy_weights, load_model
from tfimg.models.classification.airbench import patch_whitening

from tests.tolerances import SAME_PROGRAM


def _images(count, seed=0):
    return np.random.default_rng(seed).normal(size=(count, 32, 32, 3)).astype("float32")


def test_output_shape_dtype_and_probabilities():
    scores = AirbenchNet(num_classes=7)(_images(3))
    assert scores.shape == (3, 7)
    assert keras.backend.standardize_dtype(scores.dtype) == "float32"
    np.testing.assert_allclose(np.sum(scores, axis=-1), 1.0, rtol=1e-5)


def test_airbench94_size():
    model = AirbenchNet()
    model.build()
    channels = 2 * (64 + 256 + 256)  # two batch norms per group
    # whiten 2*2*3*24 + its bias, convs 3*3*(24*64 + 64*64 + 64*256 + 3*256*256), batch-norm
    # biases and moving mean and variance, linear 256*10: airbench94's 1.97M.
    assert model.count_params() == (2 * 2 * 3 * 24 + 24 + 9 * (24 * 64 + 64 * 64 + 64 * 256
                                    + 3 * 256 * 256) + 3 * channels + 256 * 10) == 1_973_944
    assert len(model.trainable_weights) == 1 + 6 + 6 + 1


def test_convolutions_start_as_identity_on_their_first_channels():
    model = AirbenchNet()
    model.build()
    kernel = keras.ops.convert_to_numpy(model.convs[1].kernel)  # 64 -> 64
    expected = np.zeros_like(kernel)
    expected[1, 1, np.arange(64), np.arange(64)] = 1
    np.testing.assert_array_equal(kernel, expected)


def test_patch_whitening_whitens_the_patches():
    rng = np.random.default_rng(0)
    # Correlated channels, so that whitening has something to undo.
    images = rng.normal(size=(64, 16, 16, 3)) @ np.array([[1, .8, .2], [0, 1, .5], [0, 0, 1]])
    kernel = patch_whitening(images, epsilon=0.0)
    assert kernel.shape == (2, 2, 3, 24)
    patches = np.stack([images[:, i:15 + i, j:15 + j] for i in range(2) for j in range(2)], 3)
    responses = patches.reshape(-1, 12) @ kernel.reshape(12, 24)[:, :12]
    np.testing.assert_allclose(np.cov(responses, rowvar=False, bias=True), np.eye(12),
                               atol=0.02)
    np.testing.assert_array_equal(kernel[..., 12:], -kernel[..., :12])


def test_tta_level_1_makes_inference_mirror_invariant():
    model = AirbenchNet(num_classes=4, tta_level=1)
    model.build()
    # Logits far from uniform scores (PyTorch's initialisation starts them near 0).
    model.classifier.kernel.assign(model.classifier.kernel * 100)
    images = _images(2)
    np.testing.assert_allclose(model.predict(images[:, :, ::-1], verbose=0),
                               model.predict(images, verbose=0), atol=SAME_PROGRAM)
    plain = AirbenchNet(num_classes=4, tta_level=0)
    plain.build()
    plain.set_weights(model.get_weights())
    difference = plain.predict(images[:, :, ::-1], verbose=0) - plain.predict(images, verbose=0)
    assert np.abs(difference).max() > 10 * SAME_PROGRAM


def test_tta_level_2_is_airbench_six_views_with_their_weights():
    model = AirbenchNet(num_classes=4, tta_level=2)
    model.build()
    model.classifier.kernel.assign(model.classifier.kernel * 100)
    images = _images(3)
    views = model._views(keras.ops.convert_to_tensor(images))
    assert [weight for weight, _ in views] == [1 / 4] * 2 + [1 / 8] * 4
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
    expected = [images, images[:, :, ::-1], padded[:, :32, :32], padded[:, :32, :32][:, :, ::-1],
                padded[:, 2:, 2:], padded[:, 2:, 2:][:, :, ::-1]]
    for (_, view), want in zip(views, expected):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(view), want)
    plain = AirbenchNet(num_classes=4, tta_level=0)
    plain.build()
    plain.set_weights(model.get_weights())
    logits = [np.log(plain.predict(view, verbose=0)) for view in expected]
    # Softmax of the weighted logits (log-probabilities differ from logits by a constant).
    mixed = sum(w * l for w, l in zip([1 / 4] * 2 + [1 / 8] * 4, logits))
    mixed = np.exp(mixed - mixed.max(-1, keepdims=True))
    np.testing.assert_allclose(model.predict(images, verbose=0),
                               mixed / mixed.sum(-1, keepdims=True), atol=1e-5)
    assert len(model._views(images[:1])) == 6  # one image too
    assert len(AirbenchNet(tta_level=0)._views(images)) == 1


def test_weights_start_as_pytorch_defaults():
    model = AirbenchNet()
    model.build()
    for layer, fan_in in [(model.convs[2], 9 * 64), (model.classifier, 256)]:
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        if layer is model.convs[2]:
            kernel = kernel[..., 64:]  # the first 64 outputs are identity maps
        bound = 1 / np.sqrt(fan_in)
        assert np.abs(kernel).max() <= bound
        np.testing.assert_allclose(kernel.std(), bound / np.sqrt(3), rtol=0.05)


def test_get_config_round_trip_and_old_flip_average_configs():
    model = AirbenchNet(num_classes=4, input_shape=(28, 28, 1), widths=(8, 16, 16),
                        tta_level=1)
    clone = AirbenchNet.from_config(model.get_config())
    assert (clone.num_classes, clone.image_shape, clone.widths, clone.tta_level) == (
        4, (28, 28, 1), (8, 16, 16), 1)
    config = {**model.get_config(), "flip_average": False}
    del config["tta_level"]
    assert AirbenchNet.from_config(config).tta_level == 0
    with pytest.raises(ValueError, match="tta_level"):
        AirbenchNet(tta_level=3)


def test_adapt_then_training_steps_and_save_reload(tmp_path):
    rng = np.random.default_rng(0)
    images = _images(32)
    labels = keras.ops.one_hot(rng.integers(0, 3, size=32), 3)
    model = AirbenchNet(num_classes=3, widths=(8, 16, 16))
    model.adapt(images)
    whiten = keras.ops.convert_to_numpy(model.whiten.kernel).copy()
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.85, nesterov=True),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.2))
    before = model.evaluate(images, labels, verbose=0)
    model.fit(images, labels, batch_size=16, epochs=5, verbose=0)
    assert model.evaluate(images, labels, verbose=0) < before
    # The whitening kernel is fixed; its bias learns.
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.whiten.kernel), whiten)
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = load_model(path)
    np.testing.assert_allclose(reloaded.predict(images, verbose=0),
                               model.predict(images, verbose=0), atol=SAME_PROGRAM)


def test_rejects_images_too_small_or_of_the_wrong_size():
    with pytest.raises(ValueError, match="at least 25x25"):
        AirbenchNet(input_shape=(16, 16, 3))
    model = AirbenchNet()
    model.build()
    with pytest.raises(ValueError, match="shape"):
        model(np.zeros((1, 28, 28, 3), "float32"))


def test_quantization_aware_form_folds_batch_norm_and_follows_the_float_model(tmp_path):
    images = _images(64)
    labels = keras.ops.one_hot(np.random.default_rng(0).integers(0, 3, size=64), 3)
    float_model = AirbenchNet(num_classes=3, widths=(8, 16, 16), tta_level=1)
    float_model.adapt(images)
    float_model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.85, nesterov=True),
                        loss="categorical_crossentropy")
    float_model.fit(images, labels, batch_size=16, epochs=3, verbose=0)  # batch-norm statistics
    model = AirbenchNet(num_classes=3, widths=(8, 16, 16), tta_level=1, quantization_aware=True)
    model.build()
    assert copy_weights(float_model, model) == 3 + 3 * 6  # whitening, its bias, classifier
    statistics = keras.ops.convert_to_numpy(model.norms[2].moving_variance).copy()
    model(images, training=True)  # learns the activation ranges; batch norm stays frozen
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.norms[2].moving_variance),
                                  statistics)
    scores = model.predict(images, verbose=0)
    np.testing.assert_allclose(scores * 256, np.round(scores * 256), atol=1e-3)
    np.testing.assert_allclose(scores, float_model.predict(images, verbose=0), atol=0.03)
    np.testing.assert_array_equal(model.predict(images[:, :, ::-1], verbose=0), scores)
    model.save(tmp_path / "qat.keras")
    np.testing.assert_array_equal(load_model(tmp_path / "qat.keras").predict(images, verbose=0),
                                  scores)

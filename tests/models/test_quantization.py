"""Quantisation-aware layers: int8 weight and activation rounding as LiteRT does it, gradients
through the rounding, and the quantisation-aware CIFAR CNN."""

import numpy as np
import pytest
import tensorflow as tf

from tfimg.models import CifarCnn, build_model, copy_weights, load_model
from tfimg.layers import ActivationQuantizer
from tfimg.layers.quantization import quantized_kernel


def test_kernel_is_rounded_to_int8_per_output_channel_and_passes_gradients():
    rng = np.random.default_rng(0)
    # Output channels of very different magnitudes, as after training.
    kernel = tf.Variable(rng.normal(size=(3, 3, 4, 5)).astype("float32")
                         * np.array([1e-3, 0.1, 1.0, 10.0, 300.0], "float32"))
    with tf.GradientTape() as tape:
        rounded = quantized_kernel(kernel)
        loss = tf.reduce_sum(rounded * 3.0)
    rounded, original = rounded.numpy(), kernel.numpy()
    scales = np.abs(original).max(axis=(0, 1, 2)) / 127
    levels = rounded / scales
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-3)
    assert np.abs(np.round(levels)).max() == 127
    assert np.all(np.abs(rounded - original) <= scales / 2 * (1 + 1e-5))
    # The straight-through gradient: d(sum(3 * q(w))) / dw = 3 everywhere.
    np.testing.assert_allclose(tape.gradient(loss, kernel).numpy(), 3.0)


def test_activation_range_is_learned_in_training_and_used_in_inference():
    quantizer = ActivationQuantizer(momentum=0.5)
    first = np.linspace(-1.0, 3.0, 64, dtype="float32").reshape(1, 64)
    quantizer(first, training=True)
    np.testing.assert_allclose([quantizer.range_min.numpy(), quantizer.range_max.numpy()],
                               [-1.0, 3.0])
    quantizer(np.array([[0.5, 5.0]], "float32"), training=True)  # min widened to hold 0
    np.testing.assert_allclose([quantizer.range_min.numpy(), quantizer.range_max.numpy()],
                               [-0.5, 4.0])
    outputs = quantizer(np.linspace(-2.0, 6.0, 10_000, dtype="float32")[None]).numpy()
    assert len(np.unique(outputs)) == 256
    assert 0.0 in outputs  # zero stays exact (padding, ReLU)
    assert -0.52 < outputs.min() < -0.48 and 3.98 < outputs.max() < 4.02  # clipped
    np.testing.assert_allclose(quantizer.range_max.numpy(), 4.0)  # inference learns nothing


def test_softmax_output_takes_litert_int8_levels():
    quantizer = ActivationQuantizer(fixed_range=(0.0, 255 / 256))
    outputs = quantizer(np.random.default_rng(1).uniform(size=(4, 10)).astype("float32"),
                        training=True).numpy()
    np.testing.assert_allclose(outputs * 256, np.round(outputs * 256), atol=1e-4)
    assert quantizer.get_config()["fixed_range"] == (0.0, 255 / 256)


def test_quantization_aware_cnn_takes_the_float_weights_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.normal(size=(16, 32, 32, 3)).astype("float32")
    float_model = CifarCnn(num_classes=10)
    float_model.build()
    model = build_model("cifar_cnn", 10, (32, 32, 3), quantization_aware=True)
    model.build()
    assert model.count_params() - float_model.count_params() == 6 * 3  # ranges and counts
    assert copy_weights(float_model, model) == 5
    model(images, training=True)  # learns the activation ranges of this batch
    float_scores = float_model.predict(images, verbose=0)
    scores = model.predict(images, verbose=0)
    np.testing.assert_allclose(scores * 256, np.round(scores * 256), atol=1e-3)
    np.testing.assert_allclose(scores, float_scores, atol=0.05)
    model.save(tmp_path / "qat.keras")
    reloaded = load_model(tmp_path / "qat.keras")
    assert reloaded.quantization_aware
    np.testing.assert_array_equal(reloaded.predict(images, verbose=0), scores)


def test_quantization_aware_needs_a_model_that_has_the_form():
    with pytest.raises(ValueError, match="no quantisation-aware form"):
        build_model("resnet50", 10, (224, 224, 3), quantization_aware=True)


def test_copy_weights_names_the_missing_layer():
    source = CifarCnn(num_classes=10)
    source.build()
    with pytest.raises(ValueError, match="no layer 'conv1'"):
        copy_weights(source, object())

import numpy as np
import pytest
import tensorflow as tf

import keras

from tests.models.contract import check_model_contract, check_train_step
from tests.tolerances import SAME_PROGRAM
from tfimg.export import tflite
from tfimg.layers import PixelShuffle, ResidualBlock
from tfimg.models import DnCnn, Edsr, Espcn, Srcnn, build_model, model_names

RNG = np.random.default_rng(0)
LOW = RNG.uniform(size=(2, 12, 10, 3)).astype("float32")


def _high(scale):
    return RNG.uniform(size=(2, 12 * scale, 10 * scale, 3)).astype("float32")


@pytest.mark.parametrize("build, scale", [
    (lambda: Edsr(scale=2, filters=8, blocks=2), 2),
    (lambda: Edsr(scale=3, filters=8, blocks=1, res_scale=0.1), 3),
    (lambda: Espcn(scale=4, filters=(8, 4)), 4),
    (lambda: Espcn(scale=3, filters=(8, 4), skip="bicubic"), 3),
])
def test_super_resolution_contract(build, scale, tmp_path):
    check_model_contract(build, LOW, _high(scale), "mae", tmp_path,
                         output_shape=(2, 12 * scale, 10 * scale, 3))


def test_srcnn_contract_and_its_tflite_needs_flex_ops(tmp_path):
    check_model_contract(lambda: Srcnn(scale=2, filters=(8, 4)), LOW, _high(2), "mse",
                         tmp_path, output_shape=(2, 24, 20, 3), tflite=False)
    model = Srcnn(scale=2, filters=(8, 4))
    model.build()
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("predict_images", lambda images: {"scores": model(images)},
                         input_signature=[tf.TensorSpec([None, 12, 10, 3], tf.float32)])
    archive.write_out(str(tmp_path / "srcnn"), verbose=False)
    with pytest.raises(tflite.FlexOpsError, match="(?i)bicubic"):
        tflite.convert(str(tmp_path / "srcnn"))


@pytest.mark.parametrize("downscale", [1, 2])
def test_denoiser_contract(downscale, tmp_path):
    clean = RNG.uniform(size=(2, 12, 16, 3)).astype("float32")
    check_model_contract(lambda: DnCnn(filters=8, depth=3, downscale=downscale,
                                       batch_norm=downscale == 1),
                         clean + 0.1, clean, "mse", tmp_path, output_shape=clean.shape)


@pytest.mark.parametrize("build, loss", [
    (lambda: Edsr(scale=2, filters=16, blocks=2), "mae"),
    (lambda: Espcn(scale=2, filters=(16, 8)), "mae"),
    (lambda: DnCnn(filters=16, depth=4, downscale=2), "mse"),
])
def test_overfits_a_tiny_batch(build, loss):
    keras.utils.set_random_seed(0)
    model = build()
    ramp = np.linspace(0.1, 0.9, 16, dtype="float32")
    targets = np.stack([np.stack([*np.meshgrid(ramp, ramp), ramp[::-1, None] * ramp], -1),
                        np.stack([ramp[None, :] * ramp[:, None]] * 3, -1)])
    if isinstance(model, DnCnn):
        inputs = targets + RNG.normal(0, 0.05, targets.shape).astype("float32")
    else:
        inputs = targets.reshape(2, 8, 2, 8, 2, 3).mean(axis=(2, 4))
    model.compile(keras.optimizers.Adam(3e-3), loss)
    first = model.evaluate(inputs, targets, verbose=0)
    model.fit(inputs, targets, epochs=60, batch_size=2, verbose=0)
    assert model.evaluate(inputs, targets, verbose=0) < first / 3


def test_registry_lists_restoration_models_by_task():
    assert model_names("sr") == ["edsr", "espcn", "srcnn", "srresnet"]
    assert model_names("denoise") == ["dncnn"]
    with pytest.raises(ValueError, match="'sr' model, not a classifier"):
        build_model("edsr", 10, (32, 32, 3))


def test_pixel_shuffle_is_depth_to_space_and_the_skip_is_nearest_upsampling():
    x = RNG.uniform(size=(1, 3, 4, 12)).astype("float32")
    np.testing.assert_array_equal(PixelShuffle(2)(x), tf.nn.depth_to_space(x, 2))
    image = RNG.uniform(size=(1, 3, 4, 3)).astype("float32")
    nearest = np.repeat(np.repeat(image, 3, axis=1), 3, axis=2)
    np.testing.assert_array_equal(PixelShuffle(3)(np.tile(image, (1, 1, 1, 9))), nearest)


def test_an_untrained_espcn_with_a_zero_tail_is_nearest_upsampling():
    model = Espcn(scale=2, filters=(4, 4))
    model.build()
    model.conv3.set_weights([np.zeros_like(w) for w in model.conv3.get_weights()])
    nearest = np.repeat(np.repeat(LOW, 2, axis=1), 2, axis=2)
    np.testing.assert_allclose(model(LOW), nearest, atol=SAME_PROGRAM)


def _keys(x):
    x = np.abs(x)
    return np.where(x <= 1, 1.5 * x ** 3 - 2.5 * x ** 2 + 1,
                    np.where(x < 2, -0.5 * x ** 3 + 2.5 * x ** 2 - 4 * x + 2, 0.0))


def _bicubic_upsample(images, scale):
    """NumPy reference: Keys bicubic (a = -0.5), half-pixel centres, borders mirrored with the
    edge pixel repeated (np.pad "symmetric"), one axis after the other."""
    for axis in (1, 2):
        size = images.shape[axis]
        padded = np.pad(images, [(2, 2) if a == axis else (0, 0) for a in range(4)],
                        "symmetric")
        source = (np.arange(size * scale) + 0.5) / scale - 0.5
        first = np.floor(source).astype(int)
        others = [a for a in range(4) if a != axis]
        images = sum(np.take(padded, first + tap + 2, axis=axis)
                     * np.expand_dims(_keys(source - first - tap), others)
                     for tap in (-1, 0, 1, 2))
    return images


@pytest.mark.parametrize("scale, shape", [(2, (2, 12, 10, 3)), (3, (1, 7, 5, 3)),
                                          (4, (2, 12, 10, 3)), (4, (1, 1, 5, 3))])
def test_an_untrained_espcn_with_a_zero_tail_and_bicubic_skip_is_bicubic(scale, shape):
    model = Espcn(scale=scale, filters=(4, 4), skip="bicubic")
    model.build()
    model.conv3.set_weights([np.zeros_like(w) for w in model.conv3.get_weights()])
    images = RNG.uniform(size=shape).astype("float32")
    output = np.asarray(model(images))
    np.testing.assert_allclose(output, _bicubic_upsample(images, scale), atol=1e-5)
    # Away from the borders, TensorFlow's bicubic agrees (it reads its weights from a
    # 1024-entry table: thirds fall between its entries, up to 6e-4 off at x3).
    if min(shape[1:3]) > 4:
        expected = tf.image.resize(images, (shape[1] * scale, shape[2] * scale), "bicubic")
        inner = (slice(None), slice(2 * scale, -2 * scale), slice(2 * scale, -2 * scale))
        np.testing.assert_allclose(output[inner], np.asarray(expected)[inner], atol=1e-3)


@pytest.mark.parametrize("model, images, match", [
    (Edsr(scale=2, filters=4, blocks=1), np.zeros((1, 8, 8, 1), "float32"), "3\\)"),
    (Espcn(scale=2, filters=(4, 4)), np.zeros((8, 8, 3), "float32"), "batch, height"),
    (DnCnn(filters=4, depth=2, downscale=2), np.zeros((1, 0, 8, 3), "float32"), "positive"),
])
def test_bad_inputs_name_the_expected_shape(model, images, match):
    with pytest.raises(ValueError, match=match):
        model(images)


def test_dncnn_takes_odd_sizes_by_mirror_padding_inside():
    model = DnCnn(filters=4, depth=3, downscale=2)
    image = np.random.default_rng(3).uniform(size=(1, 7, 9, 3)).astype("float32")
    padded = np.pad(image, [(0, 0), (0, 1), (0, 1), (0, 0)], mode="symmetric")
    np.testing.assert_allclose(model(image), np.asarray(model(padded))[:, :7, :9],
                               atol=SAME_PROGRAM)


@pytest.mark.parametrize("build", [lambda: Edsr(scale=1), lambda: Espcn(filters=(8,)),
                                   lambda: Espcn(skip="lanczos"), lambda: DnCnn(depth=1),
                                   lambda: PixelShuffle(0)])
def test_bad_settings_are_refused(build):
    with pytest.raises(ValueError):
        build()


def test_residual_block_needs_its_channel_count():
    with pytest.raises(ValueError, match="Expected 8 input channels"):
        ResidualBlock(8)(np.zeros((1, 4, 4, 3), "float32"))


def test_mixed_bfloat16_keeps_the_output_in_float32():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = Edsr(scale=2, filters=8, blocks=1)
        outputs = model(LOW)
        check_train_step(model, LOW, _high(2), "mae")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert keras.backend.standardize_dtype(outputs.dtype) == "float32"

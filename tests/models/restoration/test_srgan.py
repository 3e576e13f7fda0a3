import numpy as np
import pytest

import keras

from tests.models.contract import check_model_contract
from tfimg.models import SrganDiscriminator, SrResNet
from tfimg.train.srgan import SrganTrainer, vgg_features

RNG = np.random.default_rng(0)
LOW = RNG.uniform(size=(2, 8, 8, 3)).astype("float32")
HIGH = RNG.uniform(size=(2, 16, 16, 3)).astype("float32")


def test_srresnet_contract(tmp_path):
    check_model_contract(lambda: SrResNet(scale=2, filters=8, blocks=1), LOW, HIGH, "mae",
                         tmp_path, output_shape=(2, 16, 16, 3))


@pytest.mark.parametrize("scale, size", [(3, 24), (4, 32)])
def test_srresnet_scales(scale, size):
    assert SrResNet(scale=scale, filters=4, blocks=1)(LOW).shape == (2, size, size, 3)


def test_srresnet_refuses_other_scales():
    with pytest.raises(ValueError, match="power of two"):
        SrResNet(scale=5)


def test_discriminator_gives_one_logit_per_image_of_any_size(tmp_path):
    model = SrganDiscriminator(filters=4)
    assert model(HIGH).shape == (2, 1)
    assert model(RNG.uniform(size=(1, 40, 24, 3)).astype("float32")).shape == (1, 1)
    # Training only: it is never exported, so TFLite is not checked.
    check_model_contract(lambda: SrganDiscriminator(filters=4), HIGH, np.ones((2, 1)),
                         keras.losses.BinaryCrossentropy(from_logits=True), tmp_path,
                         tflite=False)


def _trainer(features=None):
    keras.utils.set_random_seed(0)
    trainer = SrganTrainer(SrResNet(scale=2, filters=8, blocks=1),
                           SrganDiscriminator(filters=4), features=features)
    trainer.compile(keras.optimizers.Adam(2e-3), keras.optimizers.Adam(1e-3))
    return trainer


def test_adversarial_training_lowers_the_pixel_error_and_trains_both_networks():
    trainer = _trainer()
    trainer.generator.build()
    trainer.discriminator.build()
    before = [w.numpy().copy() for w in trainer.discriminator.trainable_weights]
    first = trainer.fit(LOW, HIGH, epochs=1, batch_size=2, verbose=0).history
    steps = 40
    history = trainer.fit(np.tile(LOW, (steps, 1, 1, 1)), np.tile(HIGH, (steps, 1, 1, 1)),
                          epochs=1, batch_size=2, verbose=0).history
    assert history["pixel"][-1] < first["pixel"][0] * 0.8
    assert all(np.isfinite(history[key][-1]) for key in history)
    assert any(not np.array_equal(b, w.numpy())
               for b, w in zip(before, trainer.discriminator.trainable_weights))


def test_perceptual_loss_from_a_local_vgg19_weights_file(tmp_path):
    path = str(tmp_path / "vgg19.weights.h5")
    keras.applications.VGG19(include_top=False, weights=None).save_weights(path)
    features = vgg_features(weights=path, layer="block1_conv2")
    assert features(HIGH).shape == (2, 16, 16, 64)
    history = _trainer(features).fit(LOW, HIGH, epochs=1, batch_size=2, verbose=0).history
    assert history["perceptual"][0] > 0


def test_unloadable_vgg19_weights_fall_back_to_pixel_and_adversarial_losses(tmp_path, capsys):
    assert vgg_features(weights=str(tmp_path / "missing.weights.h5")) is None
    assert "without the perceptual loss" in capsys.readouterr().err
    assert _trainer(None).perceptual_weight == 0.0

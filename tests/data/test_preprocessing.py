"""Tests for tfimg.data.preprocessing: the antialias setting a model folder records, and the
filter a model decodes with at serving time."""

import json

import pytest
import tensorflow as tf

from tests.tolerances import assert_same_program
from tfimg.data import Preprocessing, PipelineConfig

LEGACY_METADATA = {"image_size": [32, 32], "channels": 3, "normalize": "standardize",
                   "resize_mode": "stretch"}


def test_new_preprocessing_shrinks_with_auto_and_records_it():
    preprocessing = Preprocessing(image_size=(32, 32))
    assert preprocessing.antialias == "auto"
    assert PipelineConfig().antialias == "auto"
    stored = json.loads(json.dumps(preprocessing.to_json()))
    assert stored["antialias"] == "auto"
    assert Preprocessing.from_metadata({"preprocessing": stored}) == preprocessing


@pytest.mark.parametrize("antialias", [True, False, "auto"])
def test_a_recorded_antialias_is_read_back_as_recorded(antialias):
    stored = json.loads(json.dumps(Preprocessing(antialias=antialias).to_json()))
    assert Preprocessing.from_metadata({"preprocessing": stored}).antialias is antialias or (
        antialias == "auto")


def test_model_folders_from_before_auto_keep_the_antialiased_filter():
    # The shipped CIFAR-10 models (saved_models/*/metadata.json) have the loose legacy keys;
    # a "preprocessing" entry without "antialias" also predates "auto".
    assert Preprocessing.from_metadata(LEGACY_METADATA).antialias is True
    entry = {key: value for key, value in Preprocessing().to_json().items()
             if key != "antialias"}
    assert Preprocessing.from_metadata({"preprocessing": entry}).antialias is True


@pytest.mark.parametrize("antialias", ["yes", 1, None, "AUTO"])
def test_antialias_other_than_true_false_or_auto_is_rejected(antialias):
    with pytest.raises(ValueError, match=f"antialias in .* received {antialias!r}"):
        Preprocessing(antialias=antialias)


@pytest.mark.parametrize("settings", [
    {}, {"image_size": (40, 24), "channels": 1, "resize_mode": "crop", "normalize": "symmetric"},
    {"image_size": (64, 64), "resize_mode": "pad", "antialias": True, "normalize": "caffe"}])
def test_the_one_image_decoder_gives_the_batch_decoders_inputs(hostile_folder, settings):
    preprocessing = Preprocessing(**settings)
    decoder = preprocessing.decoder()
    contents = [path.read_bytes() for path in sorted(hostile_folder.glob("good/*"))]
    expected = preprocessing(tf.constant(contents)).numpy()
    for data, image in zip(contents, expected):
        assert_same_program(decoder(tf.constant(data))[0], image)

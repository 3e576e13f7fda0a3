"""The checks every tfimg model passes, so that a new model costs a short test file:

    from tests.models.contract import check_model_contract
    def test_contract(tmp_path):
        check_model_contract(lambda: EspcnModel(scale=2), inputs, targets, "mse", tmp_path)

Shape and dtype, `get_config` round trip, one training step that changes the weights and gives a
finite loss, `.keras` save and reload to the same outputs, and TFLite parity through the
exporter's own converter and runner (`tfimg.export.tflite`).

Models whose outputs are images in [0, 255] pass `output_range=255`: outputs are compared
divided by it, so that each tolerance is the same fraction of the output range as for scores in
[0, 1] (float32 rounding alone differs by about 3e-4 at 255).
"""

import keras
import numpy as np
import tensorflow as tf

from tests.tolerances import SAME_PROGRAM, TFLITE_ATOL
from tfimg.export import tflite
from tfimg.export.serving import IMAGES_SIGNATURE
from tfimg.models import load_model


def _numpy(value):
    return keras.ops.convert_to_numpy(value)


def _assert_close(actual, expected, atol, output_range):
    np.testing.assert_allclose(_numpy(actual) / output_range, _numpy(expected) / output_range,
                               atol=atol)


def check_config_round_trip(model, inputs, output_range=1.0):
    """A model rebuilt from its config, given the same weights, computes the same outputs."""
    clone = type(model).from_config(model.get_config())
    clone(inputs[:1])
    clone.set_weights(model.get_weights())
    _assert_close(clone(inputs, training=False), model(inputs, training=False), SAME_PROGRAM,
                  output_range)


def check_train_step(model, inputs, targets, loss):
    """One `fit` step gives a finite loss and changes the trainable weights."""
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    before = [_numpy(w).copy() for w in model.trainable_weights]
    history = model.fit(inputs, targets, epochs=1, batch_size=len(inputs), verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.array_equal(b, _numpy(w))
               for b, w in zip(before, model.trainable_weights))


def check_save_reload(model, inputs, tmp_path, output_range=1.0):
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = load_model(path, compile=False)
    _assert_close(reloaded(inputs, training=False), model(inputs, training=False), SAME_PROGRAM,
                  output_range)


def check_tflite_parity(model, inputs, tmp_path, output_range=1.0):
    """Float TFLite, converted as `tfimg export` converts, follows Keras to `TFLITE_ATOL`."""
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        IMAGES_SIGNATURE, lambda images: {"scores": model(images, training=False)},
        input_signature=[tf.TensorSpec([None, *inputs.shape[1:]], tf.float32, name="images")])
    folder = str(tmp_path / "saved_model")
    archive.write_out(folder, verbose=False)
    lite = tflite.TfliteModel(tflite.convert(folder))
    _assert_close(lite.predict(inputs), model(inputs, training=False), TFLITE_ATOL,
                  output_range)


def check_model_contract(build, inputs, targets, loss, tmp_path, output_shape=None,
                         tflite=True, output_range=1.0):
    """Every check above on a fresh model from `build()`; `output_shape` is the expected shape
    of the outputs for `inputs` (None: not checked); `tflite=False` for a model that needs
    Flex ops (the test then checks that instead); `output_range` the range outputs are
    compared relative to (255 for images in [0, 255])."""
    inputs = np.asarray(inputs, np.float32)
    model = build()
    outputs = model(inputs, training=False)
    assert keras.backend.standardize_dtype(outputs.dtype) == "float32"
    if output_shape is not None:
        assert tuple(outputs.shape) == tuple(output_shape)
    check_config_round_trip(model, inputs, output_range)
    check_train_step(model, inputs, targets, loss)
    check_save_reload(model, inputs, tmp_path, output_range)
    if tflite:
        check_tflite_parity(model, inputs, tmp_path, output_range)

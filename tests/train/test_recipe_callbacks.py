import keras
import numpy as np
import pytest

from tfimg.train.freeze_after import FreezeAfter
from tfimg.train.lookahead import Lookahead
from tfimg.models.warmup_linear import WarmupLinear


def test_warmup_linear_is_airbench_triangle():
    schedule = WarmupLinear(2.0, steps=100)
    values = [float(schedule(step)) for step in (0, 10, 23, 50, 100, 150)]
    # int(0.23 * 100) = 23 rising steps from 0.2x, then 77 falling ones to 0.07x.
    expected = [0.4, 2.0 * (0.2 + 0.8 * 10 / 23), 2.0, 2.0 * (1 - 0.93 * 27 / 77), 0.14, 0.14]
    np.testing.assert_allclose(values, expected, rtol=1e-6)
    clone = WarmupLinear.from_config(schedule.get_config())
    assert float(clone(50)) == pytest.approx(values[3])
    with pytest.raises(ValueError, match="steps"):
        WarmupLinear(1.0, steps=0)


def _model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


def test_lookahead_decay_and_update_arithmetic():
    assert Lookahead.decay(0, 100) == 0
    assert Lookahead.decay(50, 100) == pytest.approx(0.95 ** 5 * 0.125)
    assert Lookahead.decay(100, 100) == pytest.approx(0.95 ** 5)
    model = _model()
    callback = Lookahead(steps=10)
    callback.set_model(model)
    callback.on_train_begin()
    start = [w.copy() for w in model.get_weights()]
    model.set_weights([w + 1.0 for w in start])
    callback.update(0.25)
    # ema <- ema + 0.75 * (weights - ema) = start + 0.75, and the weights take it.
    for weight, first in zip(model.get_weights(), start):
        np.testing.assert_allclose(weight, first + 0.75, rtol=1e-6)


def test_lookahead_in_fit_averages_every_5_steps_and_ends_on_the_average():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 2)), rng.normal(size=(64, 1))
    model = _model()
    callback = Lookahead(steps=12)
    updates = []
    original = callback.update
    callback.update = lambda decay: (updates.append(decay), original(decay))
    model.fit(x, y, batch_size=16, epochs=3, callbacks=[callback], verbose=0)
    assert updates == pytest.approx([Lookahead.decay(5, 12), Lookahead.decay(10, 12), 1.0])
    for weight, average in zip(model.get_weights(), callback.average):
        np.testing.assert_array_equal(weight, average)


def test_freeze_after_keeps_variables_from_that_epoch_on():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 2)), rng.normal(size=(32, 1))
    model = _model()
    bias = model.layers[0].bias
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(keras.ops.convert_to_numpy(bias).copy()))
    model.fit(x, y, batch_size=8, epochs=4, verbose=0,
              callbacks=[FreezeAfter([bias], epochs=2), record])
    assert not np.array_equal(seen[0], seen[1])  # trained in epochs 0 and 1
    np.testing.assert_array_equal(seen[1], seen[2])
    np.testing.assert_array_equal(seen[1], seen[3])

import numpy as np
import pytest

from tfimg.models.style_transfer.features import StyleFeatures
from tfimg.train.gatys import stylize_optimize


def _gradient_image(size, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:size, :size] / size
    return np.clip(np.stack([255 * x, 255 * y, 128 + 0 * x], -1) + rng.normal(0, 20, (
        size, size, 3)), 0, 255).astype(np.float32)


def test_optimisation_lowers_the_loss_and_writes_frames(tmp_path, capsys):
    content = _gradient_image(24, seed=0)
    style = np.random.default_rng(1).uniform(0, 255, (32, 32, 3)).astype(np.float32)
    features = StyleFeatures.load(None, seed=0)
    image, history = stylize_optimize(content, style, features, steps=6, frames=tmp_path,
                                      frame_every=3)
    assert image.shape == (24, 24, 3) and image.dtype == np.uint8
    assert all(len(values) == 7 for values in history.values())
    total = history["total"]
    # Monotone over the first steps with this seed, and well below the start at the end.
    assert all(b < a for a, b in zip(total[:4], total[1:5])), total
    assert total[-1] < 0.8 * total[0]
    assert history["style"][-1] < history["style"][0]
    frames = sorted(path.name for path in tmp_path.iterdir())
    assert frames == ["frame-0003.png", "frame-0006.png"]
    assert "step 6/6" in capsys.readouterr().err


def test_bad_inputs_named():
    features = StyleFeatures.load(None)
    image = np.zeros((8, 8, 3), np.float32)
    with pytest.raises(ValueError, match="content image"):
        stylize_optimize(np.zeros((8, 8)), image, features, steps=1)
    with pytest.raises(ValueError, match="steps >= 1"):
        stylize_optimize(image, image, features, steps=0)

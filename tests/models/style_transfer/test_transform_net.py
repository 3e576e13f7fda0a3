import numpy as np
import pytest

from tests.models.contract import check_model_contract
from tfimg.layers import InstanceNormalization
from tfimg.models.style_transfer import TransformNet


def _images(shape, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, shape).astype(np.float32)


def test_contract(tmp_path):
    inputs = _images((2, 16, 16, 3))
    check_model_contract(lambda: TransformNet(width=4, residual_blocks=1), inputs,
                         _images((2, 16, 16, 3), seed=1), "mse", tmp_path,
                         output_shape=(2, 16, 16, 3), output_range=255)


@pytest.mark.parametrize("size", [(3, 3), (17, 10), (21, 33), (32, 32)])
def test_any_size_gives_the_input_size_in_range(size):
    outputs = np.asarray(TransformNet(width=4, residual_blocks=1)(_images((1, *size, 3))))
    assert outputs.shape == (1, *size, 3)
    assert outputs.min() >= 0 and outputs.max() <= 255


def test_odd_size_output_is_the_padded_output_cropped():
    model = TransformNet(width=4, residual_blocks=1)
    image = _images((1, 17, 10, 3))
    # Padding 17x10 -> 20x12 is symmetric: rows 17..19 mirror rows 16..14, columns 10..11
    # mirror 9..8; the network on the padded image, cropped, is the network on the image.
    padded = np.pad(image, [(0, 0), (0, 3), (0, 2), (0, 0)], mode="symmetric")
    np.testing.assert_allclose(np.asarray(model(image)),
                               np.asarray(model(padded))[:, :17, :10], atol=1e-4)


def test_architecture_and_config():
    model = TransformNet(width=8, residual_blocks=2)
    model(_images((1, 8, 8, 3)))
    config = model.get_config()
    assert (config["width"], config["residual_blocks"]) == (8, 2)
    convs = [layer for layer in model._flatten_layers() if layer.name.startswith("conv2d")]
    kernels = [tuple(conv.kernel.shape) for conv in convs]
    assert kernels == [(9, 9, 3, 8), (3, 3, 8, 16), (3, 3, 16, 32),
                       (3, 3, 32, 32), (3, 3, 32, 32), (3, 3, 32, 32), (3, 3, 32, 32),
                       (3, 3, 32, 16), (3, 3, 16, 8), (9, 9, 8, 3)]
    norms = [layer for layer in model._flatten_layers()
             if isinstance(layer, InstanceNormalization)]
    assert len(norms) == 9


def test_bad_arguments_named():
    with pytest.raises(ValueError, match="width >= 1"):
        TransformNet(width=0)
    with pytest.raises(ValueError, match="residual_blocks >= 0"):
        TransformNet(residual_blocks=-1)

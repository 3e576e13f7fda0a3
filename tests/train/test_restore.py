import numpy as np
import pytest

from tests.tolerances import REORDERED_SUMS
from tfimg.models import DnCnn, Edsr
from tfimg.train.restore import restore_image

RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def edsr():
    model = Edsr(scale=2, filters=8, blocks=1)
    model.build()
    return model


def test_an_image_that_fits_one_tile_is_the_untiled_output(edsr):
    image = RNG.uniform(size=(30, 40, 3)).astype("float32")
    whole = np.clip(np.asarray(edsr(image[None]))[0], 0, 1)
    np.testing.assert_allclose(restore_image(edsr, image, tile=64), whole, atol=REORDERED_SUMS)


@pytest.mark.parametrize("tile", [7, 16])
def test_tiles_with_a_margin_over_the_receptive_field_leave_no_seams(edsr, tile):
    # Edsr with one block sees 5 pixels each way; the margin covers it.
    image = RNG.uniform(size=(37, 50, 3)).astype("float32")
    np.testing.assert_allclose(restore_image(edsr, image, tile=tile, margin=8),
                               restore_image(edsr, image, tile=None), atol=REORDERED_SUMS)


def test_odd_sizes_are_padded_for_a_space_to_depth_denoiser():
    model = DnCnn(filters=4, depth=3, downscale=2)
    image = RNG.integers(0, 256, size=(21, 33, 3), dtype=np.uint8)
    output = restore_image(model, image, tile=12, margin=8)
    assert output.shape == (21, 33, 3) and output.dtype == np.float32
    np.testing.assert_allclose(output, restore_image(model, image, tile=None),
                               atol=REORDERED_SUMS)


@pytest.mark.parametrize("image", [np.zeros((8, 8)), np.zeros((8, 8, 4)), np.zeros((0, 8, 3))])
def test_bad_images_are_refused(edsr, image):
    with pytest.raises(ValueError, match="RGB image"):
        restore_image(edsr, image)

import numpy as np
import pytest
from skimage.color import rgb2ycbcr
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from tfimg.ops.quality import rgb_psnr, rgb_to_y, y_psnr, y_ssim

RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def pair(photos):
    clean = photos[0][2][:120, :160].astype("float32") / 255.0
    noisy = np.clip(np.round((clean + RNG.normal(0, 0.05, clean.shape)) * 255) / 255, 0, 1)
    return clean, noisy.astype("float32")


def test_y_is_matlab_rgb2ycbcr(pair):
    clean, _ = pair
    np.testing.assert_allclose(rgb_to_y(clean)[..., 0], rgb2ycbcr(clean)[..., 0], atol=1e-3)


@pytest.mark.parametrize("shave", [0, 4])
def test_y_psnr_and_ssim_match_scikit_image(pair, shave):
    clean, noisy = pair
    crop = (slice(shave, -shave or None),) * 2
    y_clean, y_noisy = (rgb2ycbcr(x)[..., 0][crop] for x in (clean, noisy))
    assert float(y_psnr(noisy, clean, shave)) == pytest.approx(
        peak_signal_noise_ratio(y_clean, y_noisy, data_range=255), abs=1e-3)
    expected = structural_similarity(y_clean, y_noisy, data_range=255, gaussian_weights=True,
                                     sigma=1.5, use_sample_covariance=False)
    assert float(y_ssim(noisy, clean, shave)) == pytest.approx(expected, abs=1e-3)


def test_rgb_psnr_rounds_to_8_bits_and_is_per_image(pair):
    clean, noisy = pair
    batch = np.stack([noisy, clean + 0.3 / 255])
    values = rgb_psnr(batch, np.stack([clean, clean])).numpy()
    assert values[0] == pytest.approx(peak_signal_noise_ratio(clean * 255, noisy * 255,
                                                              data_range=255), abs=1e-2)
    assert np.isinf(values[1])  # 0.3 of a level rounds away

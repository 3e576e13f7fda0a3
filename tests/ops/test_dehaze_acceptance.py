"""Issue 16's dehazing acceptance, measured: Sun-80 photos hazed with the scattering model
`I = J t + A (1 - t)` (known transmission t and airlight A), then restored by `tfimg.ops.dehaze`
and by the survey's "dehazing" (histogram equalisation of HSV's V channel); PSNR against the
haze-free photo.

The haze: depth grows from the bottom of the photo (near) to the top (far), with a gentle
sideways wave so that t is not a function of the row alone; `t = exp(-beta * depth)` with beta
in [1.0, 1.6] (t from about 0.17 to 0.74) and a grey airlight A in [0.8, 1.0], the range of
RESIDE's outdoor set (Li et al., "Benchmarking single-image dehazing and beyond", 2019).
Photos are halved (about 512x384), near the 600x400 of He et al.'s patch and window sizes
(at full size: median gain 11.44 dB, 5.36 dB over V equalisation).

A known weakness, measured: with an airlight darker than the photos' white skies and walls
(A in [0.8, 0.95] on full-size photos), He et al.'s airlight is over-estimated and the median
gain falls to about 5.4 dB, 1 dB behind V equalisation.
"""

import cv2
import numpy as np
import pytest
import tensorflow as tf

from tfimg import ops

from tests.cv.conftest import read_rgb, sun80_paths
from tests.tolerances import psnr

PHOTOS = 24
REQUIRED_GAIN_DB = 6.0
REQUIRED_MARGIN_DB = 4.0


def haze(photo, rng):
    """(hazy uint8 photo, transmission (h, w, 1), airlight) by the scattering model."""
    height, width = photo.shape[:2]
    rows = np.linspace(1.0, 0.0, height)[:, None]
    wave = 0.1 * np.sin(np.linspace(0.0, 3.0 * np.pi, width))[None, :]
    depth = 0.3 + 0.7 * rows + wave
    transmission = np.exp(-rng.uniform(1.0, 1.6) * depth)[..., None]
    light = rng.uniform(0.8, 1.0)
    hazy = photo / 255.0 * transmission + light * (1.0 - transmission)
    return np.round(hazy * 255.0).astype(np.uint8), transmission, light


def equalize_value(image):
    """The survey's answer: equalise the V channel of HSV (contrast, not haze removal)."""
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
    hsv[..., 2] = cv2.equalizeHist(hsv[..., 2])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


@pytest.fixture(scope="module")
def scores():
    """(hazy, dehazed, V-equalised) PSNR in dB per photo, an array (PHOTOS, 3)."""
    paths = sun80_paths()
    if not paths:
        pytest.skip("shared data photos/sun80 not found (see ../shared/data/README.md)")
    rows = []
    for seed, path in enumerate(paths[::max(1, len(paths) // PHOTOS)][:PHOTOS]):
        photo = read_rgb(path)
        photo = cv2.resize(photo, (photo.shape[1] // 2, photo.shape[0] // 2),
                           interpolation=cv2.INTER_AREA)
        hazy, _, _ = haze(photo, np.random.default_rng(seed))
        dehazed = ops.dehaze(tf.constant(hazy)).numpy()
        rows.append((psnr(hazy, photo), psnr(dehazed, photo), psnr(equalize_value(hazy), photo)))
    return np.array(rows)


def test_the_haze_follows_the_scattering_model():
    photo = np.full((8, 8, 3), 200, np.uint8)
    hazy, transmission, light = haze(photo, np.random.default_rng(0))
    expected = 200 * transmission + 255 * light * (1 - transmission)
    np.testing.assert_allclose(hazy, np.broadcast_to(expected, hazy.shape), atol=0.5)
    assert 0.17 < transmission.min() < transmission.max() < 0.75


@pytest.mark.slow
def test_dehaze_raises_psnr_by_a_median_of_6_db(scores):
    # Measured on 24 photos: median PSNR hazy 10.15 dB, dehazed 20.85 dB (gain 11.86 dB).
    gain = scores[:, 1] - scores[:, 0]
    assert np.median(gain) >= REQUIRED_GAIN_DB, np.round(scores, 2)


@pytest.mark.slow
def test_dehaze_beats_v_channel_equalisation_by_4_db(scores):
    # Measured: V equalisation 14.34 dB, so dehaze is ahead by a median of 5.99 dB.
    margin = scores[:, 1] - scores[:, 2]
    assert np.median(margin) >= REQUIRED_MARGIN_DB, np.round(scores, 2)

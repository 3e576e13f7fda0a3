import numpy as np
import pytest
import tensorflow as tf

from tfimg.data.patches import (add_noise, center_crops, downscale, load_photos,
                                noise_patches, photo_paths, sr_patches)


@pytest.fixture(scope="module")
def loaded(small_photo_folder):
    return load_photos(photo_paths(str(small_photo_folder), 0.25)["train"])


def test_photo_paths_split_by_name_hash_and_are_stable(small_photo_folder):
    splits = photo_paths(str(small_photo_folder), 0.25)
    assert sorted(splits["train"] + splits["validation"]) == sorted(
        str(path) for path in small_photo_folder.glob("*.png"))
    assert splits == photo_paths(str(small_photo_folder), 0.25)
    assert splits["validation"]


def test_photo_paths_refuse_a_missing_or_empty_folder(tmp_path):
    with pytest.raises(ValueError, match="Expected a folder"):
        photo_paths(str(tmp_path / "missing"))
    (tmp_path / "notes.txt").write_text("no images")
    with pytest.raises(ValueError, match="found 0 image files"):
        photo_paths(str(tmp_path))


def test_load_photos_skips_and_names_broken_and_small_files(small_photo_folder, tmp_path,
                                                            capsys):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    good = str(small_photo_folder / "coffee.png")
    photos = load_photos([good, str(broken)], min_size=64)
    assert len(photos) == 1 and photos[0].shape == (80, 96, 3)
    assert "broken.png" in capsys.readouterr().err
    with pytest.raises(ValueError, match="None of the 1 files"):
        load_photos([good], min_size=81)


def test_sr_patches_are_crops_and_their_bicubic_downscale(loaded):
    lr, hr = next(iter(sr_patches(loaded, scale=4, patch_size=32, batch_size=3, seed=1)))
    assert lr.shape == (3, 8, 8, 3) and hr.shape == (3, 32, 32, 3)
    np.testing.assert_array_equal(lr, downscale(hr, 4))
    np.testing.assert_allclose(lr * 255, np.round(lr * 255), atol=1e-4)  # 8-bit levels
    assert 0 <= float(tf.reduce_min(hr)) and float(tf.reduce_max(hr)) <= 1


def test_sr_patches_are_seeded(loaded):
    first = [next(iter(sr_patches(loaded, 2, 16, 2, seed=5)))[1].numpy() for _ in range(2)]
    np.testing.assert_array_equal(*first)
    other = next(iter(sr_patches(loaded, 2, 16, 2, seed=6)))[1].numpy()
    assert not np.array_equal(first[0], other)


def test_downscale_matches_antialiased_bicubic_within_one_level():
    image = np.random.default_rng(0).uniform(size=(1, 24, 24, 3)).astype("float32")
    reference = tf.image.resize(image, (8, 8), "bicubic", antialias=True).numpy()
    assert np.max(np.abs(downscale(image, 3).numpy() - np.clip(reference, 0, 1))) <= 0.5 / 255


def test_noise_patches_have_the_asked_noise_level(loaded):
    noisy, clean = next(iter(noise_patches(loaded, 32, (25, 25), 16, seed=0)))
    mid = (clean > 0.2) & (clean < 0.8)  # away from clipping
    residual = (noisy - clean).numpy()[mid.numpy()] * 255
    assert abs(residual.std() - 25) < 1.0 and abs(residual.mean()) < 1.0


def test_noise_patches_draw_sigma_per_patch(loaded):
    noisy, clean = next(iter(noise_patches(loaded, 32, (0, 50), 16, seed=0)))
    spread = np.std((noisy - clean).numpy().reshape(16, -1), axis=1) * 255
    assert spread.min() < 15 and spread.max() > 30


def test_bad_settings_are_refused(loaded):
    with pytest.raises(ValueError, match="divisible"):
        sr_patches(loaded, 3, 32, 2)
    with pytest.raises(ValueError, match="at least 200 pixels"):
        sr_patches(loaded, 2, 200, 2)
    with pytest.raises(ValueError, match="sigma range"):
        noise_patches(loaded, 32, (30, 10), 2)


def test_add_noise_is_clipped_and_rounded_and_center_crops_are_centred(loaded):
    noisy = add_noise(np.zeros((1, 4, 4, 3), "float32"), 50.0, (1, 2)).numpy()
    assert noisy.min() == 0 and np.allclose(noisy * 255, np.round(noisy * 255), atol=1e-4)
    crops = center_crops(loaded[:2], 64)
    np.testing.assert_array_equal(crops[0] * 255, loaded[0][8:72, 16:80].astype("float32"))

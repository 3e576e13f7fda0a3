"""ImageNet recognition (`tfimg.train.predict.recognize`, `tfimg recognize`), offline: a local
weights file and a class index the test provides."""

import json
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras

from tfimg.models.classification.resnet50 import resnet50
from tfimg.train.predict import recognize


@pytest.fixture(scope="module")
def offline_imagenet(tmp_path_factory):
    """(weights file, class index file, two JPEG photos) standing in for ImageNet's."""
    root = tmp_path_factory.mktemp("imagenet")
    keras.utils.set_random_seed(5)
    weights = root / "resnet50.weights.h5"
    resnet50(weights=None).save_weights(weights)
    index = root / "classes.json"
    index.write_text(json.dumps({str(i): [f"n{i:08d}", f"class {i}"] for i in range(1000)}))
    rng = np.random.default_rng(0)
    photos = []
    for name, size in (("wide.jpg", (300, 200)), ("tall.jpg", (120, 260))):
        gradient = np.linspace(0, 255, size[0])[None, :, None] * np.ones((size[1], 1, 3))
        pixels = np.clip(gradient * [1, .5, .2] + rng.normal(0, 20, (size[1], size[0], 3)),
                         0, 255).astype("uint8")
        Image.fromarray(pixels).save(root / name, quality=90)
        photos.append(str(root / name))
    return str(weights), str(index), photos


def test_recognize_matches_keras_preprocessing_and_decoding(offline_imagenet):
    weights, index, photos = offline_imagenet
    results = recognize(photos, weights=weights, class_index=index, top_k=3)
    model = resnet50(weights=weights)
    for path, top in zip(photos, results):
        pixels = tf.io.decode_jpeg(tf.io.read_file(path), channels=3,
                                   dct_method="INTEGER_ACCURATE")
        # tfimg's decoder (accurate IDCT) resizes to uint8, as an encoded 224x224 image would
        # arrive; random ImageNet weights amplify any difference (0.004 from the default IDCT).
        image = tf.round(tf.clip_by_value(tf.image.resize(pixels, (224, 224), antialias=True),
                                          0, 255))
        scores = model.predict(keras.applications.resnet50.preprocess_input(image[None]),
                               verbose=0)[0]
        expected = np.argsort(-scores)[:3]
        assert [wnid for wnid, _, _ in top] == [f"n{i:08d}" for i in expected]
        assert [name for _, name, _ in top] == [f"class {i}" for i in expected]
        np.testing.assert_allclose([score for _, _, score in top], scores[expected], atol=1e-4)


def test_recognize_cli_prints_top_classes_past_a_bad_file(offline_imagenet, tmp_path):
    weights, index, photos = offline_imagenet
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(open(photos[0], "rb").read()[:3000])
    command = [sys.executable, "-m", "tfimg.cli", "recognize", "--weights", weights,
               "--class-index", index, "--top", "2"]
    result = subprocess.run(command + [photos[0], str(truncated), photos[1]],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == photos
    assert all(line.count("(n") == 2 for line in lines)
    errors = [line for line in result.stderr.splitlines() if line.startswith("tfimg recognize")]
    assert len(errors) == 2, errors
    assert errors[0].startswith(f"tfimg recognize: error: Cannot decode {str(truncated)!r}: "
                                f"corrupt: ") and "truncated" in errors[0]
    assert errors[1] == "tfimg recognize: 1 of 3 images could not be predicted"


def test_recognize_names_a_file_it_cannot_decode(offline_imagenet, tmp_path):
    weights, index, _ = offline_imagenet
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"<html>not an image</html>")
    with pytest.raises(ValueError, match="broken.jpg': not_image"):
        recognize([str(broken)], weights=weights, class_index=index)
    errors = []
    results = recognize([broken, *offline_imagenet[2]], weights=weights, class_index=index,
                        top_k=1, on_error=errors.append)
    assert results[0] is None and [len(top) for top in results[1:]] == [1, 1]
    assert len(errors) == 1 and "broken.jpg': not_image: content is not" in str(errors[0])


def test_a_deeply_nested_class_index_is_one_error_naming_it(tmp_path):
    from tfimg.models.classification.resnet50 import load_class_index

    (tmp_path / "index.json").write_text("[" * 100000)
    with pytest.raises(ValueError, match=r"index.json' is not JSON: nested too deeply"):
        load_class_index(str(tmp_path / "index.json"))

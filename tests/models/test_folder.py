import json

import numpy as np
import pytest

from tfimg.data import Preprocessing
from tfimg.models import CifarCnn, load_model_folder, save_model_folder

METADATA = {"task": "classify", "class_names": ["a", "b"],
            "preprocessing": Preprocessing(image_size=(32, 32)).to_json()}


def test_round_trip_keeps_weights_and_metadata(tmp_path):
    model = CifarCnn(num_classes=2)
    images = np.random.default_rng(0).normal(size=(2, 32, 32, 3)).astype("float32")
    scores = model.predict(images, verbose=0)
    save_model_folder(model, METADATA, tmp_path / "m")
    loaded, metadata = load_model_folder(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict(images, verbose=0), scores, atol=1e-6)
    assert metadata == json.loads((tmp_path / "m" / "metadata.json").read_text()) == METADATA


@pytest.mark.parametrize("broken, message", [
    ({"task": "classify"}, "preprocessing"),
    ({**METADATA, "task": "detect"}, "task"),
])
def test_refuses_metadata_without_task_or_preprocessing(tmp_path, broken, message):
    model = CifarCnn(num_classes=2)
    model.build((None, 32, 32, 3))
    with pytest.raises(ValueError, match=message):
        save_model_folder(model, broken, tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_refuses_an_unbuilt_model(tmp_path):
    with pytest.raises(ValueError, match="new random weights"):
        save_model_folder(CifarCnn(num_classes=2), METADATA, tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_extra_files_arrive_with_the_model_in_one_swap(tmp_path):
    model = CifarCnn(num_classes=2)
    model.build((None, 32, 32, 3))
    (tmp_path / "style.png").write_bytes(b"style image bytes")
    save_model_folder(model, METADATA, tmp_path / "m", {"style.png": tmp_path / "style.png"})
    assert (tmp_path / "m" / "style.png").read_bytes() == b"style image bytes"
    # A second save replaces the whole folder: no file of the first one is left behind.
    save_model_folder(model, METADATA, tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["metadata.json", "model.keras"]


@pytest.mark.parametrize("name", ["../style.png", "sub/style.png", "metadata.json", "Model.keras",
                                  "", ".", ".."])
def test_refuses_extra_file_names_that_leave_or_replace(tmp_path, name):
    model = CifarCnn(num_classes=2)
    model.build((None, 32, 32, 3))
    (tmp_path / "style.png").write_bytes(b"x")
    with pytest.raises(ValueError, match="plain file name"):
        save_model_folder(model, METADATA, tmp_path / "m", {name: tmp_path / "style.png"})
    assert not (tmp_path / "m").exists()


def test_a_missing_extra_file_is_named_before_anything_is_written(tmp_path):
    model = CifarCnn(num_classes=2)
    model.build((None, 32, 32, 3))
    with pytest.raises(FileNotFoundError, match="gone.png"):
        save_model_folder(model, METADATA, tmp_path / "m", {"style.png": tmp_path / "gone.png"})
    assert list(tmp_path.iterdir()) == []

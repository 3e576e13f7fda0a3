import pathlib

import pytest

from tfimg.models.shipped import find_model, model_roots

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]


def test_shipped_models_are_found_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TFIMG_MODELS", raising=False)
    assert model_roots() == [str(REPOSITORY / "saved_models")]
    assert find_model("cifar10_cnn", ["cifar10_cnn_x4", "cifar10_cnn"]) == str(
        REPOSITORY / "saved_models" / "cifar10_cnn")


def test_tfimg_models_comes_first_and_paths_are_taken_as_they_are(tmp_path, monkeypatch):
    mine = tmp_path / "mine" / "cifar10_cnn"
    mine.mkdir(parents=True)
    (mine / "metadata.json").write_text("{}")
    monkeypatch.setenv("TFIMG_MODELS", str(tmp_path / "mine"))
    assert find_model("cifar10_cnn", ["cifar10_cnn"]) == str(mine)
    assert find_model(str(mine), ["unused"]) == str(mine)


@pytest.mark.parametrize("name", ["nothing_here", "../saved_models/cifar10_cnn"])
def test_unknown_names_list_what_is_shipped(name):
    with pytest.raises(ValueError, match="shipped: .*cifar10_cnn"):
        find_model(name, [name])

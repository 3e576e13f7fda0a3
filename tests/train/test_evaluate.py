"""Tests for tfimg.train.evaluate (evaluate, predict) and the evaluate/predict verbs."""

import json
import os
import shutil

import numpy as np
import pytest

from tfimg import data
from tfimg.cli import main
from tfimg.train import TrainConfig, train
from tfimg.models import load_model_folder
from tfimg.train.evaluate import evaluate
from tfimg.train.predict import predict


@pytest.fixture(scope="module")
def run(digits_subset, tmp_path_factory):
    """A two-epoch tfimg train run on 20 digits per class, and those digits' folder."""
    root = digits_subset(20)
    out = tmp_path_factory.mktemp("run")
    train(TrainConfig(data=str(root), epochs=2, out=str(out), image_size=(24, 24),
                      batch_size=32))
    return out, root


@pytest.mark.slow
def test_evaluate_figures_agree_with_each_other(run):
    out, root = run
    results = evaluate(out, root)
    matrix = np.array(results["confusion_matrix"])
    assert results["examples"] == matrix.sum() == 200 and results["skipped"] == []
    assert results["accuracy"] == pytest.approx(np.trace(matrix) / 200)
    for index, name in enumerate(results["class_names"]):
        row = results["per_class"][name]
        assert row["support"] == matrix[index].sum() == 20
        assert row["recall"] == pytest.approx(matrix[index, index] / 20)
        predicted = matrix[:, index].sum()
        assert row["precision"] == pytest.approx(matrix[index, index] / predicted
                                                 if predicted else 0.0)


@pytest.mark.slow
def test_evaluate_on_some_of_the_classes_keeps_the_model_indices(run, tmp_path):
    out, root = run
    for name in ("3", "7"):
        shutil.copytree(root / name, tmp_path / name)
    (tmp_path / "7" / "broken.png").write_bytes(b"not a png")
    results = evaluate(out, tmp_path)
    assert results["examples"] == 40 and results["skipped"] == ["7/broken.png"]
    supports = {name: row["support"] for name, row in results["per_class"].items()}
    assert supports == {str(i): 20 if i in (3, 7) else 0 for i in range(10)}
    (tmp_path / "cat").mkdir()
    with pytest.raises(ValueError, match=r"Class folders \['cat'\]"):
        evaluate(out, tmp_path)


@pytest.mark.slow
def test_predict_gives_the_probabilities_of_the_input_pipeline(run, tmp_path):
    out, root = run
    model, metadata = load_model_folder(out)
    paths = [str(root / "4" / name) for name in sorted(os.listdir(root / "4"))[:3]]
    top = predict(out, paths, top_k=3)
    files = data.ImageFiles(str(root), tuple(os.path.relpath(p, root) for p in paths),
                            (4, 4, 4), tuple(metadata["class_names"]))
    config = data.PipelineConfig.of(data.Preprocessing.from_metadata(metadata), batch_size=3)
    pipeline = data.build_pipeline(files, config)
    images, _ = next(iter(pipeline.dataset))
    expected = np.asarray(model.predict_on_batch(images))
    for row, probabilities in zip(top, expected):
        assert len(row) == 3
        best = int(np.argmax(probabilities))
        assert row[0][0] == metadata["class_names"][best]
        assert row[0][1] == pytest.approx(probabilities[best], abs=1e-5)


@pytest.mark.slow
def test_evaluate_and_predict_verbs(run, tmp_path, capsys):
    out, root = run
    figures = tmp_path / "figures"
    assert main(["evaluate", "--model", str(out), "--data", str(root), "--out",
                 str(figures)]) == 0
    assert "accuracy" in capsys.readouterr().out
    assert sorted(os.listdir(figures)) == ["confusion_matrix.png", "curves.png",
                                           "evaluation.json"]
    assert json.loads((figures / "evaluation.json").read_text())["examples"] == 200
    image = str(root / "0" / sorted(os.listdir(root / "0"))[0])
    assert main(["predict", "--model", str(out), "--top", "2", image]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(image + ": ") and line.count(",") == 1
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    assert main(["predict", "--model", str(out), str(text)]) == 2
    assert f"Cannot decode {str(text)!r}" in capsys.readouterr().err

"""Auto-labelling a folder with a trained classifier: labels with confidences, a review list
of the uncertain images, undecodable files counted, VOC files LabelImg can open."""

import csv
import os
import shutil

import pytest

from tfimg.cli import main
from tfimg.label import read_voc
from tfimg.train import TrainConfig, train
from tfimg.train.autolabel import auto_label


@pytest.fixture(scope="module")
def model_and_images(digits_subset, tmp_path_factory):
    digits = digits_subset(60)
    out = tmp_path_factory.mktemp("autolabel")
    train(TrainConfig(data=str(digits), epochs=6, out=str(out / "run"), image_size=(24, 24),
                      batch_size=32))
    images = out / "unlabelled"
    images.mkdir()
    truth = {}
    for digit in sorted(os.listdir(digits)):
        for name in sorted(os.listdir(digits / digit))[-4:]:
            shutil.copy(digits / digit / name, images / f"{digit}_{name}")
            truth[f"{digit}_{name}"] = digit
    (images / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return str(out / "run" / "model"), images, truth


def _rows(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def test_labels_review_list_and_errors(model_and_images, tmp_path):
    model, images, truth = model_and_images
    summary = auto_label(model, images, tmp_path, "csv", threshold=0.9)
    labels = _rows(tmp_path / "labels.csv")
    assert summary["images"] == len(labels) == 40 and summary["errors"] == 1
    accuracy = sum(row["label"] == truth[row["path"]] for row in labels) / len(labels)
    assert accuracy >= 0.7
    review = _rows(tmp_path / "review.csv")
    assert len(review) == summary["review"] and all(float(r["confidence"]) < 0.9 for r in review)
    assert [float(r["confidence"]) for r in review] == sorted(float(r["confidence"])
                                                              for r in review)
    assert _rows(tmp_path / "errors.csv")[0]["path"] == "broken.png"


def test_voc_and_folders_outputs(model_and_images, tmp_path):
    model, images, _ = model_and_images
    assert main(["labels", "auto", "--model", model, str(images), "--out", str(tmp_path / "voc"),
                 "--format", "voc", "--threshold", "0.5"]) == 0
    first = sorted(os.listdir(images))[0]  # 0_NNNN.png
    annotation = read_voc(tmp_path / "voc" / first.replace(".png", ".xml"))
    assert annotation.filename == first and (annotation.width, annotation.height) == (8, 8)
    assert [box.corners for box in annotation.boxes] == [(1, 1, 8, 8)]
    summary = auto_label(model, images, tmp_path / "folders", "folders", threshold=0.5)
    copied = sum(len(files) for folder, _, files in os.walk(tmp_path / "folders")
                 if os.path.dirname(folder) == str(tmp_path / "folders"))
    assert copied == summary["confident"]

"""Validation finds every defect planted in a fixture dataset, and nothing else; the labels CLI
converts, validates and summarises."""

import json

from PIL import Image

from tfimg.cli import main
from tfimg.label import Annotation, Box, validate, write_voc


def _image(path, size, orientation=None):
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    Image.new("RGB", size, (90, 120, 30)).save(path, exif=exif)


def _dataset(root):
    """Three clean annotated images, and one planted defect of each kind."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "classes.txt").write_text("cat\ndog\n")
    for name in ("ok", "ok2", "unknown", "empty", "outside", "dup", "sub/nested"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        _image(root / f"{name}.jpg", (64, 48))
    _image(root / "rotated.jpg", (64, 48), orientation=6)  # upright it is 48x64
    _image(root / "extra.jpg", (64, 48))
    boxes = {"ok": [Box("cat", 1, 2, 30, 40), Box("dog", 10, 10, 64, 48)],
             "ok2": [], "sub/nested": [Box("dog", 3, 3, 9, 9)],
             "unknown": [Box("zebra", 1, 1, 10, 10)], "empty": [Box("cat", 5, 5, 5, 20)],
             "outside": [Box("cat", 10, 10, 70, 20)],
             "dup": [Box("cat", 1, 1, 10, 10), Box("cat", 1, 1, 10, 10)],
             "rotated": [Box("cat", 1, 1, 10, 10)], "missing": [Box("cat", 1, 1, 10, 10)]}
    for name, found in boxes.items():
        write_voc(Annotation(name.split("/")[-1] + ".jpg", 64, 48, found), root / f"{name}.xml")
    write_voc(Annotation("../ok.jpg", 64, 48), root / "escape.xml")
    (root / "nan.xml").write_text((root / "ok.xml").read_text().replace(
        "<xmin>1</xmin>", "<xmin>nan</xmin>"))


def test_every_planted_defect_and_nothing_else(tmp_path):
    _dataset(tmp_path)
    report = validate(tmp_path, "voc")
    found = sorted((name, kind) for name, kind, _ in report.issues)
    assert found == [("../ok.jpg", "unsafe_path"), ("dup.jpg", "duplicate_box"),
                     ("empty.jpg", "empty_box"), ("extra.jpg", "extra_image"),
                     ("missing.jpg", "missing_image"), ("nan.xml", "unreadable"),
                     ("outside.jpg", "outside_image"), ("rotated.jpg", "size_mismatch"),
                     ("unknown.jpg", "unknown_label")]
    details = {kind: detail for _, kind, detail in report.issues}
    assert "object 1 bndbox/xmin: expected a finite number" in details["unreadable"]
    assert "image is 48x64 upright" in details["size_mismatch"]
    assert report.class_counts == {"cat": 7, "dog": 2, "zebra": 1}
    assert report.images == 10


def test_labels_cli_convert_validate_stats(tmp_path, capsys):
    _dataset(tmp_path / "voc")
    for name in ("nan", "escape", "missing", "unknown", "empty", "outside", "dup", "rotated"):
        (tmp_path / "voc" / f"{name}.xml").unlink()
    for name in ("unknown", "empty", "outside", "dup", "rotated", "extra"):
        (tmp_path / "voc" / f"{name}.jpg").unlink()
    assert main(["labels", "validate", str(tmp_path / "voc")]) == 0
    assert main(["labels", "convert", "--from", "voc", "--to", "coco", str(tmp_path / "voc"),
                 str(tmp_path / "coco.json")]) == 0
    coco = json.loads((tmp_path / "coco.json").read_text())
    assert sorted(image["file_name"] for image in coco["images"]) == [
        "ok.jpg", "ok2.jpg", "sub/nested.jpg"]
    assert main(["labels", "convert", "--from", "coco", "--to", "yolo", str(tmp_path / "coco.json"),
                 str(tmp_path / "yolo"), "--images", str(tmp_path / "voc")]) == 0
    assert (tmp_path / "yolo" / "sub" / "nested.txt").read_text().startswith("1 0.093750 ")
    assert main(["labels", "stats", str(tmp_path / "yolo"), "--format", "yolo", "--images",
                 str(tmp_path / "voc"), "--plot", str(tmp_path / "stats.png")]) == 0
    printed = capsys.readouterr().out
    assert "cat" in printed and "dog" in printed and (tmp_path / "stats.png").stat().st_size
    (tmp_path / "rename.json").write_text('{"cat": "animal", "dog": "animal"}')
    assert main(["labels", "convert", "--from", "voc", "--to", "voc", str(tmp_path / "voc"),
                 str(tmp_path / "merged"), "--rename", str(tmp_path / "rename.json")]) == 0
    assert (tmp_path / "merged" / "classes.txt").read_text() == "animal\n"
    assert "<name>animal</name>" in (tmp_path / "merged" / "ok.xml").read_text()
    assert main(["labels", "draw", str(tmp_path / "voc"), "--out", str(tmp_path / "viz")]) == 0
    drawn = Image.open(tmp_path / "viz" / "ok.jpg").convert("RGB")
    plain = Image.open(tmp_path / "voc" / "ok.jpg").convert("RGB")
    edge = [sum(abs(a - b) for a, b in zip(drawn.getpixel((1, y)), plain.getpixel((1, y))))
            for y in range(5, 35)]  # the cat box's left edge, x = 1
    inside = [sum(abs(a - b) for a, b in zip(drawn.getpixel((20, y)), plain.getpixel((20, y))))
              for y in range(25, 35)]
    assert drawn.size == (64, 48) and min(edge) > 60 and max(inside) < 30
    _dataset(tmp_path / "bad")
    assert main(["labels", "validate", str(tmp_path / "bad")]) == 1
    assert "duplicate_box" in capsys.readouterr().out


def test_label_studio_through_load_and_the_cli(tmp_path, capsys):
    """tfimg's own Label Studio export reads back through `load`, `validate` and `convert`
    (they failed with `stat: path should be ... not NoneType`), names with spaces and `+`
    included."""
    from tfimg.label import LabelMap, load, save

    root = tmp_path / "images"
    (root / "sub dir").mkdir(parents=True)
    for name in ("a+b.jpg", "sub dir/c d.jpg"):
        _image(root / name, (64, 48))
    annotations = [Annotation("a+b.jpg", 64, 48, [Box("dog", 4, 6, 20, 30)]),
                   Annotation("sub dir/c d.jpg", 64, 48, [Box("cat", 1, 2, 30, 40)])]
    save(annotations, LabelMap(["cat", "dog"]), root / "studio.json", "labelstudio")
    loaded, labels, images = load(root / "studio.json", "labelstudio")
    assert [(item.filename, [(box.name, *map(round, box.corners)) for box in item.boxes])
            for item in loaded] == [("a+b.jpg", [("dog", 4, 6, 20, 30)]),
                                    ("sub dir/c d.jpg", [("cat", 1, 2, 30, 40)])]
    assert labels.names == ("cat", "dog") and images == str(root)
    assert main(["labels", "validate", "--format", "labelstudio",
                 str(root / "studio.json")]) == 0
    assert "2 annotated images, 2 boxes, 0 issues" in capsys.readouterr().out
    assert main(["labels", "convert", "--from", "labelstudio", "--to", "yolo",
                 str(root / "studio.json"), str(tmp_path / "yolo"), "--images",
                 str(root)]) == 0
    assert (tmp_path / "yolo" / "a+b.txt").read_text() == "1 0.187500 0.375000 0.250000 0.500000\n"
    assert (tmp_path / "yolo" / "sub dir" / "c d.txt").exists()

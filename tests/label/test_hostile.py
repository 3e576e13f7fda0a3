"""Hostile annotation files: entity expansion, external entities, paths out of the dataset,
NaN/inf, huge numbers, wrong types. Each is a clear error naming the file and field, and no
file outside the dataset root is read."""

import json

import pytest

from tfimg.label import load, parse_voc, validate
from tfimg.label.annotation import safe_join
from tfimg.label.interchange import parse_coco, parse_labelstudio, parse_yolo
from tfimg.label.labelmap import LabelMap

GOOD_OBJECT = ("<object><name>cat</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax>"
               "<ymax>4</ymax></bndbox></object>")


def _voc(filename="a.jpg", width="10", obj=GOOD_OBJECT):
    return (f"<annotation><filename>{filename}</filename><size><width>{width}</width>"
            f"<height>10</height></size>{obj}</annotation>")


def test_entity_expansion_and_external_entities_are_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
              + _voc(filename="&lol2;"))
    external = (f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file://{secret}">]>'
                + _voc(filename="&x;"))
    for content in (laughs, external):
        with pytest.raises(ValueError, match=r"evil.xml: unsafe XML refused"):
            parse_voc(content, "evil.xml")
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "evil.xml").write_text(external)
    report = validate(tmp_path / "ann", "voc")
    assert [(kind, "TOP SECRET" in detail) for _, kind, detail in report.issues] == [
        ("unreadable", False)]


@pytest.mark.parametrize("content, message", [
    (_voc(width="nan"), "size/width: expected a finite number"),
    (_voc(obj=GOOD_OBJECT.replace("<xmin>1", "<xmin>inf")), "object 1 bndbox/xmin: expected a "
     "finite"),
    (_voc(obj=GOOD_OBJECT.replace("<ymax>4", "<ymax>1e300")), "object 1 bndbox/ymax"),
    (_voc(obj=GOOD_OBJECT.replace("<xmax>3", "<xmax>three")), "bndbox/xmax: expected a number"),
    (_voc(width="10.5"), "size/width: expected an integer"),
    (_voc(obj="<object><name>cat</name></object>"), "object 1: missing <bndbox>"),
    ("<annotation><filename>a</filename></annotation>", "missing <size>"),
    ("<annotation><filename>a", "not well-formed XML"),
    ("<html/>", "expected <annotation>"),
])
def test_bad_voc_fields_are_named(content, message):
    with pytest.raises(ValueError, match=message) as raised:
        parse_voc(content, "bad.xml")
    assert str(raised.value).startswith("bad.xml: ")


def test_bad_yolo_coco_and_label_studio_fields_are_named():
    labels = LabelMap(["cat"])
    for content, message in [("0 0.5 0.5 nan 0.1", "a.txt:1: width: expected a finite"),
                             ("3 0.5 0.5 0.1 0.1", "a.txt:1: class: id 3 is not in"),
                             ("0 0.5 0.5 0.1", "a.txt:1: expected 'class x_center"),
                             ("0.5 0.5 0.5 0.1 0.1", "a.txt:1: class: expected an integer")]:
        with pytest.raises(ValueError, match=message):
            parse_yolo(content, "a.jpg", 10, 10, labels, "a.txt")
    coco = {"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
            "categories": [{"id": 1, "name": "cat"}],
            "annotations": [{"image_id": 1, "category_id": 1, "bbox": [1, 2, "3", 4]}]}
    with pytest.raises(ValueError, match=r"c.json: annotations\[0\]: bbox\[2\]: expected a "
                                         r"number, received str"):
        parse_coco(coco, "c.json")
    coco["annotations"][0]["bbox"] = [1, 2, 3, 4]
    coco["annotations"][0]["category_id"] = 7
    with pytest.raises(ValueError, match="category_id 7 is not in categories"):
        parse_coco(coco, "c.json")
    with pytest.raises(ValueError, match=r"images\[0\]: width: expected"):
        parse_coco({**coco, "images": [{"id": 1, "file_name": "a", "width": True,
                                        "height": 1}]}, "c.json")
    task = [{"id": 5, "data": {"image": "/data/upload/1/a.jpg"}, "annotations": [{"result": [{
        "type": "rectanglelabels", "original_width": 10, "original_height": 10,
        "value": {"x": 1, "y": 1, "width": float("inf"), "height": 1,
                  "rectanglelabels": ["cat"]}}]}]}]
    with pytest.raises(ValueError, match="ls.json: task 5 result 0: value.width: expected a "
                                         "finite"):
        parse_labelstudio(json.loads(json.dumps(task)), "ls.json")


@pytest.mark.parametrize("name", ["../outside.jpg", "/etc/passwd", "a/../../x.jpg",
                                  "..\\..\\x.jpg", "C:/x.jpg"])
def test_file_names_cannot_leave_the_dataset(tmp_path, name):
    with pytest.raises(ValueError, match="leaves the dataset folder"):
        safe_join(tmp_path, name, "ann.xml")


def test_a_link_pointing_outside_is_refused(tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "outside.jpg").write_bytes(b"x")
    (tmp_path / "root" / "link.jpg").symlink_to(tmp_path / "outside.jpg")
    with pytest.raises(ValueError, match="leads outside the dataset folder"):
        safe_join(tmp_path / "root", "link.jpg", "ann.xml")


def test_yolo_without_classes_and_bad_label_maps(tmp_path):
    with pytest.raises(ValueError, match="needs classes.txt"):
        load(tmp_path, "yolo")
    (tmp_path / "classes.txt").write_text("cat\ndog\ncat\n")
    with pytest.raises(ValueError, match=r"\['cat'\] appear more than once"):
        LabelMap.read(tmp_path / "classes.txt")
    (tmp_path / "map.json").write_text('{"cat": 0, "dog": 2}')
    with pytest.raises(ValueError, match="ids must be 0..1"):
        LabelMap.read(tmp_path / "map.json")

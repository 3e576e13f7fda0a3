"""VOC exactly as LabelImg writes it, YOLO/COCO/Label Studio as their tools do, and boxes that
survive every round trip to the pixel (hypothesis)."""

import dataclasses
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tfimg.label import Annotation, Box, LabelMap, load, parse_voc, save, voc_text
from tfimg.label import interchange

# Typed from LabelImg's writer (libs/pascal_voc_io.py: gen_xml, append_objects, prettify with
# lxml pretty_print and two spaces turned into a tab), for a verified image with two boxes.
LABELIMG_XML = """<annotation verified="yes">
\t<folder>images</folder>
\t<filename>dog.jpg</filename>
\t<path>/home/ann/images/dog.jpg</path>
\t<source>
\t\t<database>Unknown</database>
\t</source>
\t<size>
\t\t<width>640</width>
\t\t<height>480</height>
\t\t<depth>3</depth>
\t</size>
\t<segmented>0</segmented>
\t<object>
\t\t<name>dog</name>
\t\t<pose>Unspecified</pose>
\t\t<truncated>0</truncated>
\t\t<difficult>0</difficult>
\t\t<bndbox>
\t\t\t<xmin>48</xmin>
\t\t\t<ymin>240</ymin>
\t\t\t<xmax>195</xmax>
\t\t\t<ymax>371</ymax>
\t\t</bndbox>
\t</object>
\t<object>
\t\t<name>person</name>
\t\t<pose>Unspecified</pose>
\t\t<truncated>1</truncated>
\t\t<difficult>1</difficult>
\t\t<bndbox>
\t\t\t<xmin>8</xmin>
\t\t\t<ymin>12</ymin>
\t\t\t<xmax>352</xmax>
\t\t\t<ymax>480</ymax>
\t\t</bndbox>
\t</object>
</annotation>
"""


def test_voc_reads_and_writes_labelimg_files_byte_for_byte():
    annotation = parse_voc(LABELIMG_XML, "dog.xml")
    assert annotation.filename == "dog.jpg" and annotation.verified
    assert (annotation.width, annotation.height, annotation.depth) == (640, 480, 3)
    assert [(box.name, box.corners, box.difficult, box.truncated) for box in annotation.boxes] \
        == [("dog", (48, 240, 195, 371), False, False), ("person", (8, 12, 352, 480), True, True)]
    assert voc_text(annotation) == LABELIMG_XML


def test_voc_without_path_and_unverified_omits_them():
    text = voc_text(Annotation("a.png", 10, 10, [Box("x", 2, 2, 5, 5)], folder="f"))
    assert text.startswith("<annotation>\n\t<folder>f</folder>\n\t<filename>a.png</filename>\n"
                           "\t<source>")
    assert "<path>" not in text and "&" not in text
    escaped = voc_text(Annotation("a&b<c>.png", 10, 10))
    assert "<filename>a&amp;b&lt;c&gt;.png</filename>" in escaped
    assert parse_voc(escaped).filename == "a&b<c>.png"


def test_yolo_lines_are_labelimg_s():
    labels = LabelMap(["dog", "person"])
    annotation = parse_voc(LABELIMG_XML)
    assert interchange.yolo_text(annotation, labels) == (
        "0 0.189844 0.636458 0.229687 0.272917\n1 0.281250 0.512500 0.537500 0.975000\n")


def test_coco_and_label_studio_documents():
    labels = LabelMap(["dog", "person"])
    annotation = parse_voc(LABELIMG_XML)
    coco = interchange.coco_json([annotation], labels)
    assert coco["categories"][0] == {"id": 1, "name": "dog", "supercategory": ""}
    assert coco["annotations"][0] == {"id": 1, "image_id": 1, "category_id": 1,
                                      "bbox": [48.0, 240.0, 147.0, 131.0], "area": 19257.0,
                                      "iscrowd": 0, "segmentation": []}
    studio = interchange.labelstudio_json([annotation])
    value = studio[0]["annotations"][0]["result"][0]["value"]
    assert studio[0]["data"]["image"] == "/data/local-files/?d=dog.jpg"
    assert value["rectanglelabels"] == ["dog"] and abs(value["x"] - 7.5) < 1e-9


@st.composite
def annotations(draw):
    width, height = draw(st.integers(2, 4000)), draw(st.integers(2, 4000))
    boxes = []
    for _ in range(draw(st.integers(0, 5))):
        xmin, xmax = sorted(draw(st.lists(st.integers(0, width), min_size=2, max_size=2,
                                          unique=True)))
        ymin, ymax = sorted(draw(st.lists(st.integers(0, height), min_size=2, max_size=2,
                                          unique=True)))
        boxes.append(Box(draw(st.sampled_from(["cat", "dog", "bird"])), xmin, ymin, xmax, ymax))
    return Annotation("img.jpg", width, height, boxes)


def _pixels(annotation):
    return [(box.name, tuple(round(value) for value in box.corners)) for box in annotation.boxes]


@settings(max_examples=300, deadline=None)
@given(annotations())
def test_boxes_survive_every_round_trip_to_the_pixel(annotation):
    labels = LabelMap(["bird", "cat", "dog"])
    expected = _pixels(annotation)
    through_voc = parse_voc(voc_text(annotation))
    through_yolo = interchange.parse_yolo(interchange.yolo_text(through_voc, labels),
                                          "img.jpg", annotation.width, annotation.height, labels)
    coco, _ = interchange.parse_coco(
        json.loads(json.dumps(interchange.coco_json([through_yolo], labels))))
    studio = interchange.parse_labelstudio(
        json.loads(json.dumps(interchange.labelstudio_json(coco))))
    back = parse_voc(voc_text(studio[0] if studio else coco[0]))
    for step in (through_voc, through_yolo, coco[0], back):
        assert _pixels(step) == expected


def test_datasets_convert_through_files(tmp_path):
    from PIL import Image

    Image.new("RGB", (640, 480)).save(tmp_path / "dog.jpg")
    (tmp_path / "voc").mkdir()
    (tmp_path / "voc" / "dog.xml").write_text(LABELIMG_XML)
    annotations_, labels, _ = load(tmp_path / "voc", "voc")
    assert labels.names == ("dog", "person")
    save(annotations_, labels, tmp_path / "yolo", "yolo")
    assert (tmp_path / "yolo" / "classes.txt").read_text() == "dog\nperson\n"
    yolo, _, _ = load(tmp_path / "yolo", "yolo", images=tmp_path)
    save(yolo, labels, tmp_path / "coco.json", "coco")
    coco, coco_labels, _ = load(tmp_path / "coco.json", "coco")
    save(coco, coco_labels, tmp_path / "voc2", "voc")
    written = parse_voc((tmp_path / "voc2" / "dog.xml").read_text())
    original = parse_voc(LABELIMG_XML)
    # YOLO and COCO have no `difficult`, folder, path or verified: the boxes are what survives.
    assert _pixels(written) == _pixels(original) and written.filename == "dog.jpg"
    assert (tmp_path / "voc2" / "dog.xml").read_text() == voc_text(dataclasses.replace(
        original, folder="", path="", verified=False, boxes=[
            dataclasses.replace(box, difficult=False) for box in original.boxes]))

"""Hostile annotation files: entity expansion, external entities, paths out of the dataset,
NaN/inf, huge numbers, wrong types. Each is a clear error naming the file and field, and no
file outside the dataset root is read."""

import json
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# Paths out of the dataset, in every direction (issue 14): names in the annotations never make
# a writer write outside its target, and links never make a reader read outside the dataset.

HOSTILE_PARTS = ["..", ".", "a", "b.jpg", "C:", "", "~", "x\\..\\..", "\0"]


def _tree(root):
    """{relative path: bytes} of every file under `root` (links not followed)."""
    import os

    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root)] = (open(path, "rb").read()
                                                  if not os.path.islink(path) else b"link")
    return found


def _escapes(name):
    """The oracle, independent of tfimg: does `name` resolve outside the folder it joins?"""
    import posixpath

    normalized = name.replace("\\", "/")
    return (normalized.startswith("/") or ":" in normalized.split("/")[0] or "\0" in name
            or posixpath.normpath(normalized).split("/")[0] == "..")


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(st.sampled_from(HOSTILE_PARTS), min_size=1, max_size=5),
       separator=st.sampled_from(["/", "\\"]), absolute=st.booleans(),
       kind=st.sampled_from(["voc", "yolo"]))
def test_no_hostile_image_name_writes_outside_the_target(parts, separator, absolute, kind):
    import posixpath
    import tempfile

    from tfimg.label import Annotation, Box, save

    name = ("/" if absolute else "") + separator.join(parts)
    with tempfile.TemporaryDirectory() as folder:
        root = pathlib.Path(folder)
        (root / "w" / "dst").mkdir(parents=True)
        (root / "victim.txt").write_text("precious")
        before = _tree(root)
        annotation = Annotation(name, 10, 10, [Box("cat", 1, 1, 5, 5)])
        try:
            save([annotation], LabelMap(["cat"]), root / "w" / "dst" / "out", kind)
        except ValueError as error:
            assert "refused" in str(error)
            assert _tree(root) == before  # nothing written at all
            return
        # The output is named after the image, extension replaced.
        assert not _escapes(posixpath.splitext(name)[0] + ".txt"), name
        after = _tree(root)
        assert {path: data for path, data in after.items()
                if not path.startswith("w/dst/out/")} == before


@pytest.mark.parametrize("target", ["yolo", "voc"])
@pytest.mark.parametrize("source", ["coco", "labelstudio", "voc"])
def test_convert_refuses_names_that_leave_the_target(tmp_path, capsys, source, target):
    from tfimg.cli import main
    from tfimg.label import Annotation, Box, save, write_voc

    (tmp_path / "w" / "src").mkdir(parents=True)
    (tmp_path / "victim.txt").write_text("precious")
    (tmp_path / "w" / "victim.xml").write_text("precious")
    annotation = Annotation("../../victim.jpg", 10, 10, [Box("cat", 1, 1, 5, 5)])
    if source == "voc":
        write_voc(annotation, tmp_path / "w" / "src" / "a.xml")
        source_path = tmp_path / "w" / "src"
    else:
        source_path = tmp_path / "w" / "src" / "ann.json"
        save([annotation], LabelMap(["cat"]), source_path, source)
    code = main(["labels", "convert", "--from", source, "--to", target, str(source_path),
                 str(tmp_path / "w" / "dst" / "out")])
    assert code == 2
    assert "would be written outside" in capsys.readouterr().err
    assert (tmp_path / "victim.txt").read_text() == "precious"
    assert (tmp_path / "w" / "victim.xml").read_text() == "precious"
    assert not (tmp_path / "w" / "dst").exists()


def test_a_link_in_the_target_does_not_redirect_writes(tmp_path):
    from tfimg.label import Annotation, save

    (tmp_path / "outside").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "sub").symlink_to(tmp_path / "outside")
    with pytest.raises(ValueError, match="through a link; refused"):
        save([Annotation("sub/a.jpg", 10, 10)], LabelMap(["cat"]), tmp_path / "out", "yolo")
    assert list((tmp_path / "outside").iterdir()) == []


def test_draw_refuses_names_that_leave_its_folder(tmp_path):
    from PIL import Image

    from tfimg.label import Annotation, Box, save
    from tfimg.label.draw import draw_dataset

    (tmp_path / "data" / "sub").mkdir(parents=True)
    Image.new("RGB", (10, 10)).save(tmp_path / "data" / "sub" / "a.jpg")
    save([Annotation("sub/a.jpg", 10, 10, [Box("cat", 1, 1, 5, 5)])], LabelMap(["cat"]),
         tmp_path / "data" / "ann.json", "coco")
    (tmp_path / "drawn").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "drawn" / "sub").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ValueError, match="through a link; refused"):
        draw_dataset(tmp_path / "data" / "ann.json", "coco", tmp_path / "drawn")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def _outside_link(tmp_path, name, content):
    (tmp_path / "secret").mkdir(exist_ok=True)
    (tmp_path / "secret" / name).write_text(content)
    return tmp_path / "secret" / name


def test_annotation_files_linked_out_of_the_dataset_are_not_read(tmp_path, capsys):
    from PIL import Image

    from tfimg.cli import main

    root = tmp_path / "ds"
    root.mkdir()
    Image.new("RGB", (10, 10)).save(root / "a.jpg")
    (root / "a.xml").symlink_to(_outside_link(tmp_path, "a.xml", _voc("SECRET-VOC.jpg")))
    report = validate(root, "voc")
    assert [kind for _, kind, _ in report.issues] == ["unreadable", "extra_image"]
    assert "leading outside the dataset" in report.issues[0][2]
    assert not any("SECRET" in detail for _, _, detail in report.issues)
    # classes.txt (VOC and YOLO) and YOLO boxes linked out of the dataset
    (root / "a.xml").unlink()
    (root / "classes.txt").symlink_to(_outside_link(tmp_path, "classes.txt", "SECRET-CLASS\n"))
    for kind in ("voc", "yolo"):
        assert main(["labels", "validate", "--format", kind, str(root)]) != 0
        captured = capsys.readouterr()
        assert "leading outside the dataset" in captured.err + captured.out
        assert "SECRET" not in captured.err + captured.out
    (root / "classes.txt").unlink()
    (root / "classes.txt").write_text("cat\n")
    (root / "a.txt").symlink_to(_outside_link(tmp_path, "a.txt", "SECRET 0.5 0.5 0.1 0.1\n"))
    with pytest.raises(ValueError, match="leading outside the dataset") as raised:
        load(root, "yolo")
    assert "SECRET" not in str(raised.value)


# Annotation values are validated before use (issue 14): sizes, duplicate ids, corrupt images,
# text that is not UTF-8.

def _coco(width=10, height=10, images=None):
    return {"images": images or [{"id": 1, "file_name": "a.jpg", "width": width,
                                  "height": height}],
            "categories": [{"id": 1, "name": "cat"}],
            "annotations": [{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}]}


@pytest.mark.parametrize("width", [0, -5])
@pytest.mark.parametrize("kind", ["voc", "coco", "labelstudio"])
def test_zero_and_negative_image_sizes_are_refused(tmp_path, capsys, kind, width):
    from tfimg.cli import main
    from tfimg.label import Annotation, Box
    from tfimg.label.interchange import labelstudio_json

    if kind == "voc":
        (tmp_path / "src").mkdir()
        (tmp_path / "src" / "a.xml").write_text(_voc(width=str(width)))
        source, field = tmp_path / "src", "size/width"
    else:
        source = tmp_path / "ann.json"
        value = _coco(width) if kind == "coco" else [dict(task, id=1) for task in
                                                     labelstudio_json([Annotation(
                                                         "a.jpg", 10, 10,
                                                         [Box("cat", 1, 1, 5, 5)])])]
        if kind == "labelstudio":
            value[0]["annotations"][0]["result"][0]["original_width"] = width
        source.write_text(json.dumps(value))
        field = "width" if kind == "coco" else "original_width"
    code = main(["labels", "convert", "--from", kind, "--to", "yolo", str(source),
                 str(tmp_path / "out")])
    assert code == 2
    assert f"{field}: expected an image size of at least 1 pixel, received {width}" in \
        capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_writers_refuse_a_zero_size_given_in_code():
    from tfimg.label import Annotation, Box
    from tfimg.label.interchange import labelstudio_json, yolo_text

    annotation = Annotation("a.jpg", 0, 10, [Box("cat", 1, 1, 5, 5)])
    for write in (lambda: yolo_text(annotation, LabelMap(["cat"])),
                  lambda: labelstudio_json([annotation])):
        with pytest.raises(ValueError, match="a.jpg: width: expected an image size"):
            write()


def test_duplicate_coco_ids_are_refused():
    twice = [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10},
             {"id": 1, "file_name": "b.jpg", "width": 10, "height": 10}]
    with pytest.raises(ValueError, match=r"c.json: images\[1\]: id 1 appears twice \(also "
                                         r"'a.jpg'\)"):
        parse_coco(_coco(images=twice), "c.json")
    value = _coco()
    value["categories"].append({"id": 1, "name": "dog"})
    with pytest.raises(ValueError, match=r"categories\[1\]: id 1 appears twice"):
        parse_coco(value, "c.json")


def test_validate_yolo_reports_a_corrupt_image_and_goes_on(tmp_path, capsys):
    from PIL import Image

    from tfimg.cli import main

    (tmp_path / "classes.txt").write_text("cat\n")
    Image.new("RGB", (10, 10)).save(tmp_path / "good.jpg")
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a real jpeg")
    for name in ("good", "bad"):
        (tmp_path / f"{name}.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    (tmp_path / "latin.txt").write_bytes("0 0.5 0.5 0.2 0.2 \xe9\n".encode("latin-1"))
    Image.new("RGB", (10, 10)).save(tmp_path / "latin.jpg")
    assert main(["labels", "validate", "--format", "yolo", str(tmp_path)]) == 1
    printed = capsys.readouterr().out
    assert "unreadable  bad.txt: " in printed and "cannot read the image's size" in printed
    assert "latin.txt: not UTF-8 text (byte 0xe9 at offset 18)" in printed
    assert "1 annotated images, 1 boxes" in printed


def test_files_that_are_not_utf8_are_named(tmp_path):
    from tfimg.label.interchange import read_json

    (tmp_path / "a.json").write_bytes(b'{"images": "\xff"}')
    (tmp_path / "classes.txt").write_bytes(b"cat\n\xe9t\xe9\n")
    (tmp_path / "map.json").write_text("{not json")
    (tmp_path / "deep.json").write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(ValueError, match=r"a.json: not UTF-8 text \(byte 0xff at offset 12\)"):
        read_json(tmp_path / "a.json")
    with pytest.raises(ValueError, match=r"classes.txt: not UTF-8 text \(byte 0xe9"):
        LabelMap.read(tmp_path / "classes.txt")
    with pytest.raises(ValueError, match=r"map.json: not JSON"):
        LabelMap.read(tmp_path / "map.json")
    with pytest.raises(ValueError, match=r"deep.json: JSON nested too deeply"):
        read_json(tmp_path / "deep.json")


# Found by the issue 14 acceptance probe: outputs that would overwrite one another, class names
# that would shift classes.txt, label maps that crashed, LabelImg's predefined_classes.txt, and a
# decompression bomb in `labels draw`.

@pytest.mark.parametrize("names, message", [
    (["a.jpg", "a.png"], "'a.png' and 'a.jpg' would both be written to 'a.txt'"),
    (["sub/a.jpg", "sub/./a.jpg"], "would both be written to 'sub/a.txt'"),
    (["classes.jpg"], "'classes.jpg' and 'classes.txt' would both be written"),
    ([""], "without a file name"), (["sub/"], "without a file name"),
    (["sub/.."], "without a file name"), (["."], "without a file name"),
])
def test_convert_refuses_images_whose_outputs_collide(tmp_path, capsys, names, message):
    from tfimg.cli import main

    value = {"images": [{"id": i, "file_name": name, "width": 10, "height": 10}
                        for i, name in enumerate(names, 1)],
             "categories": [{"id": 1, "name": "cat"}],
             "annotations": [{"image_id": i, "category_id": 1, "bbox": [i, 1, 3, 3]}
                             for i in range(1, len(names) + 1)]}
    (tmp_path / "c.json").write_text(json.dumps(value))
    assert main(["labels", "convert", "--from", "coco", "--to", "yolo", str(tmp_path / "c.json"),
                 str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_draw_refuses_two_images_drawn_to_one_file(tmp_path):
    from tfimg.label import Annotation, save
    from tfimg.label.draw import draw_dataset

    save([Annotation("a.jpg", 10, 10), Annotation("a.png", 10, 10)], LabelMap(["cat"]),
         tmp_path / "ann.json", "coco")
    with pytest.raises(ValueError, match="would both be written to 'a.jpg'"):
        draw_dataset(tmp_path / "ann.json", "coco", tmp_path / "drawn")


@pytest.mark.parametrize("kind", ["coco", "labelstudio"])
def test_class_names_with_line_breaks_are_refused_and_spaces_stripped(tmp_path, capsys, kind):
    from tfimg.cli import main
    from tfimg.label import Annotation, Box
    from tfimg.label.interchange import labelstudio_json

    def write(name):
        annotation = Annotation("a.jpg", 10, 10, [Box(name, 1, 1, 5, 5), Box("dog", 2, 2, 6, 6)])
        value = labelstudio_json([annotation])
        if kind == "coco":
            value = {"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
                     "categories": [{"id": 1, "name": name}, {"id": 2, "name": "dog"}],
                     "annotations": [{"image_id": 1, "category_id": c, "bbox": [1, 1, 4, 4]}
                                     for c in (1, 2)]}
        (tmp_path / "ann.json").write_text(json.dumps(value))

    write("ca\nt")  # classes.txt would read "ca", "t", "dog": dog's boxes would become "t"
    assert main(["labels", "convert", "--from", kind, "--to", "yolo", str(tmp_path / "ann.json"),
                 str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "ann.json: " in error and "['ca\\nt'] hold a line break" in error
    assert not (tmp_path / "out").exists()
    write(" cat ")
    assert main(["labels", "convert", "--from", kind, "--to", "yolo", str(tmp_path / "ann.json"),
                 str(tmp_path / "out")]) == 0
    classes = (tmp_path / "out" / "classes.txt").read_text().splitlines()
    assert sorted(classes) == ["cat", "dog"]


@pytest.mark.parametrize("content, message", [
    ('{"cat": 0, "dog": "1"}', "expected integer ids"),
    ('{"cat": 0, "dog": null}', "expected integer ids"),
    ('{"cat": true}', "expected integer ids"),
    ("[" * 100000 + "]" * 100000, "JSON nested too deeply"),
    ('[{"a": 1}]', "expected a list of names"),
    ('["cat", "cat"]', r"\['cat'\] appear more than once"),
])
def test_bad_json_label_maps_name_the_file(tmp_path, capsys, content, message):
    from PIL import Image

    from tfimg.cli import main

    (tmp_path / "map.json").write_text(content)
    with pytest.raises(ValueError, match=message) as raised:
        LabelMap.read(tmp_path / "map.json")
    assert str(raised.value).startswith(f"{tmp_path / 'map.json'}: ")
    Image.new("RGB", (10, 10)).save(tmp_path / "a.jpg")
    (tmp_path / "a.xml").write_text(_voc())
    assert main(["labels", "validate", str(tmp_path), "--labels",
                 str(tmp_path / "map.json")]) == 2
    assert "map.json: " in capsys.readouterr().err


def test_yolo_folder_may_hold_labelimg_s_predefined_classes(tmp_path):
    from PIL import Image

    (tmp_path / "classes.txt").write_text("cat\n")
    (tmp_path / "predefined_classes.txt").write_text("cat\ndog\n")
    (tmp_path / "a.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    Image.new("RGB", (10, 10)).save(tmp_path / "a.jpg")
    annotations, labels, _ = load(tmp_path, "yolo")
    assert [annotation.filename for annotation in annotations] == ["a.jpg"]
    assert validate(tmp_path, "yolo").issues == []


def test_draw_names_a_decompression_bomb(tmp_path, capsys):
    from PIL import Image

    from tfimg.cli import main

    Image.new("1", (20000, 10000)).save(tmp_path / "a.png")  # 25 KB, 200 M pixels
    (tmp_path / "a.xml").write_text(_voc("a.png", width="20000"))
    assert main(["labels", "draw", str(tmp_path), "--out", str(tmp_path / "drawn")]) == 2
    assert "a.png: cannot read the image (DecompressionBombError" in capsys.readouterr().err


@pytest.mark.parametrize("bbox", [[5, 5, -3, -3], [5, 5, 0, 4], [5, 5, 4, 0]])
def test_convert_refuses_boxes_without_area(tmp_path, capsys, bbox):
    from tfimg.cli import main

    value = {"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
             "categories": [{"id": 1, "name": "cat"}],
             "annotations": [{"image_id": 1, "category_id": 1, "bbox": bbox}]}
    (tmp_path / "c.json").write_text(json.dumps(value))
    assert main(["labels", "convert", "--from", "coco", "--to", "yolo", str(tmp_path / "c.json"),
                 str(tmp_path / "out")]) == 2
    assert "a.jpg box 1 (cat)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

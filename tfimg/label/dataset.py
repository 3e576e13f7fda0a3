"""Annotation datasets on disk in each format, loaded into Annotations and saved back.

    voc          a folder of LabelImg XML files (any depth), `classes.txt` optional
    yolo         a folder of NAME.txt files and `classes.txt`; image sizes read from the images
    coco         one JSON file
    labelstudio  one JSON file (Label Studio's export)

Image file names stay relative to the images folder (`images`, default: the annotation folder
for VOC/YOLO, the JSON file's folder otherwise) and may not leave it.

Plain Python (Pillow reads image sizes).
"""

import dataclasses
import json
import os

from PIL import Image

from tfimg.atomic import write_text
from tfimg.formats import is_image_name
from tfimg.label import interchange
from tfimg.label.annotation import contained, output_path, output_paths, safe_join
from tfimg.label.labelmap import LabelMap
from tfimg.label.voc import read_voc, write_voc

FORMATS = ("voc", "yolo", "coco", "labelstudio")
# Label map files that sit beside YOLO's NAME.txt files without being annotations.
_LABEL_FILES = ("classes.txt", "predefined_classes.txt")


def _files(root, extension):
    found = []
    for folder, folders, names in os.walk(root):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        found += [os.path.join(folder, name) for name in sorted(names)
                  if name.lower().endswith(extension)]
    return found


def image_files(root):
    """Image files under `root`, relative, sorted."""
    return [os.path.relpath(path, root).replace(os.sep, "/") for path in _files(root, "")
            if is_image_name(path)]


def read_voc_folder(source, errors=None):
    """The Annotations of the VOC files under `source`, image names relative to `source`
    (LabelImg keeps each XML beside its image).

    Args:
        errors: a list that collects (file, message) of unreadable files; None raises.
    """
    annotations = []
    for path in _files(source, ".xml"):
        try:
            annotation = read_voc(contained(source, path, os.path.relpath(path, source)))
        except ValueError as error:
            if errors is None:
                raise
            errors.append((os.path.relpath(path, source), str(error)))
            continue
        folder = os.path.relpath(os.path.dirname(path), source)
        if folder != ".":
            annotation.filename = f"{folder.replace(os.sep, '/')}/{annotation.filename}"
        annotations.append(annotation)
    return annotations


def _labels_for(annotations, root, where):
    classes = (os.path.join(root, "classes.txt") if root is not None and os.path.isdir(root)
               else None)
    if classes and os.path.isfile(classes):
        return LabelMap.read(contained(root, classes, classes))
    try:
        return LabelMap(sorted({box.name for annotation in annotations
                                for box in annotation.boxes}))
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def detect_format(source):
    """The format of an annotation dataset, judged by its files: a folder of .xml files is
    "voc", a folder of .txt files (besides classes.txt) "yolo", a JSON object with "images" and
    "annotations" "coco", a JSON list of tasks "labelstudio".

    Raises:
        FileNotFoundError: `source` does not exist.
        ValueError: the format cannot be told (no annotation files, or both kinds), naming
            what was found and `--format`.
    """
    source = os.fspath(source)
    if os.path.isfile(source):
        value = interchange.read_json(source) if source.lower().endswith(".json") else None
        if isinstance(value, dict) and {"images", "annotations"} <= set(value):
            return "coco"
        if isinstance(value, list):
            return "labelstudio"
        raise ValueError(f"{source}: not a COCO (object with images and annotations) or Label "
                         f"Studio (list of tasks) JSON file; pass --format")
    if not os.path.isdir(source):
        raise FileNotFoundError(f"No annotation file or folder at {source!r}")
    voc = len(_files(source, ".xml"))
    yolo = len([path for path in _files(source, ".txt")
                if os.path.basename(path) not in _LABEL_FILES])
    if voc and yolo:
        raise ValueError(f"{source}: {voc} .xml (VOC) and {yolo} .txt (YOLO) annotation files; "
                         f"pass --format voc or --format yolo")
    if not voc and not yolo:
        raise ValueError(f"{source}: no annotation files (.xml for VOC, .txt for YOLO); pass "
                         f"--format")
    return "voc" if voc else "yolo"


def load(source, kind, images=None):
    """(Annotations, LabelMap, images folder) of an annotation dataset.

    Raises:
        FileNotFoundError: `source` does not exist.
        ValueError naming the file and field of the first unreadable annotation.
    """
    if kind not in FORMATS:
        raise ValueError(f"Expected a format in {FORMATS}, received {kind!r}")
    source = os.fspath(source)
    if not os.path.exists(source):
        raise FileNotFoundError(f"No annotation file or folder at {source!r}")
    if kind in ("coco", "labelstudio"):
        images = images or os.path.dirname(os.path.abspath(source))
        value = interchange.read_json(source)
        if kind == "coco":
            annotations, labels = interchange.parse_coco(value, source)
        else:
            annotations = interchange.parse_labelstudio(value, source)
            labels = _labels_for(annotations, None, source)
        return annotations, labels, images
    images = images or source
    if kind == "voc":
        annotations = read_voc_folder(source)
        return annotations, _labels_for(annotations, source, source), images
    classes = os.path.join(source, "classes.txt")
    if not os.path.isfile(classes):
        raise ValueError(f"{source}: a YOLO folder needs classes.txt")
    labels = LabelMap.read(contained(source, classes, classes))
    annotations = read_yolo_folder(source, images, labels)
    return annotations, labels, images


def save(annotations, labels, target, kind):
    """Writes Annotations in `kind` to `target` (a folder for VOC/YOLO, a JSON file else)."""
    target = os.fspath(target)
    if kind in ("coco", "labelstudio"):
        value = (interchange.coco_json(annotations, labels) if kind == "coco" else
                 interchange.labelstudio_json(annotations))
        write_text(target, json.dumps(value, indent=2, ensure_ascii=False))
        return
    if kind not in FORMATS:
        raise ValueError(f"Expected a format in {FORMATS}, received {kind!r}")
    # Every output path is checked before anything is written: names come from the annotations.
    paths = output_paths(target, [annotation.filename for annotation in annotations],
                         ".xml" if kind == "voc" else ".txt", reserved=_LABEL_FILES)
    labels.write(output_path(target, "classes.txt", "classes.txt"))  # atomic, folders made
    for annotation, path in zip(annotations, paths):
        stem = os.path.splitext(annotation.filename)[0]
        if kind == "voc":  # LabelImg's filename is the bare name of the image beside it
            write_voc(dataclasses.replace(annotation, filename=os.path.basename(stem) +
                                          os.path.splitext(annotation.filename)[1]), path)
        else:
            write_text(path, interchange.yolo_text(annotation, labels))


def rename_classes(annotations, labels, mapping):
    """(Annotations, LabelMap) with classes renamed and merged by `mapping` ({old: new};
    several old names may share a new one, which keeps the first one's id)."""
    new_labels, names = labels.renamed(mapping)
    renamed = [dataclasses.replace(annotation, boxes=[
        dataclasses.replace(box, name=names.get(box.name, box.name))
        for box in annotation.boxes]) for annotation in annotations]
    return renamed, new_labels


def convert(source, source_kind, target, target_kind, images=None, rename=None):
    """Converts an annotation dataset, renaming classes by `rename` ({old: new}) on the way;
    returns (images annotated, boxes)."""
    annotations, labels, _ = load(source, source_kind, images)
    for annotation in annotations:
        for index, box in enumerate(annotation.boxes, 1):
            if box.xmax <= box.xmin or box.ymax <= box.ymin:
                raise ValueError(f"{annotation.filename} box {index} ({box.name}): "
                                 f"{box.corners} has no area (negative or zero width or "
                                 f"height); `tfimg labels validate` lists every such box")
    if rename:
        annotations, labels = rename_classes(annotations, labels, rename)
    save(annotations, labels, target, target_kind)
    return len(annotations), sum(len(annotation.boxes) for annotation in annotations)


def _image_size(images, filename, where):
    """(width, height) of the annotated image `filename` in `images`, from its header."""
    path = safe_join(images, filename, where)
    try:
        with Image.open(path) as image:
            return image.size
    except Exception as error:  # noqa: BLE001 - Pillow raises many types on a bad header.
        raise ValueError(f"{path}: cannot read the image's size ({type(error).__name__}: "
                         f"{error})"[:300]) from None


def read_yolo_folder(source, images, labels, errors=None):
    """The Annotations of the YOLO files under `source` for the images under `images`
    (image sizes read from their headers).

    Args:
        labels: the LabelMap of `classes.txt`.
        errors: a list that collects (file, message) of unreadable files and images; None
            raises.
    """
    by_stem = {os.path.splitext(name)[0]: name for name in image_files(images)}
    annotations = []
    for path in _files(source, ".txt"):
        stem = os.path.splitext(os.path.relpath(path, source))[0].replace(os.sep, "/")
        if os.path.basename(path) in _LABEL_FILES:
            continue
        try:
            if stem not in by_stem:
                raise ValueError(f"{path}: no image named {stem}.* in {images!r}")
            width, height = _image_size(images, by_stem[stem], path)
            with open(contained(source, path, path), "rb") as file:
                content = file.read()
            text = interchange.decode_text(content, path)
            annotations.append(interchange.parse_yolo(text, by_stem[stem], width, height,
                                                      labels, path))
        except ValueError as error:
            if errors is None:
                raise
            errors.append((os.path.relpath(path, source), str(error)))
    return annotations

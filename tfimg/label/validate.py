"""Checking an annotation dataset against its images and its label map.

Issues (kind: what it means):
    unreadable      the annotation file does not parse (the error names the file and field),
                    or its image cannot be read
    unsafe_path     the image file name leaves the dataset folder
    missing_image   the annotated image does not exist
    extra_image     an image without annotation
    unknown_label   a class name not in the label map
    empty_box       zero or negative width or height
    outside_image   a corner outside the image
    duplicate_box   the same class and corners twice in one image
    size_mismatch   the annotated width/height differ from the image's, as shown upright
                    (after its EXIF orientation)

Plain Python (Pillow reads image sizes from headers).
"""

import collections
import dataclasses
import os

from PIL import Image

from tfimg import formats
from tfimg.label.annotation import contained, safe_join
from tfimg.label.dataset import image_files, load, read_voc_folder, read_yolo_folder
from tfimg.label.labelmap import LabelMap


@dataclasses.dataclass
class Report:
    issues: list  # (file, kind, detail)
    class_counts: dict
    images: int
    boxes: int

    def kinds(self):
        return collections.Counter(kind for _, kind, _ in self.issues)


def upright_size(path):
    """(width, height) of an image file as viewers show it (EXIF orientation applied)."""
    with Image.open(path) as image:
        return formats.upright_size(image)


def _check_boxes(annotation, labels, issues):
    seen = set()
    for i, box in enumerate(annotation.boxes, 1):
        where = f"{annotation.filename} box {i} ({box.name})"
        if labels is not None and box.name not in labels:
            issues.append((annotation.filename, "unknown_label", f"{where}: not in "
                           f"{list(labels.names)}"))
        if box.xmax <= box.xmin or box.ymax <= box.ymin:
            issues.append((annotation.filename, "empty_box", f"{where}: {box.corners}"))
        elif (box.xmin < 0 or box.ymin < 0 or box.xmax > annotation.width
              or box.ymax > annotation.height):
            issues.append((annotation.filename, "outside_image", f"{where}: {box.corners} in a "
                           f"{annotation.width}x{annotation.height} image"))
        key = (box.name, box.corners)
        if key in seen:
            issues.append((annotation.filename, "duplicate_box", f"{where}: {box.corners}"))
        seen.add(key)


def validate(source, kind="voc", images=None, labels=None):
    """The Report of an annotation dataset (see `dataset.load` for `source`, `kind`, `images`).

    Args:
        labels: a LabelMap or a classes file; default: `classes.txt` in `source` when present.
    """
    issues = []
    if not os.path.exists(source):
        raise FileNotFoundError(f"No annotation file or folder at {os.fspath(source)!r}")
    if isinstance(labels, (str, os.PathLike)):
        labels = LabelMap.read(labels)
    if kind == "voc":  # file by file, so that one broken file does not hide the others
        unreadable = []
        annotations = read_voc_folder(source, unreadable)
        issues += [(name, "unreadable", message) for name, message in unreadable]
        images = images or source
        if labels is None and os.path.isfile(os.path.join(source, "classes.txt")):
            classes = os.path.join(source, "classes.txt")
            labels = LabelMap.read(contained(source, classes, classes))
    elif kind == "yolo":  # file by file too: a corrupt image is one issue, not the end
        images = images or source
        classes = os.path.join(source, "classes.txt")
        try:
            found = LabelMap.read(contained(source, classes, classes))
        except (OSError, ValueError) as error:
            return Report([(os.fspath(source), "unreadable", str(error))], {}, 0, 0)
        unreadable = []
        annotations = read_yolo_folder(source, images, found, unreadable)
        issues += [(name, "unreadable", message) for name, message in unreadable]
        labels = labels or found
    else:
        try:
            annotations, found, images = load(source, kind, images)
        except ValueError as error:
            return Report([(os.fspath(source), "unreadable", str(error))], {}, 0, 0)
        labels = labels or (found if kind in ("yolo", "coco") else None)
    annotated = set()
    for annotation in annotations:
        try:
            path = safe_join(images, annotation.filename, annotation.filename)
        except ValueError as error:
            issues.append((annotation.filename, "unsafe_path", str(error)))
            continue
        annotated.add(os.path.relpath(path, os.path.realpath(images)).replace(os.sep, "/"))
        if not os.path.isfile(path):
            issues.append((annotation.filename, "missing_image", f"{path} does not exist"))
        else:
            try:
                size = upright_size(path)
            except Exception as error:  # noqa: BLE001 - Pillow raises many types.
                size = None
                issues.append((annotation.filename, "unreadable", f"{path}: cannot read the "
                               f"image ({type(error).__name__}: {error})"[:300]))
            if size is not None and size != (annotation.width, annotation.height):
                issues.append((annotation.filename, "size_mismatch", f"annotated "
                               f"{annotation.width}x{annotation.height}, image is "
                               f"{size[0]}x{size[1]} upright"))
        _check_boxes(annotation, labels, issues)
    for name in image_files(images):
        if name not in annotated:
            issues.append((name, "extra_image", "no annotation"))
    counts = collections.Counter(box.name for annotation in annotations
                                 for box in annotation.boxes)
    return Report(issues, dict(counts.most_common()), len(annotations), sum(counts.values()))

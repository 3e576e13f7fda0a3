"""YOLO, COCO and Label Studio box files, read and written as their tools do.

- YOLO (LabelImg, Ultralytics): one `NAME.txt` per image, lines `class x_center y_center width
  height` relative to the image size, six decimals; class names in `classes.txt`.
- COCO (CVAT, Label Studio, detectron2): one JSON with `images` (id, file_name, width,
  height), `categories` (id from 1, name) and `annotations` (`bbox` = x, y, width, height in
  pixels, `area`, `iscrowd`).
- Label Studio's JSON export: tasks with `data.image` and `annotations[].result[]` of type
  `rectanglelabels`, `x`, `y`, `width`, `height` in percent of `original_width/height`.

Plain Python.
"""

import json
import os
import urllib.parse

from tfimg.label.annotation import Annotation, Box, image_size, number
from tfimg.label.labelmap import LabelMap


def yolo_text(annotation, labels):
    """The YOLO lines of `annotation` (`labels`: a LabelMap)."""
    lines = []
    for box in annotation.boxes:
        width, height = (image_size(value, annotation.filename, field, text=False) for
                         value, field in ((annotation.width, "width"),
                                          (annotation.height, "height")))
        values = ((box.xmin + box.xmax) / 2 / width, (box.ymin + box.ymax) / 2 / height,
                  (box.xmax - box.xmin) / width, (box.ymax - box.ymin) / height)
        lines.append(f"{labels.id(box.name)} " + " ".join(f"{v:.6f}" for v in values) + "\n")
    return "".join(lines)


def parse_yolo(content, filename, width, height, labels, where="<string>"):
    """The Annotation of YOLO `content` (text) for an image of `width` x `height`."""
    annotation = Annotation(filename, width, height)
    for number_, line in enumerate(content.splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        at = f"{where}:{number_}"
        if len(fields) != 5:
            raise ValueError(f"{at}: expected 'class x_center y_center width height', "
                             f"received {line[:100]!r}")
        class_id = number(fields[0], at, "class", integer=True)
        if not 0 <= class_id < len(labels):
            raise ValueError(f"{at}: class: id {class_id} is not in classes.txt "
                             f"(0..{len(labels) - 1})")
        x, y, w, h = (number(value, at, name) for value, name in zip(
            fields[1:], ("x_center", "y_center", "width", "height")))
        annotation.boxes.append(Box(labels.names[class_id], (x - w / 2) * width,
                                    (y - h / 2) * height, (x + w / 2) * width,
                                    (y + h / 2) * height))
    return annotation


def coco_json(annotations, labels):
    """The COCO object of a list of Annotations."""
    images, boxes = [], []
    for image_id, annotation in enumerate(annotations, 1):
        images.append({"id": image_id, "file_name": annotation.filename,
                       "width": annotation.width, "height": annotation.height})
        for box in annotation.boxes:
            width, height = box.xmax - box.xmin, box.ymax - box.ymin
            boxes.append({"id": len(boxes) + 1, "image_id": image_id,
                          "category_id": labels.id(box.name) + 1,
                          "bbox": [box.xmin, box.ymin, width, height], "area": width * height,
                          "iscrowd": 0, "segmentation": []})
    return {"images": images, "annotations": boxes,
            "categories": [{"id": i + 1, "name": name, "supercategory": ""}
                           for i, name in enumerate(labels.names)]}


def _field(item, key, where, kind=(int, float)):
    if not isinstance(item, dict) or key not in item:
        raise ValueError(f"{where}: missing field {key!r}")
    value = item[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"{where}: {key}: expected {getattr(kind, '__name__', 'a number')}, "
                         f"received {type(value).__name__} {value!r}"[:200])
    return value


def parse_coco(value, where="<string>"):
    """(Annotations, LabelMap) of a COCO object (category names kept, ids renumbered)."""
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a COCO object with images, annotations, categories")
    categories = {}
    for i, category in enumerate(_field(value, "categories", where, list)):
        category_id = _field(category, "id", f"{where}: categories[{i}]", int)
        if category_id in categories:
            raise ValueError(f"{where}: categories[{i}]: id {category_id} appears twice")
        # Stripped as VOC names are, and as the LabelMap keeps them.
        categories[category_id] = _field(category, "name", f"{where}: categories[{i}]",
                                         str).strip()
    try:
        labels = LabelMap(categories[key] for key in sorted(categories))
    except ValueError as error:
        raise ValueError(f"{where}: categories: {error}") from None
    images = {}
    for i, image in enumerate(_field(value, "images", where, list)):
        at = f"{where}: images[{i}]"
        image_id = _field(image, "id", at, int)
        if image_id in images:  # its boxes would silently move to the other image
            raise ValueError(f"{at}: id {image_id} appears twice (also "
                             f"{images[image_id].filename!r})")
        images[image_id] = Annotation(
            _field(image, "file_name", at, str),
            image_size(_field(image, "width", at), at, "width", text=False),
            image_size(_field(image, "height", at), at, "height", text=False))
    for i, item in enumerate(_field(value, "annotations", where, list)):
        at = f"{where}: annotations[{i}]"
        image_id = _field(item, "image_id", at, int)
        category_id = _field(item, "category_id", at, int)
        if image_id not in images:
            raise ValueError(f"{at}: image_id {image_id} is not in images")
        if category_id not in categories:
            raise ValueError(f"{at}: category_id {category_id} is not in categories")
        bbox = _field(item, "bbox", at, list)
        if len(bbox) != 4:
            raise ValueError(f"{at}: bbox: expected [x, y, width, height], received {bbox!r}")
        x, y, w, h = (number(v, at, f"bbox[{j}]", text=False) for j, v in enumerate(bbox))
        images[image_id].boxes.append(Box(categories[category_id], x, y, x + w, y + h))
    return list(images.values()), labels


def labelstudio_json(annotations, image_prefix="/data/local-files/?d="):
    """Label Studio's JSON export (a list of tasks) of Annotations."""
    tasks = []
    for task_id, annotation in enumerate(annotations, 1):
        results = []
        for field in ("width", "height"):
            image_size(getattr(annotation, field), annotation.filename, field, text=False)
        for i, box in enumerate(annotation.boxes):
            results.append({
                "id": f"box{task_id}-{i}", "type": "rectanglelabels", "from_name": "label",
                "to_name": "image", "original_width": annotation.width,
                "original_height": annotation.height, "image_rotation": 0,
                "value": {"x": box.xmin / annotation.width * 100,
                          "y": box.ymin / annotation.height * 100,
                          "width": (box.xmax - box.xmin) / annotation.width * 100,
                          "height": (box.ymax - box.ymin) / annotation.height * 100,
                          "rotation": 0, "rectanglelabels": [box.name]}})
        tasks.append({"id": task_id, "data": {"image": image_prefix +
                                              urllib.parse.quote(annotation.filename)},
                      "annotations": [{"id": task_id, "result": results}]})
    return tasks


def _task_filename(image):
    """The image's name from a Label Studio URL (`?d=` local files, uploads, plain URLs)."""
    parts = urllib.parse.urlsplit(image)
    query = urllib.parse.parse_qs(parts.query)
    # parse_qs has already unquoted `d`; a path is unquoted here (once, so `%2520` stays `%20`).
    return query["d"][0] if "d" in query else urllib.parse.unquote(parts.path.rsplit("/", 1)[-1])


def parse_labelstudio(value, where="<string>"):
    """Annotations of a Label Studio JSON export (rectangle labels; other results skipped)."""
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected Label Studio's export, a list of tasks")
    annotations = []
    for i, task in enumerate(value):
        at = f"{where}: task {task.get('id', i) if isinstance(task, dict) else i}"
        data = _field(task, "data", at, dict)
        filename = _task_filename(_field(data, "image", at, str))
        annotation = None
        for completion in _field(task, "annotations", at, list)[:1]:  # the first annotator
            for j, result in enumerate(_field(completion, "result", at, list)):
                if not isinstance(result, dict) or result.get("type") != "rectanglelabels":
                    continue
                spot = f"{at} result {j}"
                width = image_size(_field(result, "original_width", spot), spot,
                                   "original_width", text=False)
                height = image_size(_field(result, "original_height", spot), spot,
                                    "original_height", text=False)
                if annotation is None:
                    annotation = Annotation(filename, width, height)
                box = _field(result, "value", spot, dict)
                x, y, w, h = (number(_field(box, key, spot), spot, f"value.{key}", text=False)
                              for key in ("x", "y", "width", "height"))
                names = _field(box, "rectanglelabels", spot, list)
                if len(names) != 1 or not isinstance(names[0], str):
                    raise ValueError(f"{spot}: rectanglelabels: expected one name, received "
                                     f"{names!r}"[:200])
                annotation.boxes.append(Box(names[0].strip(), x / 100 * width, y / 100 * height,
                                            (x + w) / 100 * width, (y + h) / 100 * height))
        if annotation is not None:
            annotations.append(annotation)
    return annotations


def read_json(path):
    with open(path, "rb") as file:
        text = decode_text(file.read(), os.fspath(path))
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{os.fspath(path)}: not JSON: {error}") from None
    except RecursionError:
        raise ValueError(f"{os.fspath(path)}: JSON nested too deeply") from None


def decode_text(content, where):
    """`content` (bytes of a JSON or YOLO file) as text: UTF-8, a byte-order mark allowed.

    Raises:
        ValueError naming `where` and the first byte that is not UTF-8.
    """
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{where}: not UTF-8 text (byte {content[error.start]:#04x} at "
                         f"offset {error.start})") from None

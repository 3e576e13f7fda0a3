"""Boxes drawn on their images, for a quick look at an annotation dataset.

Plain Python (Pillow).
"""

import os

from PIL import Image, ImageDraw

from tfimg.label.annotation import output_paths, safe_join
from tfimg.label.dataset import load

PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6",
           "#bcf60c", "#fabebe", "#008080"]


def draw_boxes(image, annotation, labels):
    """A copy of `image` (Pillow) with the boxes and class names of `annotation`."""
    image = image.convert("RGB")
    canvas = ImageDraw.Draw(image)
    for box in annotation.boxes:
        color = PALETTE[labels.id(box.name) % len(PALETTE)] if box.name in labels else "#ffffff"
        canvas.rectangle(box.corners, outline=color, width=max(1, round(min(image.size) / 200)))
        canvas.text((box.xmin + 2, box.ymin + 1), box.name, fill=color)
    return image


def draw_dataset(source, kind, out, images=None):
    """Draws every annotated image of a dataset into `out` (JPEG); returns how many."""
    annotations, labels, images = load(source, kind, images)
    targets = output_paths(out, [annotation.filename for annotation in annotations], ".jpg")
    count = 0
    for annotation, target in zip(annotations, targets):
        path = safe_join(images, annotation.filename, annotation.filename)
        if not os.path.isfile(path):
            continue
        try:
            with Image.open(path) as image:
                image.load()
        except Exception as error:  # noqa: BLE001 - Pillow raises many types (a bomb, too).
            raise ValueError(f"{path}: cannot read the image ({type(error).__name__}: "
                             f"{error})"[:300]) from None
        # On the stored pixels, as LabelImg shows them: an EXIF-turned image is a
        # size_mismatch for `validate` to report, not something to hide here.
        drawn = draw_boxes(image, annotation, labels)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        drawn.save(target, quality=90)
        count += 1
    return count

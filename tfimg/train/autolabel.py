"""Auto-labelling: a trained tfimg classifier labels a folder of images, and the uncertain
ones go to a review list.

Outputs in `out`:
    labels.csv     path, label, confidence of every image decoded (best class first)
    review.csv     the images under the confidence threshold, least confident first
    errors.csv     images that could not be decoded, with the reason
and, by `kind`:
    "csv"          nothing more
    "folders"      the confident images copied into `out/<label>/` (a class-folder dataset)
    "voc"          a LabelImg VOC file per image with a whole-image box named by the
                   prediction (unverified), for review in LabelImg
"""

import csv
import io
import os
import shutil

import numpy as np
import tensorflow as tf

from tfimg import data
from tfimg.atomic import write_text
from tfimg.label import Annotation, Box, write_voc
from tfimg.label.dataset import image_files
from tfimg.label.validate import upright_size
from tfimg.models import load_model_folder

KINDS = ("csv", "folders", "voc")


def _write_csv(path, header, rows):
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(header)
    writer.writerows(rows)
    write_text(path, table.getvalue())


def auto_label(model_path, images, out, kind="csv", threshold=0.5, batch_size=64):
    """Labels every image under `images` with the model at `model_path`.

    Returns:
        {"images": n, "confident": n, "review": n, "errors": n}.
    """
    if kind not in KINDS:
        raise ValueError(f"Expected kind in {KINDS}, received {kind!r}")
    if not 0 <= threshold <= 1:
        raise ValueError(f"Expected threshold in [0, 1], received {threshold!r}")
    model, metadata = load_model_folder(model_path)
    decoder = data.Preprocessing.from_metadata(metadata).decoder()
    class_names = metadata["class_names"]
    names = image_files(images)
    labelled, errors = [], []
    # Batch by batch, so that memory holds one batch of decoded images, not the folder.
    for start in range(0, len(names), batch_size):
        chunk = []
        for name in names[start:start + batch_size]:
            try:
                chunk.append((name, data.decode_file(decoder, os.path.join(images, name))))
            except ValueError as error:
                errors.append((name, str(error)))
        if not chunk:
            continue
        scores = np.asarray(model.predict_on_batch(tf.concat([x for _, x in chunk], 0)))
        labelled += [(name, class_names[int(row.argmax())], float(row.max()))
                     for (name, _), row in zip(chunk, scores)]
    _write_csv(os.path.join(out, "labels.csv"), ["path", "label", "confidence"],
               [(name, label, f"{score:.4f}") for name, label, score in labelled])
    review = sorted((row for row in labelled if row[2] < threshold), key=lambda row: row[2])
    _write_csv(os.path.join(out, "review.csv"), ["path", "label", "confidence"],
               [(name, label, f"{score:.4f}") for name, label, score in review])
    _write_csv(os.path.join(out, "errors.csv"), ["path", "error"], errors)
    for name, label, score in labelled:
        source = os.path.join(images, name)
        if kind == "folders" and score >= threshold:
            os.makedirs(os.path.join(out, label), exist_ok=True)
            shutil.copy2(source, os.path.join(out, label, name.replace("/", "_")))
        elif kind == "voc":
            width, height = upright_size(source)
            target = os.path.join(out, os.path.splitext(name)[0] + ".xml")
            write_voc(Annotation(os.path.basename(name), width, height,
                                 [Box(label, 1, 1, width, height)],
                                 folder=os.path.basename(os.path.abspath(images)),
                                 path=os.path.abspath(source)), target)
    return {"images": len(labelled), "confident": len(labelled) - len(review),
            "review": len(review), "errors": len(errors)}

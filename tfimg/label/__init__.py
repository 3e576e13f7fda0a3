"""Labelling: label maps; Pascal VOC (exactly as LabelImg writes it), YOLO, COCO and Label
Studio box files, read safely and converted without moving a box; validation against the
images. Plain Python: no TensorFlow import.

    annotations, labels, images = tfimg.label.load("annotations/", "voc")
    tfimg.label.save(annotations, labels, "coco.json", "coco")
    report = tfimg.label.validate("annotations/", "voc")
"""

from tfimg.label.annotation import Annotation, Box
from tfimg.label.dataset import (FORMATS, convert, detect_format, load, rename_classes,
                                 save)
from tfimg.label.labelmap import LabelMap
from tfimg.label.stats import BoxStats, box_stats
from tfimg.label.validate import Report, validate
from tfimg.label.voc import parse_voc, read_voc, voc_text, write_voc

__all__ = ["Annotation", "Box", "BoxStats", "FORMATS", "LabelMap", "Report", "box_stats",
           "convert", "detect_format", "load", "parse_voc", "read_voc", "rename_classes", "save",
           "validate", "voc_text", "write_voc"]

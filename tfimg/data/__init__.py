"""The input layer: image files, manifests, TFRecords and tfds -> batches for Keras.

    files = tfimg.data.from_directory("photos/")          # or from_manifest / from_tfrecords
    splits = files.split(validation=0.1)                   # stable hash split
    train = tfimg.data.build_pipeline(splits["train"], image_size=(224, 224), shuffle=True)
    model.fit(train.dataset, ...)
"""

from tfimg.data.alternating_flip import AlternatingFlip
from tfimg.data.decode import decode_batch, decode_error_reason, decode_image
from tfimg.data.detection import detection_pipeline, from_annotations, write_detection_tfrecords
from tfimg.data.files import ImageFiles, files_for_classes, from_directory, from_manifest
from tfimg.data.pipeline import Pipeline, PipelineConfig, build_pipeline
from tfimg.data.preprocessing import Preprocessing, decode_file, load_images
from tfimg.data.scan import ScanEntry, ScanReport, scan, scan_bytes, scan_file
from tfimg.data.split import assign_split, hash_fraction
from tfimg.data.tfds_source import TfdsSource, from_tfds
from tfimg.data.tfrecord import TFRecordFiles, from_tfrecords, write_tfrecords
from tfimg.formats import DEFAULT_MAX_PIXELS, IMAGE_EXTENSIONS, sniff_format

__all__ = [
    "AlternatingFlip",
    "DEFAULT_MAX_PIXELS",
    "IMAGE_EXTENSIONS",
    "ImageFiles",
    "Pipeline",
    "PipelineConfig",
    "Preprocessing",
    "ScanEntry",
    "ScanReport",
    "TFRecordFiles",
    "TfdsSource",
    "assign_split",
    "build_pipeline",
    "decode_batch",
    "decode_error_reason",
    "decode_file",
    "decode_image",
    "detection_pipeline",
    "files_for_classes",
    "from_annotations",
    "from_directory",
    "from_manifest",
    "from_tfds",
    "from_tfrecords",
    "hash_fraction",
    "load_images",
    "scan",
    "scan_bytes",
    "scan_file",
    "sniff_format",
    "write_detection_tfrecords",
    "write_tfrecords",
]

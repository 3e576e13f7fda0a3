"""The input layer: image files, manifests, TFRecords and tfds -> batches for Keras.

    files = tfimg.data.from_directory("photos/")          # or from_manifest / from_tfrecords
    splits = files.split(validation=0.1)                   # stable hash split
    train = tfimg.data.build_pipeline(splits["train"], image_size=(224, 224), shuffle=True)
    model.fit(train.dataset, ...)

File listing, splitting and scanning are plain Python and imported at once; the names that need
TensorFlow are imported on first use, so that `tfimg scan` and other plain verbs never pay for
(or print) TensorFlow's start-up.
"""

from tfimg.data.files import ImageFiles, files_for_classes, from_directory, from_manifest
from tfimg.data.scan import ScanEntry, ScanReport, scan, scan_bytes, scan_file
from tfimg.data.split import assign_split, hash_fraction
from tfimg.formats import DEFAULT_MAX_PIXELS, IMAGE_EXTENSIONS, sniff_format
from tfimg.lazy import lazy_names

# Public name -> module, for the names that import TensorFlow.
_TENSORFLOW_NAMES = {
    "AlternatingFlip": "alternating_flip",
    "decode_batch": "decode",
    "decode_error_reason": "decode",
    "decode_image": "decode",
    "detection_pipeline": "detection",
    "from_annotations": "detection",
    "write_detection_tfrecords": "detection",
    "Pipeline": "pipeline",
    "PipelineConfig": "pipeline",
    "build_pipeline": "pipeline",
    "Preprocessing": "preprocessing",
    "decode_file": "preprocessing",
    "load_images": "preprocessing",
    "TfdsSource": "tfds_source",
    "from_tfds": "tfds_source",
    "TFRecordFiles": "tfrecord",
    "from_tfrecords": "tfrecord",
    "write_tfrecords": "tfrecord",
}

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


__getattr__ = lazy_names(__name__, _TENSORFLOW_NAMES)

"""Export: TF Serving SavedModels that take encoded image bytes, and TFLite (LiteRT) files, each
checked against the Keras model before it is put in place."""

from tfimg.export.config import ExportConfig
from tfimg.export.exporter import export, next_version
from tfimg.export.parity import THRESHOLDS, ParityError
from tfimg.export.serving import serving_archive
from tfimg.export.tflite import FlexOpsError, TfliteModel, convert

__all__ = ["ExportConfig", "FlexOpsError", "ParityError", "THRESHOLDS", "TfliteModel", "convert",
           "export", "next_version", "serving_archive"]

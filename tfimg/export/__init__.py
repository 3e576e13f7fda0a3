"""Export: TF Serving SavedModels that take encoded image bytes, and TFLite (LiteRT) files, each
checked against the Keras model before it is put in place.

`ExportConfig` is plain Python (the command line reads its defaults for its help); the other
names import TensorFlow, on first use.
"""

from tfimg.export.config import ExportConfig
from tfimg.lazy import lazy_names

# Public name -> module, for the names that import TensorFlow.
_TENSORFLOW_NAMES = {
    "export": "exporter",
    "export_folder": "exporter",
    "next_version": "exporter",
    "THRESHOLDS": "parity",
    "ParityError": "parity",
    "serving_archive": "serving",
    "FlexOpsError": "tflite",
    "TfliteModel": "tflite",
    "convert": "tflite",
}

__all__ = ["ExportConfig", "FlexOpsError", "ParityError", "THRESHOLDS", "TfliteModel", "convert",
           "export", "export_folder", "next_version", "serving_archive"]


__getattr__ = lazy_names(__name__, _TENSORFLOW_NAMES)

"""The settings of an export: defaults, then a JSON config file, then explicit values."""

import dataclasses
import os

from tfimg.settings import Settings

FORMATS = ("saved_model", "tflite")
QUANTIZATIONS = ("none", "fp16", "dynamic", "int8", "int16x8")


@dataclasses.dataclass(frozen=True)
class ExportConfig(Settings):
    """What `tfimg.export.export` does.

    Attributes:
        model: a model folder (`model.keras` + `metadata.json`) or a `tfimg train` run folder.
        format: "saved_model" (TF Serving) or "tflite" (LiteRT).
        quantize: TFLite weights and activations: "none" (float32), "fp16", "dynamic"
            (int8 weights, float activations), "int8" (full integer, int8 input and output)
            or "int16x8" (full integer with 16-bit activations, int16 input and output: for
            models whose decisions int8 activations change too often).
        out: base folder; a SavedModel goes to `out/name/version/` (TF Serving's layout, a
            folder of SavedModel versions only), a TFLite file to `out/tflite/name/version/`.
        name: model name; defaults to the model folder's name.
        version: integer version; defaults to one more than the highest in `out/name`.
        data: class folders of images for the parity check (and integer calibration), all of
            them used; defaults to the validation split of the dataset the model was trained
            on (its class folders, or its tfds split).
        parity_images: most images compared between the export and the Keras model.
        representative_images: training images that calibrate integer activations.
        allow_flex: let TFLite use TensorFlow (Flex) ops; the app must then ship the Flex
            delegate. Off: a model that needs them is refused, naming the ops.
        accept_parity_failure: keep an export that fails its parity check (parity.json then
            says "passed": false, with the failures and "accepted_by_flag": true).
    """

    model: str
    format: str = "saved_model"
    quantize: str = "none"
    out: str = "exports"
    name: str = None
    version: int = None
    data: str = None
    parity_images: int = 500
    representative_images: int = 200
    allow_flex: bool = False
    accept_parity_failure: bool = False

    def __post_init__(self):
        if not self.model:
            raise ValueError("Expected model, a model folder, received none")
        if self.format not in FORMATS:
            raise ValueError(f"Expected format in {FORMATS}, received {self.format!r}")
        if self.quantize not in QUANTIZATIONS:
            raise ValueError(f"Expected quantize in {QUANTIZATIONS}, received {self.quantize!r}")
        if self.format == "saved_model" and self.quantize != "none":
            raise ValueError(f"Expected quantize='none' for a SavedModel, received "
                             f"{self.quantize!r} (quantisation is a TFLite option)")
        if self.name is None:
            folder = os.path.abspath(self.model)
            if os.path.basename(folder) == "model":  # a run folder's model/
                folder = os.path.dirname(folder)
            object.__setattr__(self, "name", os.path.basename(folder))
        if not self.name or os.sep in self.name or self.name.startswith("."):
            raise ValueError(f"Expected a plain folder name for name, received {self.name!r}")
        if self.version is not None and self.version < 1:
            raise ValueError(f"Expected version >= 1, received {self.version!r}")
        self.require_minimum(("parity_images", "representative_images"), 1)

"""TFLite (LiteRT) conversion of a SavedModel's float signature, and running the result.

Keras 3 models no longer convert with `TFLiteConverter.from_keras_model`; the exporter writes a
SavedModel first and converts its `predict_images` signature (normalised float images in, class
scores out). Only LiteRT's builtin ops are allowed unless `allow_flex` is set, so the file runs
on any LiteRT runtime without the Flex delegate.

A quantisation-aware model (`tfimg.models.quantization`) converts to int8 from the ranges its
FakeQuant ops learned in training, without calibration images.
"""

import re
import shutil

import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from tfimg.export.serving import IMAGES_SIGNATURE, quiet_saving


INTEGER_TYPES = {"int8": tf.int8, "int16x8": tf.int16}


class FlexOpsError(ValueError):
    """The model needs TensorFlow ops that LiteRT's builtins do not have."""


def convert(saved_model_dir, quantize="none", representative_images=None, allow_flex=False,
            quantization_aware=False):
    """The TFLite flatbuffer (bytes) of `saved_model_dir`'s `predict_images` signature.

    Args:
        saved_model_dir: a SavedModel written by `tfimg.export`.
        quantize: "none" (float32), "fp16" (float16 weights), "dynamic" (int8 weights),
            "int8" (full integer: int8 weights, activations, input and output) or "int16x8"
            (full integer: int8 weights, int16 activations, input and output).
        representative_images: float32 [n, height, width, channels] normalised images that
            calibrate the int8 activation ranges (a few hundred training images).
        allow_flex: allow TensorFlow (Flex) ops where builtins are missing.
        quantization_aware: the model is quantisation-aware; only "int8" applies, and no
            representative images are needed.

    Raises:
        FlexOpsError: naming the ops, when builtins do not suffice and `allow_flex` is off.
    """
    if quantization_aware:
        return _convert_quantization_aware(saved_model_dir, quantize)
    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir,
                                                         signature_keys=[IMAGES_SIGNATURE])
    ops = tf.lite.OpsSet
    builtins = {"int8": ops.TFLITE_BUILTINS_INT8,
                "int16x8": ops.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8,
                }.get(quantize, ops.TFLITE_BUILTINS)
    converter.target_spec.supported_ops = [builtins] + (
        [tf.lite.OpsSet.SELECT_TF_OPS] if allow_flex else [])
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    if quantize in INTEGER_TYPES:
        if representative_images is None or not len(representative_images):
            raise ValueError(f"Expected representative_images for {quantize} quantisation")

        def representative():
            for image in representative_images:
                yield [image[None].astype(np.float32)]

        converter.representative_dataset = representative
        converter.inference_input_type = INTEGER_TYPES[quantize]
        converter.inference_output_type = INTEGER_TYPES[quantize]
    return _run(converter)


def _run(converter):
    try:
        return converter.convert()
    except Exception as error:  # The converter raises ConverterError and others.
        if "not supported by" in str(error) or "Flex" in str(error):
            # The converter lists them as "TF Select ops: ResizeBicubic, ..." among its lines.
            named = re.search(r"TF Select ops: ([^\n]+)", str(error))
            ops = named.group(1).strip() if named else str(error).strip().splitlines()[-1]
            raise FlexOpsError(f"The model needs TensorFlow ops that LiteRT's builtins lack: "
                               f"{ops}; export with "
                               f"--allow-flex (allow_flex=True) to include them (the app "
                               f"must then link the Flex delegate)") from None
        raise


def _freeze_images_signature(saved_model_dir, out):
    """Writes to `out` a SavedModel whose `predict_images` is that of `saved_model_dir` with
    its variables turned into constants. The converter legalises FakeQuant ops only when their
    ranges are constants; from a SavedModel it would read them from variables."""
    loaded = tf.saved_model.load(saved_model_dir)  # holds the variables while freezing
    function = loaded.signatures[IMAGES_SIGNATURE]
    frozen = convert_variables_to_constants_v2(function)
    (output_name,) = function.structured_outputs
    module = tf.Module()
    module.predict = tf.function(
        lambda images: {output_name: frozen(images=images)[0]},
        input_signature=[function.structured_input_signature[1]["images"]])
    with quiet_saving():
        tf.saved_model.save(module, out, signatures={IMAGES_SIGNATURE: module.predict})


def _convert_quantization_aware(saved_model_dir, quantize):
    if quantize != "int8":
        raise ValueError(f"A quantisation-aware model converts to int8 only, received "
                         f"quantize={quantize!r}; convert the float model it was trained from")
    frozen = saved_model_dir.rstrip("/") + ".frozen"
    try:
        _freeze_images_signature(saved_model_dir, frozen)
        converter = tf.lite.TFLiteConverter.from_saved_model(frozen,
                                                             signature_keys=[IMAGES_SIGNATURE])
        # The FakeQuant ops select the converter's quantisation-aware mode; asking for
        # TFLITE_BUILTINS_INT8 here would make it demand calibration data, so the result is
        # checked for float tensors instead.
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.inference_input_type = converter.inference_output_type = tf.int8
        content = _run(converter)
    finally:
        shutil.rmtree(frozen, ignore_errors=True)
    floats = [detail["name"] for detail in Interpreter(model_content=content).get_tensor_details()
              if detail["dtype"] == np.float32]
    if floats:
        raise ValueError(f"The int8 conversion of the quantisation-aware model kept float "
                         f"tensors {floats[:5]}: a layer is missing its activation quantizer")
    return content


class TfliteModel:
    """Runs a TFLite classifier on normalised float images, quantising the input and
    dequantising the output of an integer (int8, int16x8) model with the parameters stored in
    the file.

    Attributes:
        input_details, output_details: LiteRT's details of the signature's tensors (dtype,
            shape_signature, quantization (scale, zero point)).
    """

    def __init__(self, model_content, num_threads=None):
        self.interpreter = Interpreter(model_content=model_content, num_threads=num_threads)
        self.runner = self.interpreter.get_signature_runner(IMAGES_SIGNATURE)
        self.input_details = self.runner.get_input_details()["images"]
        self.output_details = self.runner.get_output_details()["scores"]

    def _quantize(self, images):
        dtype = self.input_details["dtype"]
        if dtype not in (np.int8, np.int16):
            return images.astype(np.float32)
        scale, zero_point = self.input_details["quantization"]
        limits = np.iinfo(dtype)
        return np.clip(np.round(images / scale + zero_point), limits.min, limits.max).astype(dtype)

    def _dequantize(self, scores):
        if self.output_details["dtype"] not in (np.int8, np.int16):
            return scores
        scale, zero_point = self.output_details["quantization"]
        return (scores.astype(np.float32) - zero_point) * scale

    def predict(self, images, batch_size=1):
        """float32 [n, height, width, channels] -> float32 [n, num_classes] scores."""
        images = np.asarray(images, np.float32)
        return np.concatenate([
            self._dequantize(self.runner(images=self._quantize(images[i:i + batch_size]))
                             ["scores"])
            for i in range(0, len(images), batch_size)])

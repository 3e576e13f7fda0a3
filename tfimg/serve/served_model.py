"""A SavedModel written by `tfimg export`, loaded for serving: its signatures, TF Serving's status
and metadata documents, and predictions on NumPy inputs."""

import io
import os

import numpy as np
import tensorflow as tf
from google.protobuf import json_format
from PIL import Image
from tensorflow.core.protobuf import saved_model_pb2


def locate_version(path):
    """(base folder, version folder, version) of the SavedModel at `path`.

    `path` is either a base folder `OUT/NAME` holding numbered version folders (the highest
    with a `saved_model.pb` is served, as TF Serving does) or one version folder.

    Raises:
        ValueError naming `path` when it holds no SavedModel (a TFLite export included).
    """
    path = os.path.abspath(path)
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        version = os.path.basename(path)
        return os.path.dirname(path), path, int(version) if version.isdigit() else 1
    if not os.path.isdir(path):
        raise ValueError(f"Expected an exported SavedModel folder, received {path!r} "
                         f"(no such folder)")
    versions = sorted((int(name) for name in os.listdir(path) if name.isdigit() and
                       os.path.isfile(os.path.join(path, name, "saved_model.pb"))), reverse=True)
    if versions:
        return path, os.path.join(path, str(versions[0])), versions[0]
    tflite = [name for name in os.listdir(path) if name.isdigit() and
              os.path.isfile(os.path.join(path, name, "model.tflite"))]
    hint = (" (it holds TFLite exports: run them with ai-edge-litert; tfimg serve serves "
            "SavedModels from `tfimg export --format saved_model`)" if tflite else
            " (export one with `tfimg export --format saved_model`)")
    raise ValueError(f"Expected a SavedModel (saved_model.pb) in {path!r} or in its numbered "
                     f"version folders{hint}")


def _signature_defs(version_folder):
    """The SignatureDefs of `saved_model.pb` as TF Serving's metadata JSON writes them."""
    saved_model = saved_model_pb2.SavedModel()
    with open(os.path.join(version_folder, "saved_model.pb"), "rb") as file:
        saved_model.ParseFromString(file.read())
    graph = json_format.MessageToDict(saved_model.meta_graphs[0],
                                      preserving_proto_field_name=True)
    return graph.get("signature_def", {})


class ServedModel:
    """One version of an exported SavedModel.

    Args:
        path: base folder or version folder (see `locate_version`).
        name: name in URLs; defaults to the base folder's name.

    Attributes:
        name, version (int), folder (the version folder), signature_defs (TF Serving JSON).
    """

    def __init__(self, path, name=None):
        base, self.folder, self.version = locate_version(path)
        self.name = name or os.path.basename(base)
        self._loaded = tf.saved_model.load(self.folder)
        self._signatures = dict(self._loaded.signatures)
        self.signature_defs = _signature_defs(self.folder)

    def signature_names(self):
        return sorted(self._signatures)

    def input_specs(self, signature_name):
        """{input name: (dtype name, shape with None for any size)} of a signature.

        Raises:
            KeyError when the model has no such signature.
        """
        specs = self._signatures[signature_name].structured_input_signature[1]
        return {name: (spec.dtype.name, tuple(spec.shape.as_list()))
                for name, spec in specs.items()}

    def predict(self, signature_name, inputs):
        """{output name: NumPy array} of a signature on {input name: NumPy array}.

        Safe to call from several threads at once. Raises `tf.errors.InvalidArgumentError` for
        inputs the graph rejects (an image that does not decode).
        """
        function = self._signatures[signature_name]
        specs = function.structured_input_signature[1]
        tensors = {name: tf.constant(value, specs[name].dtype) for name, value in inputs.items()}
        return {name: value.numpy() for name, value in function(**tensors).items()}

    def warm_up(self):
        """Runs every signature once on one small input (a PNG for string inputs), as TF
        Serving's warm-up records do, so that the first request does not wait for TensorFlow
        to optimise the graph."""
        png = io.BytesIO()
        Image.new("RGB", (8, 8), (128, 128, 128)).save(png, format="PNG")
        for name in self.signature_names():
            self.predict(name, {
                input_name: np.array([png.getvalue()], dtype=object) if dtype == "string" else
                np.zeros([1 if size is None else size for size in shape], dtype)
                for input_name, (dtype, shape) in self.input_specs(name).items()})

    def status(self):
        """TF Serving's model status document (`GET /v1/models/NAME`)."""
        return {"model_version_status": [{
            "version": str(self.version), "state": "AVAILABLE",
            "status": {"error_code": "OK", "error_message": ""}}]}

    def metadata(self):
        """TF Serving's model metadata document (`GET /v1/models/NAME/metadata`)."""
        return {"model_spec": {"name": self.name, "signature_name": "",
                               "version": str(self.version)},
                "metadata": {"signature_def": {"signature_def": self.signature_defs}}}

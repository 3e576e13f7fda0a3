"""What tfimg sees of its environment: versions, devices, optional extras."""

import importlib.metadata
import platform

EXTRAS = {
    "cv": ("opencv-python-headless",),
    "plot": ("matplotlib",),
    "notebooks": ("ipykernel", "nbmake"),
    "litert": ("ai-edge-litert",),
}


def _version(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def report():
    """A dict of versions, devices and installed extras (imports TensorFlow)."""
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "tfimg": _version("tfimg"),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "tensorflow_datasets": _version("tensorflow-datasets"),
        "built_with_cuda": tf.test.is_built_with_cuda(),
        "devices": [device.name for device in tf.config.list_physical_devices()],
        "gpu_used": bool(gpus),
        "extras": {name: all(_version(d) for d in distributions)
                   for name, distributions in EXTRAS.items()},
    }


def format_report(values):
    lines = [f"{key:20} {value}" for key, value in values.items() if key != "extras"]
    lines.append("extras               " + ", ".join(
        f"{name}: {'yes' if present else 'no'}" for name, present in values["extras"].items()))
    if not values["gpu_used"]:
        lines.append("No GPU visible: Keras will train on the CPU.")
    return "\n".join(lines)

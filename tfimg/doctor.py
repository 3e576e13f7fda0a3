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


def package_report():
    """A dict of Python, platform and package versions and installed extras, read from the
    installed distributions' metadata (imports nothing, so it answers at once)."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "tfimg": _version("tfimg"),
        "tensorflow": _version("tensorflow"),
        "keras": _version("keras"),
        "tensorflow_datasets": _version("tensorflow-datasets"),
        "extras": {name: all(_version(d) for d in distributions)
                   for name, distributions in EXTRAS.items()},
    }


def device_report():
    """A dict of the Keras backend and the devices TensorFlow sees (imports TensorFlow)."""
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return {
        "keras_backend": keras.backend.backend(),
        "built_with_cuda": tf.test.is_built_with_cuda(),
        "devices": [device.name for device in tf.config.list_physical_devices()],
        "gpu_used": bool(gpus),
    }


def report():
    """`package_report()` and `device_report()` in one dict (imports TensorFlow)."""
    return {**package_report(), **device_report()}


def format_report(values):
    """Aligned `key value` lines of a (partial) report, the extras on one line."""
    lines = [f"{key:20} {value}" for key, value in values.items() if key != "extras"]
    if "extras" in values:
        lines.append("extras               " + ", ".join(
            f"{name}: {'yes' if present else 'no'}"
            for name, present in values["extras"].items()))
    if values.get("gpu_used") is False:
        lines.append("No GPU visible: Keras will train on the CPU.")
    return "\n".join(lines)

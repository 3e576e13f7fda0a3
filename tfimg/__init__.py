"""tfimg: from raw images to trained, deployed TensorFlow/Keras image models.

Stages, each a subpackage, imported on first use so that ``import tfimg`` stays cheap and the
plain-Python stages never pull in TensorFlow::

    acquire -> label -> data -> ops -> models -> train -> export -> serve
"""

import importlib

__version__ = "0.1.0"

_SUBPACKAGES = ("data", "ops", "models", "train")

__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'tfimg' has no attribute {name!r}")

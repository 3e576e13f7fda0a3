"""Serving: TF Serving's REST API for exported SavedModels on a real ASGI server (uvicorn), and
a client that works against it and against `tensorflow/serving`."""

from tfimg.lazy import lazy_names
from tfimg.serve.client import Client, ServerError
from tfimg.serve.config import ServeConfig

__all__ = ["Client", "ServeConfig", "ServedModel", "Server", "ServerError"]

# The server side imports TensorFlow; the client and config do not, so that
# `tfimg predict --server` starts in a fraction of a second.
__getattr__ = lazy_names(__name__, {"Server": "server", "ServedModel": "served_model"})

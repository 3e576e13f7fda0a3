"""Serving: TF Serving's REST API for exported SavedModels on a real ASGI server (uvicorn), and
a client that works against it and against `tensorflow/serving`."""

from tfimg.serve.client import Client, ServerError
from tfimg.serve.config import ServeConfig

__all__ = ["Client", "ServeConfig", "ServedModel", "Server", "ServerError"]


def __getattr__(name):
    # The server side imports TensorFlow; the client and config do not, so that
    # `tfimg predict --server` starts in a fraction of a second.
    if name == "Server":
        from tfimg.serve.server import Server
        return Server
    if name == "ServedModel":
        from tfimg.serve.served_model import ServedModel
        return ServedModel
    raise AttributeError(f"module 'tfimg.serve' has no attribute {name!r}")

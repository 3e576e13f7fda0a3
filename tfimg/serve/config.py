"""The settings of a prediction server: defaults, then a JSON config file, then explicit values."""

import dataclasses

from tfimg.formats import DEFAULT_MAX_PIXELS
from tfimg.settings import Settings


@dataclasses.dataclass(frozen=True)
class ServeConfig(Settings):
    """What `tfimg serve` runs.

    Attributes:
        model: a SavedModel written by `tfimg export`: the model's base folder (`OUT/NAME`,
            whose highest numbered version is served) or one version folder (`OUT/NAME/1`).
        name: the model name in URLs; defaults to the base folder's name.
        host: address to listen on. The default takes connections from this machine only.
        port: 8501 is TF Serving's REST port.
        max_body_bytes: largest request body; larger ones get 413 without being read.
        timeout: seconds a request may take, reading its body included; then 408 or 504.
        max_concurrent: requests read or predicted at once; more get 503 with Retry-After.
        workers: threads running the model (TensorFlow already uses every core in each).
        max_batch: most images in one request.
        max_pixels: largest declared width * height of an image (decompression bombs get 400
            before any pixel is decoded).
    """

    model: str
    name: str = None
    host: str = "127.0.0.1"
    port: int = 8501
    max_body_bytes: int = 32 * 1024 * 1024
    timeout: float = 30.0
    max_concurrent: int = 8
    workers: int = 2
    max_batch: int = 256
    max_pixels: int = DEFAULT_MAX_PIXELS

    def __post_init__(self):
        if not self.model:
            raise ValueError("Expected model, an exported SavedModel folder, received none")
        if not 0 <= self.port < 65536:
            raise ValueError(f"Expected port in [0, 65535], received {self.port!r}")
        self.require_minimum(("timeout",), 0, strict=True, unit=" seconds")
        self.require_minimum(("max_body_bytes", "max_concurrent", "workers", "max_batch",
                              "max_pixels"), 1)

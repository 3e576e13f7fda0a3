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
        max_body_bytes: largest request body; larger ones get 413 (read to their end, not
            kept).
        timeout: seconds a request may take from its headers on, reading its body included;
            then 408 (body) or 504 (prediction).
        header_timeout: seconds a connection may take to send a request's line and headers;
            then it is answered 408 and closed (slowloris).
        min_upload_rate: bytes per second a body must average once it has had
            `header_timeout` seconds; slower ones get 408, so slow clients free their memory.
        max_concurrent: predictions running or waiting for a worker; more get 503 with
            Retry-After. Bodies are read before a request takes one of these slots, so slow
            uploads never hold them; bodies being read or predicted hold at most
            `max_concurrent * max_body_bytes` bytes in all, more get 503 too.
        workers: threads running the model (TensorFlow already uses every core in each).
        max_batch: most images in one request.
        max_pixels: largest declared width * height of an image (decompression bombs get 400
            before any pixel is decoded).
        max_request_pixels: largest sum of declared pixels over a request's images (many
            large images in one small request get 400 before any pixel is decoded).
        heavy_request_pixels: requests declaring more pixels than this are heavy: they run
            on `workers - 1` workers at most (others get 503 with Retry-After), so that light
            requests always find a worker.
    """

    model: str
    name: str = None
    host: str = "127.0.0.1"
    port: int = 8501
    max_body_bytes: int = 32 * 1024 * 1024
    timeout: float = 30.0
    header_timeout: float = 10.0
    min_upload_rate: int = 10_000
    max_concurrent: int = 8
    workers: int = 2
    max_batch: int = 256
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_request_pixels: int = 2 * DEFAULT_MAX_PIXELS
    heavy_request_pixels: int = 16_000_000

    def __post_init__(self):
        if not self.model:
            raise ValueError("Expected model, an exported SavedModel folder, received none")
        if not 0 <= self.port < 65536:
            raise ValueError(f"Expected port in [0, 65535], received {self.port!r}")
        self.require_minimum(("timeout", "header_timeout"), 0, strict=True, unit=" seconds")
        self.require_minimum(("max_body_bytes", "min_upload_rate", "max_concurrent", "workers",
                              "max_batch", "max_pixels", "max_request_pixels",
                              "heavy_request_pixels"), 1)

"""The ASGI application of `tfimg serve`: TF Serving's REST API over one `ServedModel`.

Routes (as TF Serving's, https://www.tensorflow.org/tfx/serving/api_rest):
    GET  /v1/models/NAME[/versions/V]            model status
    GET  /v1/models/NAME[/versions/V]/metadata   signatures
    POST /v1/models/NAME[/versions/V]:predict    predictions (row or columnar JSON)

Every answer is JSON; errors are `{"error": "..."}` with the HTTP status TF Serving uses (400
bad request, 404 unknown model or path) plus the server's own limits: 413 body too large (read
to its end and dropped), 408 body not received in time or too slowly, 503 with `Retry-After`
when `max_concurrent` predictions are already running or waiting (or bodies already hold their
memory budget), 504 prediction over the timeout.

A request's body is read whole, bounded in size, time and rate, before the request takes a
prediction slot, so slow uploads never hold one. Parsing, image checks and the model run in a
thread pool, so the event loop keeps answering (and refusing) while the model works. The model
runs `PREDICT_CHUNK` instances at a time: when the client goes away or the timeout passes, the
work stops at the next chunk, and its slot is held until then, so the bound holds.
"""

import asyncio
import concurrent.futures
import json
import logging
import re
import threading

import numpy as np
import tensorflow as tf

from tfimg.data import decode_error_reason, scan_bytes
from tfimg.serve.rest import (RequestError, check_image, format_predictions, load_request,
                              parse_inputs)

_log = logging.getLogger("tfimg.serve")
_ROUTE = re.compile(r"^/v1/models/(?P<name>[^/:]+)(?:/versions/(?P<version>[^/:]+))?"
                    r"(?:(?P<metadata>/metadata)|:(?P<verb>[a-z]+))?/?$")
RETRY_AFTER_SECONDS = 1
# Instances run through the model at once: what a cancelled request may still cost.
PREDICT_CHUNK = 16


class _Disconnected(Exception):
    """The client went away: nobody to answer."""


class _Refused(Exception):
    """A request answered with an error before its prediction runs."""

    def __init__(self, status, message, headers=()):
        super().__init__(message)
        self.response = _error(status, message, headers)


def _json(payload):
    return json.dumps(payload).encode("utf-8")


def _error(status, message, headers=()):
    return status, _json({"error": message}), tuple(headers)


def _busy(what):
    return _Refused(503, f"Server busy: {what}; retry after {RETRY_AFTER_SECONDS} s",
                    ((b"retry-after", str(RETRY_AFTER_SECONDS).encode()),))


def _declared_pixels(inputs, max_pixels):
    """The sum of the declared pixel counts of the image inputs (already checked)."""
    return sum(check_image(data, name, max_pixels) for name, values in inputs.items()
               if values.dtype == object and name.endswith("image_bytes") for data in values)


class RestApp:
    """ASGI app serving `model` with the limits of `config` (a `ServeConfig`)."""

    def __init__(self, model, config):
        self.model = model
        self.config = config
        # Read and written on the event loop only.
        self.active = 0  # predictions admitted whose thread has not finished
        self.buffered = 0  # body bytes held by requests being read or predicted
        self.budget = config.max_concurrent * config.max_body_bytes
        self._executor = concurrent.futures.ThreadPoolExecutor(
            config.workers, thread_name_prefix="tfimg-predict")
        # Heavy requests (many declared pixels) may hold all workers but one, so that light
        # ones always find a worker: a few large images must not starve everybody else.
        self._heavy = threading.BoundedSemaphore(max(1, config.workers - 1))

    def close(self):
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        try:
            status, body, headers = await self._respond(scope, receive)
        except _Disconnected:
            return
        except _Refused as refused:
            status, body, headers = refused.response
        except Exception as error:  # the server answers whatever happens
            _log.exception("Unexpected error on %s %s", scope["method"], scope["path"])
            status, body, headers = _error(500, f"Internal error: {type(error).__name__}: "
                                                f"{error}")
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            *headers]})
        await send({"type": "http.response.body", "body": body})

    async def _respond(self, scope, receive):
        route = _ROUTE.match(scope["path"])
        if route is None:
            return _error(404, f"Not found: {scope['path']} (TF Serving's REST API: "
                               f"/v1/models/NAME[/versions/V][/metadata|:predict])")
        if route["name"] != self.model.name:
            return _error(404, f"Servable not found for request: model {route['name']!r} "
                               f"(serving {self.model.name!r})")
        if route["version"] is not None and route["version"] != str(self.model.version):
            return _error(404, f"Servable not found for request: {self.model.name!r} version "
                               f"{route['version']!r} (serving version {self.model.version})")
        method, verb = scope["method"], route["verb"]
        if verb is None:
            if method != "GET":
                return _error(405, f"Expected GET for {scope['path']}, received {method}")
            document = self.model.metadata() if route["metadata"] else self.model.status()
            return 200, _json(document), ()
        if verb != "predict":
            return _error(400, f"Only :predict is served (the export has no classify or "
                               f"regress signature), received :{verb}")
        if method != "POST":
            return _error(405, f"Expected POST for :predict, received {method}")
        return await self._predict(scope, receive)

    async def _predict(self, scope, receive):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.timeout
        body = await self._read_body(scope, receive, deadline)
        if self.active >= self.config.max_concurrent:
            self.buffered -= len(body)
            raise _busy(f"{self.active} predictions running or waiting")
        self.active += 1
        cancelled = threading.Event()
        work = loop.run_in_executor(self._executor, self._run, body, cancelled)
        work.add_done_callback(lambda _: self._release(len(body)))
        # After the body, the only message left is http.disconnect: the client went away.
        gone = asyncio.ensure_future(receive())
        try:
            done, _ = await asyncio.wait({work, gone}, timeout=max(deadline - loop.time(), 0),
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
        if work in done:
            return work.result()
        cancelled.set()  # the thread stops at its next chunk, then frees the slot
        if gone in done:
            raise _Disconnected()
        return _error(504, f"Prediction did not finish within {self.config.timeout} s")

    def _release(self, size):
        self.active -= 1
        self.buffered -= size

    async def _read_body(self, scope, receive, deadline):
        """The whole body, its bytes counted in `self.buffered` (the caller gives them back).

        A body must arrive by `deadline` and, once it has had `header_timeout` seconds, at an
        average of at least `min_upload_rate` bytes per second: 408 otherwise. A body over
        `max_body_bytes` (413), or one that would take `buffered` over its budget (503), is
        still read to its end, without being kept: a server that answers before the client has
        sent everything resets the connection, and the client never sees why.
        """
        config, loop = self.config, asyncio.get_running_loop()
        declared = int(dict(scope["headers"]).get(b"content-length", 0))
        start, chunks, size, refusal = loop.time(), [], 0, None
        try:
            while True:
                slow = start + config.header_timeout + size / config.min_upload_rate
                try:
                    message = await asyncio.wait_for(
                        receive(), max(min(deadline, slow) - loop.time(), 0))
                except asyncio.TimeoutError:
                    raise refusal or self._late(declared, size, loop.time() - start,
                                                slow < deadline) from None
                if message["type"] == "http.disconnect":
                    raise _Disconnected()
                chunk = message.get("body", b"")
                size += len(chunk)
                if refusal is None and size > config.max_body_bytes:
                    refusal = self._too_large(declared)
                elif refusal is None and self.buffered + len(chunk) > self.budget:
                    refusal = _busy(f"request bodies hold {self.buffered} bytes")
                if refusal is None:
                    chunks.append(chunk)
                    self.buffered += len(chunk)
                if not message.get("more_body"):
                    if refusal is not None:
                        raise refusal
                    return b"".join(chunks)
        except BaseException:
            self.buffered -= sum(len(chunk) for chunk in chunks)
            raise

    def _too_large(self, declared):
        size = f" of {declared} bytes" if declared else ""
        return _Refused(413, f"Request body{size} is over the limit of "
                             f"{self.config.max_body_bytes} bytes")

    def _late(self, declared, size, elapsed, too_slow):
        if declared > self.config.max_body_bytes:
            return self._too_large(declared)
        if too_slow:
            return _Refused(408, f"Request body arrived at under {self.config.min_upload_rate} "
                                 f"bytes/s ({size} bytes in {elapsed:.1f} s)")
        return _Refused(408, f"Request body not received within {self.config.timeout} s")

    def _run(self, body, cancelled):
        """Parse, check, predict and encode, on a worker thread: (status, body, headers), or
        None when `cancelled` was set before the prediction finished."""
        if cancelled.is_set():
            return None
        try:
            request = load_request(body)
            signature = request["signature_name"]
            if signature not in self.model.signature_names():
                raise RequestError(f"Serving signature name: {signature!r} not found in "
                                   f"signature def (found {self.model.signature_names()})")
            config = self.config
            rows, inputs = parse_inputs(request, self.model.input_specs(signature),
                                        config.max_batch, config.max_pixels,
                                        config.max_request_pixels)
            heavy = _declared_pixels(inputs, config.max_pixels) > config.heavy_request_pixels
            if heavy and not self._heavy.acquire(blocking=False):
                return _busy(f"requests of over {config.heavy_request_pixels} pixels take "
                             f"{max(1, config.workers - 1)} of {config.workers} workers at "
                             f"most").response
            try:
                outputs = self._predict_chunks(signature, inputs, rows, cancelled)
            finally:
                if heavy:
                    self._heavy.release()
        except RequestError as error:
            return _error(error.status, str(error))
        if outputs is None:
            return None
        return 200, format_predictions(outputs, rows), ()

    def _predict_chunks(self, signature, inputs, rows, cancelled):
        """{output name: NumPy array} of the model on `inputs`, `PREDICT_CHUNK` instances at a
        time; None once `cancelled` is set.

        Raises:
            RequestError naming the instance that does not decode, and why.
        """
        count = len(next(iter(inputs.values())))
        parts = []
        for start in range(0, count, PREDICT_CHUNK):
            if cancelled.is_set():
                return None
            chunk = {name: value[start:start + PREDICT_CHUNK] for name, value in inputs.items()}
            try:
                parts.append(self.model.predict(signature, chunk))
            except tf.errors.InvalidArgumentError as error:
                raise RequestError(self._explain(chunk, start, rows, error)) from None
        return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}

    def _explain(self, chunk, start, rows, error):
        """What the graph refused: the first image instance of `chunk` the scanner finds bad
        (truncated, an animation, ...), else TensorFlow's reason."""
        where = "instances" if rows else "inputs"
        for name, values in chunk.items():
            if values.dtype != object or not name.endswith("image_bytes"):
                continue
            for offset, data in enumerate(values):
                entry = scan_bytes(data, max_pixels=self.config.max_pixels)
                if entry.status != "ok":
                    return f"{where}[{start + offset}]: {entry.status}: {entry.reason}"
        return f"Could not run the model on the inputs: {decode_error_reason(error)}"

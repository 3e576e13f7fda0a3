"""The ASGI application of `tfimg serve`: TF Serving's REST API over one `ServedModel`.

Routes (as TF Serving's, https://www.tensorflow.org/tfx/serving/api_rest):
    GET  /v1/models/NAME[/versions/V]            model status
    GET  /v1/models/NAME[/versions/V]/metadata   signatures
    POST /v1/models/NAME[/versions/V]:predict    predictions (row or columnar JSON)

Every answer is JSON; errors are `{"error": "..."}` with the HTTP status TF Serving uses (400
bad request, 404 unknown model or path) plus the server's own limits: 413 body too large (read
to its end and dropped), 408 body not received in time, 503 with `Retry-After` when
`max_concurrent` predictions are already running or waiting, 504 prediction over the timeout.
Parsing, image checks and the model run in a thread pool, so the event loop keeps answering
(and refusing) while the model works; a timed-out prediction keeps its concurrency slot until
its thread finishes, so the bound holds.
"""

import asyncio
import concurrent.futures
import json
import logging
import re

import tensorflow as tf

from tfimg.serve.rest import RequestError, format_predictions, load_request, parse_inputs

_log = logging.getLogger("tfimg.serve")
_ROUTE = re.compile(r"^/v1/models/(?P<name>[^/:]+)(?:/versions/(?P<version>[^/:]+))?"
                    r"(?:(?P<metadata>/metadata)|:(?P<verb>[a-z]+))?/?$")
RETRY_AFTER_SECONDS = 1


class _Disconnected(Exception):
    """The client went away before its request was read: nobody to answer."""


def _json(payload):
    return json.dumps(payload).encode("utf-8")


def _error(status, message):
    return status, _json({"error": message}), ()


class RestApp:
    """ASGI app serving `model` with the limits of `config` (a `ServeConfig`)."""

    def __init__(self, model, config):
        self.model = model
        self.config = config
        self.active = 0  # predictions admitted and not finished (read on the event loop only)
        self._executor = concurrent.futures.ThreadPoolExecutor(
            config.workers, thread_name_prefix="tfimg-predict")

    def close(self):
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        try:
            status, body, headers = await self._respond(scope, receive)
        except _Disconnected:
            return
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
        if self.active >= self.config.max_concurrent:
            return (503, _json({"error": f"Server busy: {self.active} predictions running or "
                                         f"waiting; retry after {RETRY_AFTER_SECONDS} s"}),
                    ((b"retry-after", str(RETRY_AFTER_SECONDS).encode()),))
        self.active += 1
        try:
            return await self._predict(scope, receive)
        finally:
            self.active -= 1

    async def _predict(self, scope, receive):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.timeout
        declared = int(dict(scope["headers"]).get(b"content-length", 0))
        size = f" of {declared} bytes" if declared else ""
        too_large = _error(413, f"Request body{size} is over the limit of "
                                f"{self.config.max_body_bytes} bytes")
        try:
            body = await asyncio.wait_for(self._read_body(receive), self.config.timeout)
        except asyncio.TimeoutError:
            if declared > self.config.max_body_bytes:
                return too_large
            return _error(408, f"Request body not received within {self.config.timeout} s")
        if body is None:
            return too_large
        work = loop.run_in_executor(self._executor, self._run, body)
        try:
            # shield: a timed-out prediction still runs to its end and holds its slot until
            # then, so `active` counts the threads really busy.
            return await asyncio.wait_for(asyncio.shield(work), deadline - loop.time())
        except asyncio.TimeoutError:
            self.active += 1
            work.add_done_callback(lambda _: self._release())
            return _error(504, f"Prediction did not finish within {self.config.timeout} s")

    def _release(self):
        self.active -= 1

    async def _read_body(self, receive):
        """The body, or None when it is over the limit. An oversized body is still read to its
        end (and dropped, so memory stays bounded): a server that answers before the client
        has sent everything resets the connection, and the client never sees the 413."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= self.config.max_body_bytes:
                chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks) if size <= self.config.max_body_bytes else None

    def _run(self, body):
        """Parse, check, predict and encode, on a worker thread: (status, body, headers)."""
        try:
            request = load_request(body)
            signature = request["signature_name"]
            if signature not in self.model.signature_names():
                raise RequestError(f"Serving signature name: {signature!r} not found in "
                                   f"signature def (found {self.model.signature_names()})")
            rows, inputs = parse_inputs(request, self.model.input_specs(signature),
                                        self.config.max_batch, self.config.max_pixels)
            outputs = self.model.predict(signature, inputs)
        except RequestError as error:
            return _error(error.status, str(error))
        except tf.errors.InvalidArgumentError as error:
            return _error(400, f"Could not run the model on the inputs: "
                               f"{error.message.splitlines()[0]}")
        return 200, format_predictions(outputs, rows), ()

"""A client of TF Serving's REST API: works with `tfimg serve` and with `tensorflow/serving`.

Plain Python (urllib); no TensorFlow.
"""

import base64
import json
import math
import os
import random
import time
import urllib.error
import urllib.request


class ServerError(RuntimeError):
    """An error answer: `status` is the HTTP status, the message the server's `error`."""

    def __init__(self, status, message):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


def backoff_delay(attempt, retry_after=0.0, base=0.5, cap=30.0, rng=random):
    """Seconds to wait before retry number `attempt` (0 for the first) of a refused request:
    the server's Retry-After (at most `cap`) plus a "full jitter" exponential backoff, uniform
    in [0, min(cap, base * 2 ** attempt)] (M. Brooker, "Exponential Backoff And Jitter", AWS
    Architecture Blog, 2015), so that clients refused together do not retry together.

    Args:
        attempt: 0, 1, 2 ... for the first, second, third retry.
        retry_after: seconds the server asked for (its Retry-After header); 0 when none.
        base: the backoff window of the first retry, in seconds; it doubles with each retry.
        cap: longest backoff window, and longest Retry-After honoured, in seconds.
        rng: a `random.Random` (or the `random` module) drawing the jitter.
    """
    return min(retry_after, cap) + rng.uniform(0, min(cap, base * 2 ** attempt))


def _retry_after(value):
    """Seconds of a Retry-After header: a number of seconds; 0 when absent or an HTTP date."""
    try:
        seconds = float(value) if value else 0.0
    except ValueError:
        return 0.0
    return seconds if math.isfinite(seconds) and seconds > 0 else 0.0


class Client:
    """Predictions of one served model.

    Args:
        url: the server, e.g. "http://127.0.0.1:8501".
        model: the model name in URLs.
        version: a version number; None asks for the one served by default (the latest).
        timeout: seconds per request.
        retries: times a 503 (server busy) is retried, after the server's Retry-After plus a
            jittered exponential backoff (`backoff_delay`).
        backoff: the backoff window of the first retry in seconds; it doubles with each retry.
        rng: a `random.Random` drawing the jitter; None for a fresh one.
    """

    def __init__(self, url, model, version=None, timeout=60.0, retries=3, backoff=0.5,
                 rng=None):
        path = f"/v1/models/{model}" + (f"/versions/{version}" if version is not None else "")
        self.base = url.rstrip("/") + path
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._random = rng or random.Random()

    def _request(self, url, body=None):
        request = urllib.request.Request(url, data=body, headers={
            "Content-Type": "application/json"} if body is not None else {})
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.load(response)
            except urllib.error.HTTPError as error:
                text = error.read().decode("utf-8", "replace")
                try:
                    message = json.loads(text)["error"]
                except (ValueError, KeyError, TypeError):
                    message = text or error.reason
                if error.code != 503 or attempt == self.retries:
                    raise ServerError(error.code, message) from None
                time.sleep(backoff_delay(attempt, _retry_after(error.headers.get("Retry-After")),
                                         self.backoff, rng=self._random))

    def status(self):
        """The model's version status document."""
        return self._request(self.base)

    def metadata(self):
        """The model's signatures (TF Serving's metadata document)."""
        return self._request(self.base + "/metadata")

    def predict(self, images, signature_name="serving_default", columnar=False):
        """Scores and class names of encoded images.

        Args:
            images: a list of encoded image bytes or image file paths.
            signature_name: the SavedModel signature taking `image_bytes`.
            columnar: send `{"inputs": ...}` instead of `{"instances": [...]}`.

        Returns:
            One dict per image: {"scores": [...], "classes": [...]}.

        Raises:
            ServerError with the server's status and message.
        """
        values = [{"b64": base64.b64encode(_read(image)).decode("ascii")} for image in images]
        request = {"signature_name": signature_name,
                   **({"inputs": values} if columnar else {"instances": values})}
        answer = self._request(self.base + ":predict", json.dumps(request).encode("utf-8"))
        if not columnar:
            return answer["predictions"]
        outputs = answer["outputs"]
        return [{name: value[i] for name, value in outputs.items()} for i in range(len(images))]

    def classify(self, images, top_k=5):
        """The top-k (class name, score) pairs of each image, best first."""
        results = []
        for prediction in self.predict(images):
            ranked = sorted(zip(prediction["scores"], prediction["classes"]), reverse=True)
            results.append([(name, score) for score, name in ranked[:top_k]])
        return results


def _read(image):
    if isinstance(image, (bytes, bytearray)):
        return bytes(image)
    if isinstance(image, (str, os.PathLike)):
        with open(image, "rb") as file:
            return file.read()
    raise TypeError(f"Expected image bytes or a file path, received {type(image).__name__}")

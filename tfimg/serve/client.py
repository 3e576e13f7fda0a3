"""A client of TF Serving's REST API: works with `tfimg serve` and with `tensorflow/serving`.

Plain Python (urllib); no TensorFlow.
"""

import base64
import json
import os
import time
import urllib.error
import urllib.request


class ServerError(RuntimeError):
    """An error answer: `status` is the HTTP status, the message the server's `error`."""

    def __init__(self, status, message):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


class Client:
    """Predictions of one served model.

    Args:
        url: the server, e.g. "http://127.0.0.1:8501".
        model: the model name in URLs.
        version: a version number; None asks for the one served by default (the latest).
        timeout: seconds per request.
        retries: times a 503 (server busy) is retried, after the server's Retry-After.
    """

    def __init__(self, url, model, version=None, timeout=60.0, retries=3):
        path = f"/v1/models/{model}" + (f"/versions/{version}" if version is not None else "")
        self.base = url.rstrip("/") + path
        self.timeout = timeout
        self.retries = retries

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
                time.sleep(float(error.headers.get("Retry-After") or 1))

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

"""`tfimg serve` on 127.0.0.1: a real uvicorn server over a real export of a trained model,
answering TF Serving's REST API, good and hostile requests alike."""

import base64
import concurrent.futures
import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfimg.cli import main
from tfimg.export import ExportConfig, export
from tfimg.serve import Client, ServeConfig, Server, ServerError
from tfimg.train.predict import predict

from tests.data.hostile import bomb_png


@pytest.fixture(scope="module")
def server(exported):
    config = ServeConfig(model=exported[1], port=0, max_body_bytes=2 * 1024 * 1024,
                         max_concurrent=2, workers=1, max_batch=64)
    with Server(config, log_level="warning") as running:
        yield running


@pytest.fixture(scope="module")
def images(digits):
    """Six digit images as JPEG and PNG bytes (three of each) and their paths."""
    paths = sorted(str(path) for path in digits.glob("*/*.png"))[::20][:6]
    encoded = []
    for i, path in enumerate(paths):
        if i % 2:
            encoded.append(open(path, "rb").read())
        else:
            out = io.BytesIO()
            Image.open(path).convert("RGB").save(out, format="JPEG", quality=95)
            encoded.append(out.getvalue())
    return paths, encoded


def _b64(data):
    return {"b64": base64.b64encode(data).decode("ascii")}


def _truncated_jpeg():
    out = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(out, format="JPEG")
    return out.getvalue()[:2000]


def _png(side):
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 100, 50)).save(out, format="PNG")
    return out.getvalue()


def _animated_webp():
    out = io.BytesIO()
    frames = [Image.new("RGB", (16, 16), (i * 80, 0, 0)) for i in range(3)]
    frames[0].save(out, format="WEBP", save_all=True, append_images=frames[1:], duration=50)
    return out.getvalue()


def _call(url, body=None, method=None, timeout=60):
    """(status, JSON answer, headers) of one request; `body` is a JSON value or raw bytes."""
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def _predict_url(server):
    return f"{server.url}/v1/models/digits:predict"


def test_status_and_metadata_are_tf_servings_documents(server):
    status, answer, _ = _call(f"{server.url}/v1/models/digits")
    assert status == 200
    assert answer == {"model_version_status": [{"version": "1", "state": "AVAILABLE", "status": {
        "error_code": "OK", "error_message": ""}}]}
    status, answer, _ = _call(f"{server.url}/v1/models/digits/versions/1/metadata")
    assert status == 200 and answer["model_spec"] == {"name": "digits", "signature_name": "",
                                                      "version": "1"}
    signatures = answer["metadata"]["signature_def"]["signature_def"]
    default = signatures["serving_default"]
    assert default["inputs"]["image_bytes"]["dtype"] == "DT_STRING"
    assert set(default["outputs"]) == {"scores", "classes"}
    assert default["method_name"] == "tensorflow/serving/predict"
    assert signatures["predict_images"]["inputs"]["images"]["tensor_shape"]["dim"][1:] == [
        {"size": "24"}, {"size": "24"}, {"size": "3"}]


def test_predictions_in_both_formats_match_the_saved_model(server, exported, images):
    _, encoded = images
    loaded = tf.saved_model.load(os.path.join(exported[1], "1"))
    expected = loaded.signatures["serving_default"](image_bytes=tf.constant(encoded))
    status, rows, _ = _call(_predict_url(server), {"instances": [_b64(e) for e in encoded]})
    assert status == 200 and len(rows["predictions"]) == 6
    np.testing.assert_allclose([row["scores"] for row in rows["predictions"]],
                               expected["scores"].numpy(), atol=1e-6)
    assert rows["predictions"][0]["classes"] == [str(i) for i in range(10)]
    status, columns, _ = _call(_predict_url(server), {
        "signature_name": "serving_default", "inputs": {"image_bytes": [_b64(e) for e in encoded]}})
    assert status == 200
    np.testing.assert_allclose(columns["outputs"]["scores"], expected["scores"].numpy(), atol=1e-6)


def test_client_and_predict_server_agree_with_tfimg_predict(server, exported, images, capsys):
    paths, _ = images
    client = Client(server.url, "digits")
    assert client.status()["model_version_status"][0]["state"] == "AVAILABLE"
    local = predict(exported[0], paths, top_k=3)
    served = client.classify(paths, top_k=3)
    assert [[name for name, _ in top] for top in served] == [[n for n, _ in top] for top in local]
    np.testing.assert_allclose([[s for _, s in top] for top in served],
                               [[s for _, s in top] for top in local], atol=1e-5)
    rows, columns = client.predict(paths), client.predict(paths, columnar=True)
    np.testing.assert_allclose([r["scores"] for r in rows], [c["scores"] for c in columns])
    assert main(["predict", "--server", server.url, "--model", "digits", "--top", "1",
                 *paths]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[1].split()[0] for line in printed] == [top[0][0] for top in local]
    with pytest.raises(ServerError, match="HTTP 404: Servable not found"):
        Client(server.url, "cats").status()
    assert main(["predict", "--server", server.url, "--model", "cats", paths[0]]) == 1


def test_float_signature_takes_preprocessed_images(server):
    images = np.zeros((2, 24, 24, 3), np.float32)
    status, answer, _ = _call(_predict_url(server), {
        "signature_name": "predict_images", "inputs": images.tolist()})
    assert status == 200 and np.array(answer["outputs"]).shape == (2, 10)
    status, answer, _ = _call(_predict_url(server), {
        "signature_name": "predict_images", "instances": np.zeros((1, 8, 8, 3)).tolist()})
    assert status == 400 and "expected shape (-1, 24, 24, 3)" in answer["error"]


@pytest.mark.parametrize("body, status, message", [
    ({"instances": [{"b64": "not base64!"}]}, 400, r"instances\[0\].b64: invalid base64"),
    ({"instances": [_b64(b"GIF89a but not really")]}, 400, r"instances\[0\]: corrupt GIF"),
    ({"instances": [_b64(_png(8)), _b64(_truncated_jpeg())]}, 400,
     r"instances\[1\]: corrupt: .*truncated"),
    ({"instances": [_b64(_animated_webp())]}, 400, r"instances\[0\]: unsupported: animated WebP"),
    ({"instances": [_b64(b"%PDF-1.4 hello")]}, 400, r"instances\[0\]: not an image"),
    ({"instances": [_b64(bomb_png())]}, 400, r"instances\[0\]: declared"),
    (b'{"instances": [', 400, "Malformed JSON"),
    (b"\x89PNG not json", 400, "Malformed JSON"),
    ({"instances": [_b64(b"x")] * 65}, 400, "65 instances is over the limit of 64"),
    ({"signature_name": "classify", "instances": [_b64(b"x")]}, 400, "'classify' not found"),
    (b"x" * (3 * 1024 * 1024), 413, "over the limit of 2097152 bytes"),
])
def test_hostile_requests_get_json_errors_and_the_server_lives_on(server, images, body, status,
                                                                  message):
    got, answer, _ = _call(_predict_url(server), body)
    assert got == status and re.search(message, answer["error"]), answer
    good, answer, _ = _call(_predict_url(server), {"instances": [_b64(images[1][0])]})
    assert good == 200 and len(answer["predictions"]) == 1


@pytest.mark.parametrize("path, method, status", [
    ("/v1/models/cats", "GET", 404), ("/v1/models/digits/versions/7", "GET", 404),
    ("/v2/anything", "GET", 404), ("/v1/models/digits:predict", "GET", 405),
    ("/v1/models/digits", "POST", 405), ("/v1/models/digits:classify", "POST", 400)])
def test_unknown_paths_and_methods(server, path, method, status):
    got, answer, _ = _call(server.url + path, b"{}" if method == "POST" else None, method)
    assert got == status and answer["error"]


def test_a_streamed_body_over_the_limit_is_cut_off(server):
    """Chunked transfer has no Content-Length: the server counts while reading."""
    connection = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
    chunks = (b"x" * 65536 for _ in range(64))  # 4 MiB
    connection.request("POST", "/v1/models/digits:predict", body=chunks,
                       encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 413 and "over the limit" in json.load(response)["error"]
    connection.close()


def test_a_flood_gets_503_with_retry_after_and_then_service(server, images):
    body = {"instances": [_b64(images[1][0])] * 64}

    def post(_):
        return _call(_predict_url(server), body)

    with concurrent.futures.ThreadPoolExecutor(24) as pool:
        answers = list(pool.map(post, range(48)))
    statuses = [status for status, _, _ in answers]
    assert set(statuses) == {200, 503}, statuses
    for status, answer, headers in answers:
        if status == 503:
            assert headers["Retry-After"] == "1" and "Server busy" in answer["error"]
        else:
            assert len(answer["predictions"]) == 64
    assert _call(_predict_url(server), {"instances": [_b64(images[1][0])]})[0] == 200


def test_slow_bodies_and_slow_predictions_time_out(exported, tmp_path):
    big = io.BytesIO()
    gradient = np.linspace(0, 255, 1024 * 1024 * 3).reshape(1024, 1024, 3).astype(np.uint8)
    Image.fromarray(gradient).save(big, format="PNG")  # JPEGs decode too fast: DCT scaling
    config = ServeConfig(model=exported[1], port=0, timeout=0.4, workers=2)
    with Server(config, log_level="warning") as running:
        host, port = running.url[len("http://"):].rsplit(":", 1)
        with socket.create_connection((host, int(port))) as slow:
            slow.sendall(b"POST /v1/models/digits:predict HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
            answer = slow.makefile("rb").read()
        assert b" 408 " in answer.split(b"\r\n")[0] and b"not received within 0.4 s" in answer
        status, answer, _ = _call(_predict_url(running), {
            "instances": [_b64(big.getvalue())] * 128})
        assert status == 504 and "did not finish within 0.4 s" in answer["error"]
        deadline = time.monotonic() + 30
        while _call(_predict_url(running), {"instances": [_b64(big.getvalue())]})[0] != 200:
            assert time.monotonic() < deadline, "the server did not recover after a timeout"


def test_tfimg_serve_runs_as_a_process_and_stops_on_sigterm(exported, images, tmp_path):
    command = [os.path.join(os.path.dirname(sys.executable), "tfimg"), "serve", "--model",
               os.path.join(exported[1], "1"), "--port", "0"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for line in process.stderr:
            found = re.search(r"at (http://127\.0\.0\.1:\d+)/v1/models/digits", line)
            if found:
                url = found.group(1)
                break
        assert url, "tfimg serve did not report its address"
        # The log line comes before uvicorn accepts; the client retries a refused connection.
        deadline = time.monotonic() + 30
        while True:
            try:
                served = Client(url, "digits").classify([images[0][0]], top_k=1)
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert served[0][0][0] == predict(exported[0], [images[0][0]], top_k=1)[0][0][0]
    finally:
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down cleanly, then re-raises the signal so that the exit status says
        # what stopped it.
        assert process.wait(timeout=30) == -signal.SIGTERM
    assert "Finished server process" in process.stderr.read()


def test_a_tflite_export_is_refused_with_a_hint(exported, digits, tmp_path):
    export(ExportConfig(model=exported[0], data=str(digits), name="lite", out=str(tmp_path),
                        format="tflite", parity_images=20))
    with pytest.raises(ValueError, match="holds TFLite exports"):
        Server(ServeConfig(model=str(tmp_path / "tflite" / "lite"), port=0))


def test_settings_and_folders_are_checked(tmp_path):
    for values, message in [({"model": ""}, "Expected model"),
                            ({"model": "m", "port": 70000}, "port in"),
                            ({"model": "m", "timeout": 0}, "timeout > 0"),
                            ({"model": "m", "max_concurrent": 0}, "max_concurrent >= 1"),
                            ({"model": "m", "header_timeout": 0}, "header_timeout > 0"),
                            ({"model": "m", "min_upload_rate": 0}, "min_upload_rate >= 1"),
                            ({"model": "m", "max_request_pixels": 0},
                             "max_request_pixels >= 1")]:
        with pytest.raises(ValueError, match=message):
            ServeConfig(**values)
    with pytest.raises(ValueError, match="no such folder"):
        Server(ServeConfig(model=str(tmp_path / "missing"), port=0))
    (tmp_path / "empty" / "1").mkdir(parents=True)
    with pytest.raises(ValueError, match="export one with"):
        Server(ServeConfig(model=str(tmp_path / "empty"), port=0))
    assert main(["serve", "--model", str(tmp_path / "empty"), "--port", "0"]) == 2

"""`tfimg serve` against slow, heavy, broken and vanishing clients, on real sockets on 127.0.0.1:
slow uploads never hold prediction slots, connections that dawdle are cut, every refusal is
TF Serving's JSON, and work whose client has gone stops."""

import base64
import io
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from tfimg.serve import ServeConfig, Server

PREDICT = "/v1/models/digits:predict"


def _png(size, value=128):
    out = io.BytesIO()
    Image.new("RGB", size, (value, value, value)).save(out, format="PNG")
    return out.getvalue()


def _body(images):
    return json.dumps({"instances": [{"b64": base64.b64encode(image).decode("ascii")}
                                     for image in images]}).encode()


GOOD = _body([_png((8, 8))])


def _call(server, body, timeout=60):
    """(status, JSON answer) of one POST to :predict."""
    request = urllib.request.Request(server.url + PREDICT, data=body)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _address(server):
    host, port = server.url[len("http://"):].rsplit(":", 1)
    return host, int(port)


def _parse(data):
    """(status, JSON body, headers text) of one raw response; (None, None, "") for nothing."""
    if not data:
        return None, None, ""
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body), head.decode("latin-1").lower()


def _head(length):
    return (f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Connection: close\r\nContent-Length: {length}\r\n\r\n").encode()


class _Trickle(threading.Thread):
    """A client sending `first`, then one byte of `more` every `interval` seconds until the
    server answers or closes; `answer` is (status, JSON, headers), `elapsed` its time."""

    def __init__(self, address, first, more=b" ", interval=0.1):
        super().__init__(daemon=True)
        self.address, self.first, self.more, self.interval = address, first, more, interval
        self.answer, self.elapsed = (None, None, ""), None

    def run(self):
        start, received = time.monotonic(), b""
        with socket.create_connection(self.address) as sock:
            sock.sendall(self.first)
            sock.settimeout(self.interval)
            while True:
                try:
                    data = sock.recv(65536)
                    if not data:
                        break
                    received += data
                except socket.timeout:
                    try:
                        sock.sendall(self.more)
                    except OSError:
                        break
                except OSError:
                    break
        self.answer, self.elapsed = _parse(received), time.monotonic() - start


def _raw(server, data, timeout=10):
    """What the server answers to `data` sent as is, read until it closes."""
    with socket.create_connection(_address(server), timeout=timeout) as sock:
        sock.sendall(data)
        return _parse(sock.makefile("rb").read())


@pytest.fixture(scope="module")
def guarded(exported):
    config = ServeConfig(model=exported[1], port=0, max_concurrent=2, workers=1, timeout=20,
                         header_timeout=5, min_upload_rate=100, max_pixels=1_000_000,
                         max_request_pixels=4_000_000)
    with Server(config, log_level="warning") as running:
        yield running


def test_slow_and_heavy_clients_do_not_starve_a_good_one(guarded):
    """8 slow uploads, 8 slow headers and 2 requests of 200 large (declared) images in flight,
    with 2 prediction slots: a good request still gets its answer within 2 s."""
    address = _address(guarded)
    slow_bodies = [_Trickle(address, _head(1000) + b"{") for _ in range(8)]
    slow_headers = [_Trickle(address, f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode(),
                             b"a") for _ in range(8)]
    heavy = [None, None]

    def post_heavy(index):
        heavy[index] = _call(guarded, _body([_png((1000, 1000), 0)] * 200))

    heavy_threads = [threading.Thread(target=post_heavy, args=(i,)) for i in range(2)]
    for client in slow_bodies + slow_headers + heavy_threads:
        client.start()
    time.sleep(1)
    start = time.monotonic()
    status, answer = _call(guarded, GOOD)
    assert status == 200 and len(answer["predictions"]) == 1
    assert time.monotonic() - start < 2
    for client in slow_bodies + slow_headers + heavy_threads:
        client.join(15)
        assert not client.is_alive()
    for status, answer in heavy:
        assert status == 400 and re.search(r"instances\[4\]: the images up to this one declare "
                                           r"5000000 pixels, over the limit of 4000000",
                                           answer["error"])
    for client in slow_bodies:
        status, answer, _ = client.answer
        assert status == 408 and "arrived at under 100 bytes/s" in answer["error"]
        assert client.elapsed < 10
    for client in slow_headers:
        status, answer, headers = client.answer
        assert status == 408 and "application/json" in headers
        assert answer == {"error": "Request line and headers not received within 5 s"}


@pytest.mark.parametrize("data, message", [
    (b"NOT AN HTTP REQUEST\r\n\r\n", "Invalid HTTP request"),
    (f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n".encode(), "Invalid"),
    (b"GET /v1/models/digits HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000,  # no end
     "Invalid"),
    (b"GET /v1/models/digits HTTP/1.1\r\n\r\n", "Invalid"),  # HTTP/1.1 without Host
    (_head(100_000) + b"[" * 100_000, "Malformed JSON request body: nested too deeply"),
    (_head(5017) + b'{"instances": [' + b"1" * 5000 + b"]}",  # 5017 bytes
     "Malformed JSON request body: Exceeds the limit (4300 digits)"),
])
def test_protocol_errors_get_a_json_400(guarded, data, message):
    status, answer, headers = _raw(guarded, data)
    assert status == 400 and "content-type: application/json" in headers
    assert message in answer["error"], answer
    assert _call(guarded, GOOD)[0] == 200


@pytest.fixture(scope="module")
def strict(exported):
    config = ServeConfig(model=exported[1], port=0, max_concurrent=1, workers=1, timeout=10,
                         header_timeout=0.5, min_upload_rate=100_000, max_body_bytes=100_000)
    with Server(config, log_level="warning") as running:
        yield running


def test_connections_that_dawdle_are_cut(strict):
    address = _address(strict)
    with socket.create_connection(address, timeout=5) as idle:
        start = time.monotonic()
        assert idle.recv(100) == b""  # nothing was asked: closed without a word
        assert 0.4 < time.monotonic() - start < 3
    start = time.monotonic()
    status, answer, _ = _raw(strict, f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\n".encode())
    assert status == 408 and "headers not received within 0.5 s" in answer["error"]
    assert time.monotonic() - start < 3
    start = time.monotonic()
    status, answer, _ = _raw(strict, _head(50_000) + b"{" * 100)
    assert status == 408 and re.search(r"arrived at under 100000 bytes/s \(100 bytes in 0\.\d s",
                                       answer["error"]), answer
    assert time.monotonic() - start < 3
    # A keep-alive connection gets the same deadline for its next request's headers.
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(b"GET /v1/models/digits HTTP/1.1\r\nHost: x\r\n\r\n")
        reader = sock.makefile("rb")
        assert reader.readline().split()[1] == b"200"
        length = next(int(line.split(b":")[1]) for line in iter(reader.readline, b"\r\n")
                      if line.lower().startswith(b"content-length"))
        reader.read(length)
        sock.sendall(b"GET /v1/models/digits HTTP/1.1\r\n")
        status, answer, _ = _parse(reader.read())
        assert status == 408 and "headers not received" in answer["error"]


def test_bodies_being_read_hold_a_bounded_memory(strict):
    """One upload holds 90 of the 100 kB the bodies may hold at once: another body is refused
    with 503 (read to its end, not kept), and the memory comes back when the first is cut."""
    address = _address(strict)
    hog = _Trickle(address, _head(99_000) + b" " * 90_000, b"", interval=0.2)
    hog.start()
    time.sleep(0.2)
    status, answer = _call(strict, b" " * 20_000)
    assert status == 503 and re.search(r"request bodies hold \d+ bytes", answer["error"])
    hog.join(10)
    assert hog.answer[0] == 408
    assert _call(strict, GOOD)[0] == 200


HEAVY_IMAGES = 180  # 189M pixels, within the default max_request_pixels (200M)


def _heavy_body():
    """`HEAVY_IMAGES` 1024x1024 PNGs (a gradient: slow to decode), a few seconds of work."""
    gradient = np.linspace(0, 255, 1024 * 1024 * 3).reshape(1024, 1024, 3).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(gradient).save(out, format="PNG")
    return _body([out.getvalue()] * HEAVY_IMAGES)


def _time_to_service(server):
    """Seconds until a good request gets 200 (503 while the slot is held)."""
    start = time.monotonic()
    while True:
        status, _ = _call(server, GOOD)
        if status == 200:
            return time.monotonic() - start
        assert status == 503
        time.sleep(0.05)


def test_work_of_a_client_that_left_or_timed_out_stops(exported):
    body = _heavy_body()
    config = ServeConfig(model=exported[1], port=0, max_concurrent=1, workers=1)
    with Server(config, log_level="warning") as running:
        start = time.monotonic()
        status, answer = _call(running, body)
        full = time.monotonic() - start
        assert status == 200 and len(answer["predictions"]) == HEAVY_IMAGES
        assert full > 1, "the heavy request is too light to tell a stopped one"
        with socket.create_connection(_address(running)) as sock:
            sock.sendall(_head(len(body)) + body)
            time.sleep(0.3)
        # The slot stays held until the work reaches its next chunk of 16 images, no longer.
        assert _time_to_service(running) < full / 2, full
    timeout = round(full / 4, 2)
    config = ServeConfig(model=exported[1], port=0, max_concurrent=1, workers=1,
                         timeout=timeout)
    with Server(config, log_level="warning") as running:
        status, answer = _call(running, body)
        assert status == 504 and f"did not finish within {timeout} s" in answer["error"]
        assert _time_to_service(running) < full / 2, full


def test_heavy_requests_within_their_limits_leave_a_worker_for_light_ones(exported):
    """Two requests of large images, each within the per-request budget, with 2 workers: one
    runs, the other gets 503 at once, and a light request is still answered within 2 s."""
    config = ServeConfig(model=exported[1], port=0, workers=2, timeout=60,
                         max_pixels=10_000_000, max_request_pixels=100_000_000,
                         heavy_request_pixels=16_000_000)
    large = _body([_png((3000, 3000), 0)] * 8)  # 72 million declared pixels each
    heavy = [None, None]

    def post_heavy(index):
        heavy[index] = _call(server, large)

    with Server(config, log_level="warning") as server:
        threads = [threading.Thread(target=post_heavy, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        start = time.monotonic()
        status, answer = _call(server, GOOD)
        light_seconds = time.monotonic() - start
        for thread in threads:
            thread.join(60)
    assert status == 200 and light_seconds < 2, light_seconds
    statuses = sorted(status for status, _ in heavy)
    assert statuses == [200, 503], heavy
    refused = next(answer for status, answer in heavy if status == 503)
    assert "take 1 of 2 workers at most" in refused["error"]

"""The serving `Client`'s retries: a jittered exponential backoff on top of Retry-After, checked
as a schedule and against a real HTTP server on 127.0.0.1 that refuses before it answers."""

import http.server
import json
import random
import statistics
import threading
import time

import pytest

from tfimg.serve import Client, ServerError
from tfimg.serve.client import _retry_after, backoff_delay


def test_the_schedule_doubles_its_window_on_top_of_retry_after():
    rng = random.Random(7)
    for attempt, window in enumerate((0.5, 1.0, 2.0, 4.0, 4.0, 4.0)):
        delays = [backoff_delay(attempt, 1.0, base=0.5, cap=4.0, rng=rng) for _ in range(2000)]
        assert 1.0 <= min(delays) and max(delays) <= 1.0 + window
        # Uniform over the window: clients refused together come back spread out.
        assert statistics.mean(delays) == pytest.approx(1.0 + window / 2, abs=window * 0.05)
        assert statistics.pstdev(delays) == pytest.approx(window / 12 ** 0.5, rel=0.1)
    assert backoff_delay(0, retry_after=3600, base=0.5, cap=30, rng=random.Random(0)) <= 30.5


class _Busy(http.server.BaseHTTPRequestHandler):
    """503 with `Retry-After` for the first `refusals` requests, then a status document;
    `times` records when each request came."""

    refusals, retry_after, times = 0, "0", []

    def do_GET(self):
        type(self).times.append(time.monotonic())
        busy = len(self.times) <= self.refusals
        body = json.dumps({"error": "Server busy"} if busy else {"ok": True}).encode()
        self.send_response(503 if busy else 200)
        if busy:
            self.send_header("Retry-After", self.retry_after)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def busy_server():
    """(url, handler class) of a server on a free port; set `refusals`, `retry_after`."""
    handler = type("Handler", (_Busy,), {"times": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_retries_wait_the_jittered_backoff_then_succeed(busy_server):
    url, handler = busy_server
    handler.refusals, handler.retry_after = 3, "0.1"
    client = Client(url, "m", retries=3, backoff=0.2, rng=random.Random(3))
    assert client.status() == {"ok": True}
    replica = random.Random(3)
    expected = [backoff_delay(attempt, 0.1, 0.2, rng=replica) for attempt in range(3)]
    gaps = [later - earlier for earlier, later in zip(handler.times, handler.times[1:])]
    assert len(gaps) == 3
    for gap, delay in zip(gaps, expected):
        assert delay <= gap < delay + 0.15, (gaps, expected)


def test_a_server_busy_past_the_retries_is_an_error(busy_server):
    url, handler = busy_server
    handler.refusals, handler.retry_after = 10, "Wed, 21 Oct 2015 07:28:00 GMT"  # an HTTP date
    client = Client(url, "m", retries=2, backoff=0.01)
    with pytest.raises(ServerError, match="HTTP 503: Server busy") as raised:
        client.status()
    assert raised.value.status == 503 and len(handler.times) == 3


@pytest.mark.parametrize("header", ["nan", "inf", "-5", "Wed, 21 Oct 2015 07:28:00 GMT", ""])
def test_odd_retry_after_headers_mean_no_wait_of_their_own(header):
    assert _retry_after(header) == 0.0
    assert _retry_after("2.5") == 2.5

"""A hostile little web server on loopback for the acquisition tests, with its own request log.

Every route is something a downloader meets on the internet: good images, errors, a server that
fails once, rate limits, slow and dripping bodies, redirect loops and redirects elsewhere, HTML
named .jpg, wrong Content-Types, oversized and truncated bodies, a decompression bomb, robots.txt
rules, AI opt-outs, and HTML pages for the crawler.
"""

import http.server
import io
import random
import threading
import time

from PIL import Image

from tests.data.hostile import bomb_png

ROBOTS = b"""User-agent: *
Disallow: /private/
Allow: /private/allowed.jpg
"""


def image_bytes(number, kind="JPEG", size=(40, 30)):
    """A distinct small image for each `number` below 1024: its bits as black and white
    squares (they survive JPEG) on a colour of its own."""
    out = io.BytesIO()
    color = ((number * 37) % 256, (number * 91) % 256, (number * 53) % 256)
    image = Image.new("RGB", size, color)
    for bit in range(10):
        square = (255,) * 3 if number >> bit & 1 else (0, 0, 0)
        image.paste(square, (bit * 4, 0, bit * 4 + 4, 4))
    image.save(out, format=kind)
    return out.getvalue()


def photo_bytes(number, kind="JPEG"):
    """A smooth 64x64 picture of its own for each `number` (random 4x4 colours, upscaled)."""
    rng = random.Random(number)
    small = Image.new("RGB", (4, 4))
    small.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(16)])
    out = io.BytesIO()
    small.resize((64, 64), Image.Resampling.BICUBIC).save(out, format=kind)
    return out.getvalue()


def page(body, head=""):
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", content_type="image/jpeg", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        server = self.server
        with server.lock:
            server.log.append((self.path, time.monotonic(), dict(self.headers)))
            count = sum(1 for path, _, _ in server.log if path == self.path)
        path = self.path.split("?")[0]
        other = f"http://127.0.0.2:{server.other_port}" if server.other_port else ""
        if server.latency:
            time.sleep(server.latency)
        if path == "/robots.txt":
            return self._send(200, ROBOTS, "text/plain") if server.robots else self._send(404)
        if path.startswith("/img/") or path in ("/private/allowed.jpg", "/private/secret.jpg"):
            number = int("".join(c for c in path if c.isdigit()) or 0)
            kind = "PNG" if path.endswith(".png") else "JPEG"
            return self._send(200, image_bytes(number, kind), f"image/{kind.lower()}")
        if path.startswith("/photo/"):
            number = int("".join(c for c in path if c.isdigit()))
            kind = "PNG" if path.endswith(".png") else "JPEG"
            return self._send(200, photo_bytes(number, kind), f"image/{kind.lower()}")
        if path == "/same.jpg" or path == "/same-again.jpg":
            return self._send(200, image_bytes(999))
        if path in ("/404.jpg", "/410.jpg"):
            return self._send(int(path[1:4]), b"gone", "text/plain")
        if path == "/flaky.jpg":  # 500 once, then the image
            return self._send(500, b"oops", "text/plain") if count == 1 else self._send(
                200, image_bytes(501))
        if path == "/busy.jpg":  # 429 with Retry-After once, then the image
            if count == 1:
                return self._send(429, b"slow down", "text/plain", [("Retry-After", "1")])
            return self._send(200, image_bytes(429))
        if path == "/always-500.jpg":
            return self._send(503, b"down", "text/plain")
        if path == "/slow-first-byte.jpg":
            time.sleep(3)
            return self._send(200, image_bytes(3))
        if path == "/drip.jpg":  # a byte every 50 ms: each read is quick, the whole is not
            body = image_bytes(4, size=(200, 200))
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass
            return None
        if path in ("/loop-a.jpg", "/loop-b.jpg"):
            target = "/loop-b.jpg" if path == "/loop-a.jpg" else "/loop-a.jpg"
            return self._send(302, b"", "text/plain", [("Location", target)])
        if path == "/redirect-same.jpg":
            return self._send(301, b"", "text/plain", [("Location", "/img/7.jpg")])
        if path == "/redirect-other-host.jpg":
            return self._send(302, b"", "text/plain", [("Location", f"{other}/img/8.jpg")])
        if path == "/redirect-metadata.jpg":
            return self._send(302, b"", "text/plain", [
                ("Location", "http://169.254.169.254/latest/meta-data/")])
        if path == "/page.jpg":
            return self._send(200, page("<p>not an image</p>"), "image/jpeg")
        if path == "/wrong-type.jpg":
            return self._send(200, image_bytes(9, "PNG"), "text/plain")
        if path == "/huge.jpg":  # declares 50 MB
            self.send_response(200)
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            try:
                self.wfile.write(b"\xff\xd8\xff" + b"\0" * 65536)
            except OSError:
                pass
            return None
        if path == "/huge-chunked.jpg":  # no length; streams 5 MB
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for _ in range(80):
                    piece = b"\xff" * 65536
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            return None
        if path == "/truncated.jpg":  # declares the whole image, sends half, hangs up
            body = image_bytes(10, size=(100, 100))
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.close_connection = True
            return None
        if path == "/bomb.png":
            return self._send(200, server.bomb, "image/png")
        if path == "/noai.jpg":
            return self._send(200, image_bytes(11), headers=[("X-Robots-Tag", "noai, noimageai")])
        if path == "/site/index.html":
            return self._send(200, page(
                '<img src="/img/20.jpg"><img srcset="/img/21.jpg 320w, /img/22.jpg 1024w">'
                '<picture><source srcset="/img/23.png 2x, /img/24.png 1x"><img src="/img/25.jpg">'
                '</picture><img src="data:image/png;base64,AAAA">'
                '<a href="/site/a.html">a</a> <a href="/site/b.html#top">b</a>'
                f'<a href="{other}/site/elsewhere.html">elsewhere</a>'
                '<a href="/private/page.html">private</a>',
                '<meta property="og:image" content="/img/26.jpg">'), "text/html")
        if path == "/site/a.html":
            return self._send(200, page('<base href="/img/"><img src="27.jpg">'
                                        '<a href="/site/deep.html">deeper</a>'), "text/html")
        if path == "/site/b.html":
            return self._send(200, page('<img src="/img/20.jpg"><img src="/img/28.jpg">',
                                        '<meta name="robots" content="noimageai">'),
                              "text/html")
        if path == "/site/deep.html":
            return self._send(200, page('<img src="/img/29.jpg">'), "text/html")
        return self._send(404, b"not found", "text/plain")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients hanging up on slow, huge and dripping bodies is the point


class LocalServer:
    """A ThreadingHTTPServer on `host`, port chosen by the system, in a daemon thread."""

    def __init__(self, host="127.0.0.1", latency=0.0, robots=True):
        self.httpd = _Server((host, 0), Handler)
        self.httpd.log, self.httpd.lock = [], threading.Lock()
        self.httpd.latency, self.httpd.robots = latency, robots
        self.httpd.other_port = None
        self.httpd.bomb = bomb_png()
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self.httpd.shutdown()
        self.httpd.server_close()

    def point_to(self, other):
        """Redirects to "another host" go to `other` (a LocalServer on 127.0.0.2)."""
        self.httpd.other_port = other.httpd.server_address[1]

    def requests(self, path=None):
        """The (path, monotonic time, headers) logged, all or for one path."""
        with self.httpd.lock:
            return [entry for entry in self.httpd.log if path is None or entry[0] == path]

"""One HTTP GET with every limit a downloader of untrusted URLs needs, on urllib3.

- Each hop's host is resolved and checked (`safety.resolve`) and the connection goes to the
  checked address, with the real host name in `Host` and TLS SNI/certificate checks.
- Redirects are followed by hand, at most `max_redirects`, each hop checked again; loops are
  reported as such.
- Connect and read timeouts per socket operation, plus an overall deadline checked between
  reads, so a server dripping one byte at a time cannot hold a worker past it.
- The body is read in pieces and refused as soon as it passes `max_bytes` (Content-Length is
  checked first), decoded size counted for compressed pages.

Plain Python.
"""

import dataclasses
import threading
import time
import urllib.parse

import urllib3

from tfimg.acquire.safety import UnsafeAddressError, resolve

REDIRECTS = (301, 302, 303, 307, 308)
TRANSIENT_HTTP = (408, 425, 429, 500, 502, 503, 504)


@dataclasses.dataclass
class Response:
    url: str  # after redirects
    status: int
    headers: dict  # lower-case names
    body: bytes


class FetchError(OSError):
    """A failed fetch. `status` is the manifest status ("http_error", "timeout", ...)."""

    def __init__(self, status, message, http_status=None, transient=False, retry_after=None):
        super().__init__(message)
        self.status = status
        self.http_status = http_status
        self.transient = transient
        self.retry_after = retry_after


def _retry_after(value):
    """Seconds of a Retry-After header (a number of seconds; HTTP dates count as 60 s)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return 60.0


class Fetcher:
    """GETs URLs under limits; thread-safe, keeps connections alive per (address, host).

    Args:
        user_agent: the User-Agent header.
        connect_timeout, read_timeout: seconds per connect and per socket read.
        deadline: seconds for a whole fetch, redirects included.
        max_bytes: largest body.
        max_redirects: most redirects followed.
        allowed: ip networks allowed besides public addresses (`safety.parse_networks`).
        pool_size: connections kept per (address, host).
    """

    def __init__(self, user_agent, connect_timeout=10.0, read_timeout=20.0, deadline=60.0,
                 max_bytes=20 * 1024 * 1024, max_redirects=5, allowed=(), pool_size=4):
        self.user_agent = user_agent
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.allowed = allowed
        self.pool_size = pool_size
        self._pools = {}
        self._lock = threading.Lock()

    def _pool(self, scheme, host, port, address):
        key = (scheme, host, port, address)
        with self._lock:
            if key not in self._pools:
                if scheme == "https":
                    self._pools[key] = urllib3.HTTPSConnectionPool(
                        address, port, timeout=self.timeout, maxsize=self.pool_size,
                        retries=False, server_hostname=host, assert_hostname=host,
                        cert_reqs="CERT_REQUIRED")
                else:
                    self._pools[key] = urllib3.HTTPConnectionPool(
                        address, port, timeout=self.timeout, maxsize=self.pool_size,
                        retries=False)
            return self._pools[key]

    def close(self):
        with self._lock:
            for pool in self._pools.values():
                pool.close()
            self._pools.clear()

    def get(self, url, accept="*/*", max_bytes=None):
        """The Response of `url` after redirects (any status but redirects).

        Raises:
            FetchError with status "bad_url", "unsafe_address", "redirect_error", "timeout",
            "connection_error", "too_large" or "truncated".
        """
        max_bytes = max_bytes or self.max_bytes
        deadline = time.monotonic() + self.deadline
        seen = [url]
        while True:
            response = self._get_one(url, accept, max_bytes, deadline)
            if response.status not in REDIRECTS or "location" not in response.headers:
                return response
            url = urllib.parse.urljoin(url, response.headers["location"])
            if url in seen:
                raise FetchError("redirect_error", f"redirect loop: {' -> '.join(seen + [url])}"
                                 [:500], http_status=response.status)
            if len(seen) > self.max_redirects:
                raise FetchError("redirect_error", f"more than {self.max_redirects} redirects",
                                 http_status=response.status)
            seen.append(url)

    def _get_one(self, url, accept, max_bytes, deadline):
        try:
            scheme, host, port, address = resolve(url, self.allowed)
        except UnsafeAddressError as error:
            raise FetchError("unsafe_address", f"{urllib.parse.urlsplit(url).hostname}: "
                             f"{error}") from None
        except ValueError as error:
            raise FetchError("bad_url", str(error)) from None
        except OSError as error:
            raise FetchError("connection_error", str(error), transient=True) from None
        parts = urllib.parse.urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default_port = 443 if scheme == "https" else 80
        headers = {"Host": host if port == default_port else f"{host}:{port}",
                   "User-Agent": self.user_agent, "Accept": accept,
                   "Accept-Encoding": "gzip, deflate"}
        try:
            raw = self._pool(scheme, host, port, address).urlopen(
                "GET", target, headers=headers, redirect=False, preload_content=False,
                assert_same_host=False, release_conn=False)
        except urllib3.exceptions.TimeoutError:
            raise FetchError("timeout", f"no response within {self.timeout.read_timeout} s",
                             transient=True) from None
        except urllib3.exceptions.HTTPError as error:
            raise FetchError("connection_error", _reason(error), transient=True) from None
        try:
            if raw.status in REDIRECTS:
                raw.close()  # a redirect's body is not read, so its connection is not reused
                body = b""
            else:
                body = self._read(raw, max_bytes, deadline)
        finally:
            raw.release_conn()
        # get() joins repeated headers (two X-Robots-Tag lines) with ", ".
        return Response(url, raw.status, {name.lower(): raw.headers.get(name)
                                          for name in raw.headers}, body)

    def _read(self, raw, max_bytes, deadline):
        declared = raw.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raw.close()
            raise FetchError("too_large", f"Content-Length {declared} is over {max_bytes} bytes")
        chunks, size = [], 0
        try:
            while True:
                if time.monotonic() > deadline:
                    raw.close()
                    raise FetchError("timeout", f"body not received within the {self.deadline} s "
                                     f"deadline ({size} bytes so far)", transient=True)
                chunk = raw.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raw.close()
                    raise FetchError("too_large", f"body over {max_bytes} bytes")
                chunks.append(chunk)
        except urllib3.exceptions.TimeoutError:
            raw.close()
            raise FetchError("timeout", f"no data for {self.timeout.read_timeout} s "
                             f"({size} bytes so far)", transient=True) from None
        except urllib3.exceptions.HTTPError as error:
            raw.close()
            raise FetchError("truncated", f"body cut off after {size} bytes: {_reason(error)}",
                             transient=True) from None
        return b"".join(chunks)


def _reason(error):
    reason = getattr(error, "reason", None) or error
    return f"{type(reason).__name__}: {reason}"[:300]


def http_error(response):
    """The FetchError for a non-2xx response (transient for 5xx, 408, 425, 429)."""
    retry_after = _retry_after(response.headers.get("retry-after"))
    return FetchError("http_error", f"HTTP {response.status}", http_status=response.status,
                      transient=response.status in TRANSIENT_HTTP, retry_after=retry_after)

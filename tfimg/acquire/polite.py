"""Politeness: robots.txt, AI opt-outs, and per-host limits on concurrency and request rate.

robots.txt follows RFC 9309: a 4xx answer means no rules (everything allowed); a 5xx answer or
an unreachable server means "disallow everything" for that host (an unreachable one is reported
as such: "cannot resolve HOST" offline, not as a robots.txt refusal); `Crawl-delay` raises the delay
between requests to the host. Opt-outs: the `X-Robots-Tag` header and `<meta name="robots">`
values `noai` and `noimageai` (also when addressed to our user agent, `tfimg: noai`).

Plain Python.
"""

import contextlib
import threading
import time
import urllib.parse

from tfimg.acquire.fetch import FetchError
from tfimg.acquire.robots import RobotsRules

OPT_OUT_VALUES = ("noai", "noimageai")


def opted_out(value, agent="tfimg"):
    """True when an X-Robots-Tag or robots meta `value` opts out of AI use for all agents or
    for `agent` ("noai", "googlebot: noindex, tfimg: noimageai")."""
    scope = None
    for token in value.replace(";", ",").split(","):
        token = token.strip().lower()
        if ":" in token:
            scope, token = (part.strip() for part in token.split(":", 1))
        if token in OPT_OUT_VALUES and scope in (None, "*", agent.lower()):
            return True
    return False


def host_key(url):
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


class Robots:
    """robots.txt per host, fetched once with `fetcher` and cached (thread-safe)."""

    def __init__(self, fetcher, agent="tfimg"):
        self.fetcher = fetcher
        self.agent = agent
        self._rules = {}
        self._unreachable = {}  # host key -> the FetchError of its robots.txt
        self._locks = {}
        self._lock = threading.Lock()

    def _parser(self, url):
        key = host_key(url)
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one fetch per host, the other threads wait for it
            if key not in self._rules:
                self._rules[key] = self._fetch(key)
            return self._rules[key]

    def _fetch(self, key):
        """The rules of host `key`; disallow-all when its server cannot be reached (the reason
        kept for `check`)."""
        disallow_all = RobotsRules.parse("User-agent: *\nDisallow: /")
        try:
            response = self.fetcher.get(key + "/robots.txt", accept="text/plain",
                                        max_bytes=500 * 1024)  # Google reads 500 KiB
        except FetchError as error:
            # An unsafe or malformed host is reported by the download itself.
            if error.status in ("unsafe_address", "bad_url"):
                return RobotsRules()
            self._unreachable[key] = error
            return disallow_all
        if response.status >= 500:
            return disallow_all
        if response.status >= 400:
            return RobotsRules()
        return RobotsRules.parse(response.body.decode("utf-8", "replace"), self.agent)

    def check(self, url):
        """Raises FetchError unless `url` may be fetched: the error of an unreachable host
        (its status and reason, e.g. connection_error "cannot resolve 'example.com'"), or
        "robots_disallowed"."""
        rules = self._parser(url)
        error = self._unreachable.get(host_key(url))
        if error is not None:
            raise FetchError(error.status, f"{error} (fetching robots.txt)",
                             transient=error.transient)
        if not rules.allowed(url):
            raise FetchError("robots_disallowed", "robots.txt disallows this URL for tfimg")

    def crawl_delay(self, url):
        return self._parser(url).crawl_delay or 0.0


class HostGates:
    """At most `concurrency` requests at a time to each host, started at least `delay` seconds
    apart (per host; a larger robots.txt Crawl-delay wins)."""

    def __init__(self, concurrency, delay):
        self.concurrency = concurrency
        self.delay = delay
        self._gates = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def slot(self, url, delay=0.0):
        key = host_key(url)
        with self._lock:
            gate = self._gates.setdefault(key, [threading.Semaphore(self.concurrency), 0.0])
        with gate[0]:
            with self._lock:
                now = time.monotonic()
                start = max(now, gate[1])
                gate[1] = start + max(self.delay, delay)
            if start > now:
                time.sleep(start - now)
            yield

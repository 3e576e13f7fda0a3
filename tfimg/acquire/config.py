"""The settings of a download: defaults, then a JSON config file, then explicit values."""

import dataclasses

from tfimg import __version__
from tfimg.acquire.fetch import Fetcher
from tfimg.acquire.images import ENCODE_FORMATS, RESIZE_MODES
from tfimg.acquire.safety import parse_networks
from tfimg.acquire.urls import parse_shard
from tfimg.formats import DEFAULT_MAX_PIXELS
from tfimg.settings import Settings

USER_AGENT = f"tfimg/{__version__} (+https://github.com/tfimg/tfimg; image dataset downloader)"
DEDUP_MODES = ("sha256", "phash", "none")
RETRY_MODES = ("all", "transient")


@dataclasses.dataclass(frozen=True)
class DownloadConfig(Settings):
    """What `tfimg.acquire.download` does.

    Attributes:
        urls: the URL list (.txt, .csv/.tsv with a url column, .jsonl); see `read_url_list`.
        out: the dataset folder.
        threads: downloads at once (all hosts together).
        per_host: downloads at once from one host.
        delay: seconds between the starts of two requests to one host (robots.txt's
            Crawl-delay wins when larger).
        connect_timeout, read_timeout: seconds per connection attempt and per socket read.
        deadline: seconds for one download, redirects and slow bodies included.
        max_bytes: largest body, enforced while streaming.
        max_redirects: most redirects followed (each hop's address is checked again).
        max_pixels: largest declared width x height accepted.
        retries: extra attempts within a run for transient failures (timeouts, connection
            errors, 408/429/5xx), waiting for Retry-After when given (at most `max_wait`).
        retry_failed: on a rerun, which failures of earlier runs are tried again: "all", or
            only "transient" ones (a 404 or an HTML page stays as it is).
        allow_private: addresses or CIDR networks that may be fetched although they are
            loopback/private/link-local (tests, an intranet); never needed on the internet.
        robots: honour robots.txt and the noai/noimageai opt-outs.
        resize_mode, image_size, encode_format: see `tfimg.acquire.images`.
        dedup: "sha256" (identical bytes), "phash" (identical difference hash as well), "none".
        shard: "K/N": this process takes every N-th URL from the (K-1)-th.
        shard_size: files per numbered folder when the URLs have no labels.
        user_agent: the User-Agent header; name yourself and a contact.
    """

    urls: str
    out: str
    threads: int = 16
    per_host: int = 4
    delay: float = 0.0
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    max_pixels: int = DEFAULT_MAX_PIXELS
    retries: int = 2
    max_wait: float = 60.0
    retry_failed: str = "all"
    allow_private: tuple = ()
    robots: bool = True
    resize_mode: str = "no"
    image_size: int = 256
    encode_format: str = "jpeg"
    dedup: str = "sha256"
    shard: str = "1/1"
    shard_size: int = 10_000
    user_agent: str = USER_AGENT

    def __post_init__(self):
        if not self.out:
            raise ValueError("Expected --out, the dataset folder, received none")
        object.__setattr__(self, "allow_private", tuple(self.allow_private))
        parse_networks(self.allow_private)
        parse_shard(self.shard)
        for name, choices in (("resize_mode", RESIZE_MODES), ("encode_format", ENCODE_FORMATS),
                              ("dedup", DEDUP_MODES), ("retry_failed", RETRY_MODES)):
            if getattr(self, name) not in choices:
                raise ValueError(f"Expected --{name.replace('_', '-')} in {tuple(choices)}, "
                                 f"received "
                                 f"{getattr(self, name)!r}")
        self.require_minimum(("threads", "per_host", "max_bytes", "max_pixels", "image_size",
                              "shard_size"), 1)
        self.require_minimum(("delay", "retries", "max_redirects", "max_wait"), 0)
        self.require_minimum(("connect_timeout", "read_timeout", "deadline"), 0, strict=True,
                             unit=" seconds")

    def fetcher(self, max_bytes=None):
        """A `Fetcher` with these limits and allowed networks (`max_bytes` overrides the body
        limit, as for HTML pages)."""
        return Fetcher(self.user_agent, self.connect_timeout, self.read_timeout, self.deadline,
                       max_bytes or self.max_bytes, self.max_redirects,
                       parse_networks(self.allow_private), self.per_host)

"""Crawling HTML pages for images: breadth-first from a start page, within a scope and depth,
obeying robots.txt, feeding the image URLs (with their source page) to the downloader.

Images come from `<img src>`, `srcset` (the largest candidate), `<picture><source srcset>`,
`data-src` (lazy loading) and the Open Graph `og:image`; links from `<a href>`. Relative URLs
resolve against the page (or its `<base href>`). A page whose `<meta name="robots">` says
`noai`/`noimageai` gives no images; one that says `nofollow` gives no links.

Plain Python (html.parser).
"""

import collections
import html.parser
import urllib.parse

from tfimg.acquire.fetch import FetchError
from tfimg.acquire.polite import HostGates, Robots, opted_out
from tfimg.acquire.urls import UrlRow
from tfimg.formats import looks_like_html

MAX_PAGE_BYTES = 5 * 1024 * 1024


def _largest_candidate(srcset):
    """The URL of the widest (or densest) candidate of a srcset attribute."""
    best, best_size = None, -1.0
    for candidate in srcset.split(","):
        parts = candidate.strip().split()
        if not parts:
            continue
        size = 1.0
        if len(parts) > 1 and parts[1][-1:] in ("w", "x"):
            try:
                size = float(parts[1][:-1])
            except ValueError:
                pass
        if size > best_size:
            best, best_size = parts[0], size
    return best


class PageParser(html.parser.HTMLParser):
    """Collects image URLs, link URLs and robots meta values of one HTML page."""

    def __init__(self, url):
        super().__init__(convert_charrefs=True)
        self.base = url
        self.images, self.links, self.robots = [], [], []

    def _add(self, target, value):
        if value and not value.strip().lower().startswith(("data:", "javascript:", "#")):
            target.append(urllib.parse.urljoin(self.base, value.strip()))

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "base" and attrs.get("href"):
            self.base = urllib.parse.urljoin(self.base, attrs["href"])
        elif tag == "img":
            self._add(self.images, _largest_candidate(attrs.get("srcset", "")) or
                      attrs.get("src") or attrs.get("data-src"))
        elif tag == "source" and attrs.get("srcset"):
            self._add(self.images, _largest_candidate(attrs["srcset"]))
        elif tag == "meta":
            key = (attrs.get("property") or attrs.get("name") or "").lower()
            if key in ("og:image", "og:image:url", "og:image:secure_url"):
                self._add(self.images, attrs.get("content"))
            elif key in ("robots", "tfimg"):
                self.robots.append(attrs.get("content", ""))
        elif tag == "a" and attrs.get("href") and "nofollow" not in attrs.get("rel", ""):
            self._add(self.links, attrs["href"])


def parse_page(url, content):
    """(image URLs, link URLs, robots meta values) of the HTML `content` (bytes) at `url`."""
    parser = PageParser(url)
    parser.feed(content.decode("utf-8", "replace"))
    parser.close()
    return _unique(parser.images), _unique(parser.links), parser.robots


def _unique(urls):
    """URLs without fragments, each once, in order."""
    return list(dict.fromkeys(urllib.parse.urldefrag(url)[0] for url in urls))


def _site(host):
    host = (host or "").lower()
    return host[4:] if host.startswith("www.") else host


def in_scope(url, start, same_site):
    """http(s) URLs; with `same_site`, only the start page's host and its subdomains (a leading
    "www." ignored)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    if not same_site:
        return True
    site, host = _site(urllib.parse.urlsplit(start).hostname), _site(parts.hostname)
    return host == site or host.endswith("." + site)


def crawl(start_url, config, depth=1, same_site=True, max_pages=100, log=print):
    """UrlRows of the images found on pages reachable from `start_url`.

    Args:
        start_url: the first page.
        config: a DownloadConfig (limits, politeness, allow_private, user agent).
        depth: links followed from the start page (0: the start page only).
        same_site: follow links only within the start page's site (images may be anywhere).
        max_pages: most pages fetched.

    Returns:
        UrlRows in discovery order, each image once, `source_page` its first page.
    """
    fetcher = config.fetcher(MAX_PAGE_BYTES)
    robots = Robots(fetcher) if config.robots else None
    gates = HostGates(config.per_host, config.delay)
    queue, seen, found, pages = collections.deque([(start_url, 0)]), {start_url}, {}, 0
    try:
        while queue and pages < max_pages:
            url, level = queue.popleft()
            try:
                if robots is not None:
                    robots.check(url)
                with gates.slot(url, robots.crawl_delay(url) if robots else 0.0):
                    response = fetcher.get(url, accept="text/html,application/xhtml+xml")
            except FetchError as error:
                log(f"skipped {url}: {error.status}: {error}")
                continue
            pages += 1
            if response.status != 200 or not looks_like_html(response.body):
                log(f"skipped {url}: HTTP {response.status}, not an HTML page")
                continue
            image_urls, links, meta = parse_page(response.url, response.body)
            blocked = config.robots and any(opted_out(value) for value in meta + [
                response.headers.get("x-robots-tag", "")])
            for image_url in [] if blocked else image_urls:
                if image_url.startswith(("http://", "https://")):
                    found.setdefault(image_url, url)
            follow = level < depth and not any("nofollow" in value.lower() for value in meta)
            for link in links if follow else []:
                if link not in seen and in_scope(link, start_url, same_site):
                    seen.add(link)
                    queue.append((link, level + 1))
    finally:
        fetcher.close()
    log(f"crawled {pages} pages, found {len(found)} images")
    return [UrlRow(index, image_url, source_page=page)
            for index, (image_url, page) in enumerate(found.items())]

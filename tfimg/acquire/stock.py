"""Stock-photo APIs as URL lists: Unsplash and Pixabay searches to UrlRows for `download`.

Each needs the site's API key in the environment (`UNSPLASH_ACCESS_KEY`, `PIXABAY_API_KEY`);
the photographer and licence terms stay in each row's caption and source page, as both sites
ask for attribution. Requests go through the same `Fetcher` (limits, address checks).

    rows = search("unsplash", "red fox", count=200)
    write_url_list(rows, "foxes.jsonl")      # then: tfimg download foxes.jsonl --out data/foxes

Plain Python.
"""

import json
import os
import urllib.parse

from tfimg.acquire.fetch import FetchError, Fetcher, http_error
from tfimg.acquire.urls import UrlRow

SOURCES = {
    # name: (API base URL, environment variable of the key, results per page at most)
    "unsplash": ("https://api.unsplash.com", "UNSPLASH_ACCESS_KEY", 30),
    "pixabay": ("https://pixabay.com", "PIXABAY_API_KEY", 200),
}


def _unsplash_page(base, key, query, page, per_page):
    url = f"{base}/search/photos?" + urllib.parse.urlencode(
        {"query": query, "page": page, "per_page": per_page, "client_id": key})
    return url, lambda answer: [
        (photo["urls"]["regular"], _caption(photo.get("alt_description") or
                                            photo.get("description"),
                                            f"Photo by {photo['user']['name']} on Unsplash"),
         photo["links"]["html"]) for photo in answer["results"]]


def _pixabay_page(base, key, query, page, per_page):
    url = f"{base}/api/?" + urllib.parse.urlencode(
        {"key": key, "q": query, "page": page, "per_page": per_page, "image_type": "photo",
         "safesearch": "true"})
    return url, lambda answer: [
        (hit["largeImageURL"], _caption(hit.get("tags"), f"Image by {hit['user']} from Pixabay"),
         hit["pageURL"]) for hit in answer["hits"]]


def _caption(text, attribution):
    return f"{text} ({attribution})" if text else attribution


_PAGES = {"unsplash": _unsplash_page, "pixabay": _pixabay_page}


def search(source, query, count=100, label=None, api_key=None, base_url=None, fetcher=None):
    """UrlRows of up to `count` images found by `source` ("unsplash" or "pixabay").

    Args:
        label: the rows' label (class folder); defaults to the query.
        api_key: defaults to the source's environment variable.
        base_url: the API's address (tests point it at recorded answers).
        fetcher: a `Fetcher`; defaults to one with tfimg's user agent.

    Raises:
        ValueError without an API key or for an unknown source; FetchError when the API
        answers with an error (the message includes the API's own text).
    """
    if source not in SOURCES:
        raise ValueError(f"Expected source in {tuple(SOURCES)}, received {source!r}")
    default_base, variable, per_page = SOURCES[source]
    api_key = api_key or os.environ.get(variable)
    if not api_key:
        raise ValueError(f"Set {variable} to your {source} API key (see the site's developer "
                         f"page)")
    if fetcher is None:
        from tfimg.acquire.config import USER_AGENT
        fetcher = Fetcher(USER_AGENT)
    rows, page = [], 1
    while len(rows) < count:
        url, parse = _PAGES[source](base_url or default_base, api_key, query, page,
                                    min(per_page, count - len(rows)))
        response = fetcher.get(url, accept="application/json")
        if response.status != 200:
            error = http_error(response)
            raise FetchError(error.status, f"{source} API: HTTP {response.status}: "
                             f"{response.body[:200].decode('utf-8', 'replace')}",
                             response.status, error.transient, error.retry_after)
        try:
            found = parse(json.loads(response.body))
        except (ValueError, KeyError, TypeError) as error:
            raise FetchError("bad_answer", f"{source} API: unexpected answer on page {page}: "
                             f"{type(error).__name__}: {error}") from None
        if not found:
            break
        rows.extend(UrlRow(index, image_url, label or query, caption, page_url)
                    for index, (image_url, caption, page_url) in enumerate(found, len(rows)))
        page += 1
    return rows[:count]


def write_url_list(rows, path):
    """Writes UrlRows as a JSON Lines URL list (url, label, caption, source_page)."""
    with open(path, "w", encoding="utf-8") as file:
        for row in rows:
            file.write(json.dumps({"url": row.url, "label": row.label, "caption": row.caption,
                                   "source_page": row.source_page}, ensure_ascii=False) + "\n")

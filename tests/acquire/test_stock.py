"""Stock-photo API adapters against recorded answers (Unsplash's and Pixabay's documented
formats) served on loopback: URLs, labels, attribution, paging and API errors."""

import http.server
import json
import pathlib
import threading
import urllib.parse

import pytest

from tfimg.acquire import read_url_list
from tfimg.acquire.config import USER_AGENT
from tfimg.acquire.fetch import FetchError, Fetcher
from tfimg.acquire.safety import parse_networks
from tfimg.acquire.stock import search
from tfimg.cli import main

RECORDED = pathlib.Path(__file__).parent / "recorded"


class _Api(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        self.server.log.append((url.path, query))
        key = query.get("client_id") or query.get("key")
        if key != "secret":
            return self._json(401, {"errors": ["OAuth error: The access token is invalid"]})
        if url.path == "/search/photos":
            recorded = json.loads((RECORDED / "unsplash_search_photos.json").read_text())
            return self._json(200, recorded if int(query["page"]) <= 2 else {"results": []})
        if url.path == "/api/":
            recorded = json.loads((RECORDED / "pixabay_api.json").read_text())
            return self._json(200, recorded if query["page"] == "1" else {"hits": []})
        return self._json(404, {"error": "not found"})

    def _json(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def api():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    server.log = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _fetcher():
    return Fetcher(USER_AGENT, allowed=parse_networks(["127.0.0.1"]))


def test_unsplash_pages_until_count_with_attribution(api):
    server, url = api
    rows = search("unsplash", "coffee", count=3, api_key="secret", base_url=url,
                  fetcher=_fetcher())
    assert [row.index for row in rows] == [0, 1, 2] and {row.label for row in rows} == {"coffee"}
    assert rows[0].url.endswith("f3d12fefd36f?q=75&fm=jpg&w=1080&fit=max")
    assert rows[0].caption == "man drinking coffee by the window (Photo by Jeff Sheldon on " \
                              "Unsplash)"
    assert rows[1].caption == "Photo by Joe Example on Unsplash"
    assert rows[0].source_page == "https://unsplash.com/photos/eOLpJytrbsQ"
    assert [(path, query["page"], query["per_page"]) for path, query in server.log] == [
        ("/search/photos", "1", "3"), ("/search/photos", "2", "1")]


def test_pixabay_stops_when_results_run_out(api):
    server, url = api
    rows = search("pixabay", "flower", count=50, label="flowers", api_key="secret",
                  base_url=url, fetcher=_fetcher())
    assert len(rows) == 1 and rows[0].label == "flowers"
    assert rows[0].url == "https://pixabay.com/get/ed6a99fd0a76647_1280.jpg"
    assert rows[0].caption == "blossom, bloom, flower (Image by Josch13 from Pixabay)"
    assert [query["page"] for _, query in server.log] == ["1", "2"]


def test_api_errors_and_missing_keys_are_clear(api, monkeypatch, tmp_path):
    _, url = api
    with pytest.raises(FetchError, match="unsplash API: HTTP 401: .*access token is invalid"):
        search("unsplash", "x", api_key="wrong", base_url=url, fetcher=_fetcher())
    monkeypatch.delenv("PIXABAY_API_KEY", raising=False)
    with pytest.raises(ValueError, match="Set PIXABAY_API_KEY"):
        search("pixabay", "x")
    with pytest.raises(ValueError, match="source in"):
        search("flickr", "x", api_key="k")


def test_stock_command_writes_a_list_that_download_reads(api, monkeypatch, tmp_path, capsys):
    _, url = api
    monkeypatch.setenv("UNSPLASH_ACCESS_KEY", "secret")
    command = ["stock", "unsplash", "coffee", "--count", "2", "--out",
               str(tmp_path / "urls.jsonl"), "--api-url", url]
    assert main(command) == 2  # loopback is refused unless allowed
    assert "loopback" in capsys.readouterr().err
    assert main(command + ["--allow-private", "127.0.0.1"]) == 0
    listed = read_url_list(tmp_path / "urls.jsonl")
    expected = search("unsplash", "coffee", count=2, base_url=url, fetcher=_fetcher())
    assert [(row.url, row.label, row.caption, row.source_page) for row in listed] == [
        (row.url, row.label, row.caption, row.source_page) for row in expected]

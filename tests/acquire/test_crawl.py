"""`tfimg crawl` on loopback pages: image URLs from img/srcset/picture/og:image, links within
scope and depth, robots.txt and the noimageai opt-out, then the same downloader."""

import pytest

from tfimg.acquire import DownloadConfig, crawl, parse_page, read_rows
from tfimg.acquire.crawler import in_scope
from tfimg.cli import main
from tfimg.formats import looks_like_html

from tests.acquire.server import LocalServer


def _config(tmp_path, **values):
    return DownloadConfig(urls="", out=str(tmp_path / "out"), allow_private=("127.0.0.1",),
                          read_timeout=2.0, **values)


@pytest.mark.parametrize("body, expected", [
    (b"\n  <!DOCTYPE html><html></html>", True),
    (b'<?xml version="1.0"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml">', True),
    (b"<!-- generated --><html>", True),
    (b"<BODY><img src=a.jpg></BODY>", True),
    (b"\x89PNG\r\n\x1a\n", False),
    (b'{"error": "not found"}', False),
    (b"Not Found", False),
])
def test_html_pages_are_told_from_images_and_other_answers(body, expected):
    assert looks_like_html(body) is expected


def test_page_parsing_finds_every_kind_of_image_reference():
    html = (b'<html><head><meta property="og:image" content="/og.jpg">'
            b'<meta name="robots" content="nofollow"></head><body>'
            b'<img src="a.jpg"><img srcset="s.jpg 1x, l.jpg 2x" src="fallback.jpg">'
            b'<img data-src="lazy.jpg"><img src="data:image/png;base64,xx">'
            b'<picture><source srcset="w1.webp 480w, w2.webp 960w"></picture>'
            b'<a href="../next.html#part">n</a><a href="skip.html" rel="nofollow">x</a>'
            b'<a href="javascript:void(0)">js</a></body></html>')
    images, links, robots = parse_page("http://example.com/dir/page.html", html)
    assert images == ["http://example.com/og.jpg", "http://example.com/dir/a.jpg",
                      "http://example.com/dir/l.jpg", "http://example.com/dir/lazy.jpg",
                      "http://example.com/dir/w2.webp"]
    assert links == ["http://example.com/next.html"] and robots == ["nofollow"]


def test_scope_is_the_start_site_and_its_subdomains():
    start = "https://www.example.com/gallery/"
    assert in_scope("https://example.com/a", start, True)
    assert in_scope("http://img.example.com/a", start, True)
    assert not in_scope("https://example.org/a", start, True)
    assert not in_scope("https://notexample.com/a", start, True)
    assert in_scope("https://example.org/a", start, False)
    assert not in_scope("mailto:someone@example.com", start, False)


def test_crawl_follows_links_within_depth_scope_and_robots(tmp_path):
    with LocalServer() as server, LocalServer("127.0.0.2") as other:
        server.point_to(other)
        rows = crawl(server.url + "/site/index.html", _config(tmp_path), depth=1,
                     log=lambda line: None)
        found = {row.url.replace(server.url, ""): row.source_page.replace(server.url, "")
                 for row in rows}
        assert found == {
            "/img/20.jpg": "/site/index.html", "/img/22.jpg": "/site/index.html",
            "/img/23.png": "/site/index.html", "/img/25.jpg": "/site/index.html",
            "/img/26.jpg": "/site/index.html", "/img/27.jpg": "/site/a.html"}
        pages = {path for path, _, _ in server.requests() if path.endswith(".html")}
        # depth 1: deep.html is two links away; b.html is crawled but says noimageai (28 is
        # not taken); the private page is disallowed; the other host is out of scope.
        assert pages == {"/site/index.html", "/site/a.html", "/site/b.html"}
        assert other.requests() == []

        deeper = crawl(server.url + "/site/index.html", _config(tmp_path), depth=2,
                       log=lambda line: None)
        assert server.url + "/img/29.jpg" in {row.url for row in deeper}
        assert len(crawl(server.url + "/site/index.html", _config(tmp_path), depth=2,
                         max_pages=1, log=lambda line: None)) == 5  # the start page only


def test_crawl_of_a_host_that_does_not_resolve_says_so(tmp_path):
    lines = []
    assert crawl("http://tfimg-test.invalid/", _config(tmp_path), log=lines.append) == []
    assert lines[0].startswith("skipped http://tfimg-test.invalid/: connection_error: cannot "
                               "resolve 'tfimg-test.invalid'")


def test_crawl_command_downloads_with_the_source_page(tmp_path):
    with LocalServer() as server:
        assert main(["crawl", server.url + "/site/index.html", "--out", str(tmp_path / "out"),
                     "--depth", "0", "--allow-private", "127.0.0.1"]) == 0
        rows = read_rows(tmp_path / "out" / "manifest.jsonl")
        assert len(rows) == 5 and {row["status"] for row in rows.values()} == {"success"}
        assert {row["source_page"] for row in rows.values()} == {
            server.url + "/site/index.html"}
        before = len(server.requests())
        assert main(["crawl", server.url + "/site/index.html", "--out", str(tmp_path / "out"),
                     "--depth", "0", "--allow-private", "127.0.0.1"]) == 0
        again = [path for path, _, _ in server.requests()[before:]]
        assert sorted(again) == ["/robots.txt", "/site/index.html"]  # images not fetched again

"""`tfimg download` against hostile servers on loopback: every URL ends with the right status,
nothing unsafe is fetched, retries and waits show in the server's own log, reruns resume."""

import hashlib
import io
import json
import os

import pytest
from PIL import Image

from tfimg.acquire import DownloadConfig, download, merge, read_rows
from tfimg.acquire.images import prepare
from tfimg.cli import main
from tfimg.data import from_directory, from_manifest

from tests.acquire.server import LocalServer, image_bytes

EXPECTED = {
    "/img/1.jpg": "success",
    "/img/2.png": "success",
    "/404.jpg": "http_error",
    "/410.jpg": "http_error",
    "/flaky.jpg": "success",
    "/busy.jpg": "success",
    "/always-500.jpg": "http_error",
    "/slow-first-byte.jpg": "timeout",
    "/drip.jpg": "timeout",
    "/loop-a.jpg": "redirect_error",
    "/redirect-same.jpg": "success",
    "/redirect-other-host.jpg": "unsafe_address",
    "/redirect-metadata.jpg": "unsafe_address",
    "/page.jpg": "not_image",
    "/wrong-type.jpg": "success",
    "/huge.jpg": "too_large",
    "/huge-chunked.jpg": "too_large",
    "/truncated.jpg": "truncated",
    "/bomb.png": "too_many_pixels",
    "/private/secret.jpg": "robots_disallowed",
    "/private/allowed.jpg": "success",
    "/noai.jpg": "opted_out",
    "/same.jpg": "success or duplicate",
    "/same-again.jpg": "success or duplicate",
}


@pytest.fixture
def servers():
    with LocalServer() as main_server, LocalServer("127.0.0.2") as other:
        main_server.point_to(other)
        yield main_server, other


def _config(urls, out, **values):
    settings = dict(urls=str(urls), out=str(out), allow_private=("127.0.0.1",), threads=8,
                    read_timeout=1.0, deadline=2.0, max_bytes=1024 * 1024, retries=2,
                    max_wait=2.0)
    settings.update(values)
    return DownloadConfig(**settings)


def _write_list(path, server, paths, labels=None):
    with open(path, "w") as file:
        if str(path).endswith(".csv"):
            file.write("url,label\n" if labels else "url\n")
        for i, name in enumerate(paths):
            file.write(f"{server.url}{name}" + (f",{labels[i]}\n" if labels else "\n"))
    return path


def test_every_url_ends_with_the_right_status(servers, tmp_path):
    server, other = servers
    paths = list(EXPECTED)
    urls = _write_list(tmp_path / "urls.csv", server, paths)
    summary = download(_config(urls, tmp_path / "out"), log=lambda line: None)
    rows = read_rows(tmp_path / "out" / "manifest.jsonl")
    got = {paths[index]: row["status"] for index, row in rows.items()}
    assert got == {path: got[path] if " or " in status else status
                   for path, status in EXPECTED.items()}
    _assert_one_copy_kept(rows[paths.index("/same.jpg")], rows[paths.index("/same-again.jpg")])
    assert summary["by_status"]["success"] == 8 and summary["urls"] == len(EXPECTED)

    # Nothing unsafe was fetched: the other host and the metadata address got no request.
    assert other.requests() == []
    # The server's log shows the retries and the wait: 500 then OK, 429 then OK after 1 s.
    assert len(server.requests("/flaky.jpg")) == 2 and rows[paths.index("/flaky.jpg")][
        "attempts"] == 2
    busy = server.requests("/busy.jpg")
    assert len(busy) == 2 and busy[1][1] - busy[0][1] >= 1.0
    assert len(server.requests("/always-500.jpg")) == 3  # 1 + retries
    assert len(server.requests("/404.jpg")) == 1  # permanent: never retried
    assert server.requests("/private/secret.jpg") == []  # robots.txt read first
    assert len(server.requests("/robots.txt")) == 1
    assert all(headers["User-Agent"].startswith("tfimg/") for _, _, headers in
               server.requests())

    for row in rows.values():
        if row["status"] == "success":
            data = (tmp_path / "out" / row["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == row["sha256"] and len(data) == row["bytes"]
    wrong_type = rows[paths.index("/wrong-type.jpg")]
    assert wrong_type["path"].endswith(".png") and (wrong_type["width"], wrong_type["height"]) \
        == (40, 30)
    assert "HTML page" in rows[paths.index("/page.jpg")]["error"]
    assert "169.254.169.254 is a cloud metadata address" in rows[
        paths.index("/redirect-metadata.jpg")]["error"]
    assert "redirect loop" in rows[paths.index("/loop-a.jpg")]["error"]
    assert rows[paths.index("/404.jpg")]["http_status"] == 404
    assert not os.path.exists(tmp_path / "out" / ".staging")


def test_private_addresses_are_refused_unless_allowed(servers, tmp_path):
    server, other = servers
    urls = _write_list(tmp_path / "urls.txt", server, ["/img/1.jpg"])
    with open(urls, "a") as file:
        file.write(f"{other.url}/img/2.jpg\nftp://127.0.0.1/x.jpg\nhttp://[::1]:1/x.jpg\n")
    download(_config(urls, tmp_path / "out", allow_private=()), log=lambda line: None)
    statuses = [row["status"] for _, row in sorted(read_rows(
        tmp_path / "out" / "manifest.jsonl").items())]
    assert statuses == ["unsafe_address", "unsafe_address", "bad_url", "unsafe_address"]
    assert server.requests() == [] and other.requests() == []


def test_a_host_that_does_not_resolve_is_reported_as_such(tmp_path):
    # Offline, or a typo: the robots.txt of an unresolvable host cannot be fetched either, and
    # the manifest says why (.invalid never resolves, RFC 2606), not "robots_disallowed".
    urls = tmp_path / "urls.txt"
    urls.write_text("http://tfimg-test.invalid/a.jpg\n")
    download(_config(urls, tmp_path / "out", retries=0), log=lambda line: None)
    (row,) = read_rows(tmp_path / "out" / "manifest.jsonl").values()
    assert row["status"] == "connection_error"
    assert row["error"].startswith("cannot resolve 'tfimg-test.invalid'")


def test_unsafe_addresses_name_the_flag(servers, tmp_path):
    server, _ = servers
    urls = _write_list(tmp_path / "urls.txt", server, ["/img/1.jpg"])
    download(_config(urls, tmp_path / "out", allow_private=()), log=lambda line: None)
    (row,) = read_rows(tmp_path / "out" / "manifest.jsonl").values()
    assert row["error"].endswith("is a loopback address (allow it with --allow-private)")


def _fetched(server, since):
    """Paths requested after the `since`-th request, robots.txt left out, sorted."""
    return sorted(path for path, _, _ in server.requests()[since:] if path != "/robots.txt")


def test_rerun_skips_successes_and_retries_failures(servers, tmp_path):
    server, _ = servers
    urls = _write_list(tmp_path / "urls.csv", server, ["/img/1.jpg", "/404.jpg",
                                                       "/always-500.jpg", "/img/2.jpg"])
    config = _config(urls, tmp_path / "out", retries=0)
    download(config, log=lambda line: None)
    before = len(server.requests())
    download(_config(urls, tmp_path / "out", retries=0, retry_failed="transient"),
             log=lambda line: None)
    assert _fetched(server, before) == ["/always-500.jpg"]  # not the successes, not the 404
    before = len(server.requests())
    summary = download(config, log=lambda line: None)
    assert _fetched(server, before) == ["/404.jpg", "/always-500.jpg"]
    assert summary["by_status"] == {"success": 2, "http_error": 2}
    assert summary["this_run"]["fetched"] == 2


def test_labels_make_class_folders_that_tfimg_data_reads(servers, tmp_path):
    server, _ = servers
    paths = [f"/img/{i}.jpg" for i in range(6)]
    urls = _write_list(tmp_path / "urls.csv", server, paths, ["cat", "dog"] * 3)
    download(_config(urls, tmp_path / "out", resize_mode="center_crop", image_size=16),
             log=lambda line: None)
    files = from_directory(tmp_path / "out")
    assert files.class_names == ("cat", "dog") and len(files.paths) == 6
    listed = from_manifest(tmp_path / "out" / "images.csv")
    assert sorted(listed.paths) == sorted(files.paths)
    rows = read_rows(tmp_path / "out" / "manifest.jsonl")
    assert {(row["width"], row["height"]) for row in rows.values()} == {(16, 16)}
    config = json.loads((tmp_path / "out" / "download_config.json").read_text())
    assert config["resize_mode"] == "center_crop"


def test_resize_modes_follow_img2dataset():
    data = image_bytes(1, size=(40, 20))
    for mode, size in [("keep_ratio", (32, 16)), ("center_crop", (16, 16)),
                       ("border", (16, 16))]:
        stored, extension, width, height, _ = prepare(data, 10**8, mode, 16, "png")
        image = Image.open(io.BytesIO(stored))
        assert extension == ".png" and image.size == (width, height) == size, mode
    bordered = Image.open(io.BytesIO(prepare(data, 10**8, "border", 16, "png")[0]))
    assert bordered.getpixel((8, 0)) == (0, 0, 0) and bordered.getpixel((8, 8)) != (0, 0, 0)


def test_perceptual_dedup_catches_a_re_encoded_copy(servers, tmp_path):
    server, _ = servers
    photos = [f"/photo/{i}.jpg" for i in range(30)] + ["/photo/5.png", "/photo/17.png"]
    urls = _write_list(tmp_path / "urls.txt", server, photos)
    summary = download(_config(urls, tmp_path / "out", dedup="phash"), log=lambda line: None)
    assert summary["by_status"] == {"success": 30, "duplicate": 2}
    rows = read_rows(tmp_path / "out" / "manifest.jsonl")
    for copy, original in ((30, 5), (31, 17)):
        _assert_one_copy_kept(rows[original], rows[copy])
        assert rows[original]["sha256"] != rows[copy]["sha256"]
    download(_config(urls, tmp_path / "plain"), log=lambda line: None)  # sha256 only
    assert read_rows(tmp_path / "plain" / "manifest.jsonl")[30]["status"] == "success"


def _assert_one_copy_kept(first, second):
    """Whichever copy finished first is kept; the other points to it."""
    kept, dropped = (first, second) if first["status"] == "success" else (second, first)
    assert (kept["status"], dropped["status"]) == ("success", "duplicate")
    assert dropped["duplicate_of"] == kept["path"] and dropped["path"] is None


def test_shards_split_the_list_and_merge_joins_them(servers, tmp_path):
    server, _ = servers
    urls = _write_list(tmp_path / "urls.txt", server, [f"/img/{i}.jpg" for i in range(10)])
    for k in (1, 2, 3):
        assert main(["download", str(urls), "--out", str(tmp_path / f"shard{k}"),
                     "--shard", f"{k}/3", "--allow-private", "127.0.0.1"]) == 0
    assert sorted(len(read_rows(tmp_path / f"shard{k}" / f"manifest-{k}-of-3.jsonl"))
                  for k in (1, 2, 3)) == [3, 3, 4]
    assert len(server.requests()) - len(server.requests("/robots.txt")) == 10  # each URL once
    assert main(["download", "merge", *(str(tmp_path / f"shard{k}") for k in (1, 2, 3)),
                 "--out", str(tmp_path / "all")]) == 0
    merged = read_rows(tmp_path / "all" / "manifest.jsonl")
    assert sorted(merged) == list(range(10))
    for row in merged.values():
        data = (tmp_path / "all" / row["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
    summary = json.loads((tmp_path / "all" / "summary.json").read_text())
    assert summary["by_status"] == {"success": 10}
    assert merge([tmp_path / "shard1"], tmp_path / "one")["urls"] == 4


def test_bad_lists_and_settings_are_clear_errors(tmp_path):
    from tfimg.acquire import read_url_list

    (tmp_path / "a.csv").write_text("link\nhttp://x/1.jpg\n")
    with pytest.raises(ValueError, match="'url' column"):
        read_url_list(tmp_path / "a.csv")
    (tmp_path / "b.jsonl").write_text('{"url": "http://x/1.jpg"}\n{"url": ""}\n')
    with pytest.raises(ValueError, match=r"b.jsonl:2: missing url"):
        read_url_list(tmp_path / "b.jsonl")
    (tmp_path / "c.csv").write_text("url,label\nhttp://x/1.jpg,../etc\n")
    with pytest.raises(ValueError, match=r"c.csv:2: label '../etc' cannot be a folder name"):
        read_url_list(tmp_path / "c.csv")
    (tmp_path / "d.txt").write_text("# comment\n\nhttp://x/1.jpg\n  http://x/2.jpg \n")
    assert [row.url for row in read_url_list(tmp_path / "d.txt")] == [
        "http://x/1.jpg", "http://x/2.jpg"]
    for values, message in [({"shard": "3/2"}, "1 <= K <= N"), ({"threads": 0}, "threads >= 1"),
                            ({"allow_private": ["nonsense"]}, "CIDR network in --allow-private"),
                            ({"resize_mode": "fit"}, "--resize-mode in")]:
        with pytest.raises(ValueError, match=message):
            DownloadConfig(urls="u.txt", out=str(tmp_path), **values)


def test_per_host_delay_and_concurrency_show_in_the_server_log(servers, tmp_path):
    server, _ = servers
    server.httpd.latency = 0.05
    urls = _write_list(tmp_path / "urls.txt", server, [f"/img/{i}.jpg" for i in range(6)])
    download(_config(urls, tmp_path / "out", per_host=1, delay=0.2), log=lambda line: None)
    starts = sorted(time for path, time, _ in server.requests() if path.startswith("/img/"))
    assert len(starts) == 6
    # One host, started 0.2 s apart by the client; the server's clock sees each start a little
    # late, by how long the request took to arrive (tens of ms on a busy machine), so single
    # gaps vary while the whole span cannot shrink by more than one arrival delay.
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert starts[-1] - starts[0] >= 5 * 0.2 - 0.05 and min(gaps) >= 0.1, gaps
    # Six at once when allowed: one at a time, each answer's 0.3 s would space the six starts
    # over 1.5 s at least.
    server.httpd.latency = 0.3
    before = len(server.requests())
    download(_config(urls, tmp_path / "fast", per_host=6, threads=6), log=lambda line: None)
    starts = sorted(time for path, time, _ in server.requests()[before:]
                    if path.startswith("/img/"))
    assert len(starts) == 6 and starts[-1] - starts[0] < 0.75, starts

"""Downloading a URL list into a dataset folder, resumably.

reader (URL list, shard, manifest of earlier runs) -> fetcher (safety, politeness, limits,
retries) -> resizer (validation by content, optional resize, dedup) -> writer (temporary file
renamed into place, then a manifest row). Layout of `out`:

    <label>/<index>.<ext>       when the URLs have labels (class folders for tfimg.data)
    <shard>/<index>.<ext>       otherwise, `shard_size` files per numbered folder
    manifest.jsonl              one row per URL (manifest-K-of-N.jsonl for shard K of N)
    summary.json, images.csv    counts by status; the images for tfimg.data.from_manifest
                                (for shards: written by `tfimg download merge`)
    download_config.json        the settings of the last run

Plain Python.
"""

import concurrent.futures
import hashlib
import itertools
import json
import os
import shutil
import time

from tfimg.acquire import images, manifest
from tfimg.acquire.dedup import SeenImages
from tfimg.acquire.fetch import TRANSIENT_HTTP, FetchError, http_error
from tfimg.acquire.polite import HostGates, Robots, host_key, opted_out
from tfimg.acquire.urls import parse_shard, read_url_list, shard_rows
from tfimg.atomic import write_text
from tfimg.formats import ImageError

TRANSIENT_STATUSES = ("timeout", "connection_error", "truncated")
ACCEPT_IMAGES = "image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8,*/*;q=0.5"


def is_transient(row):
    """True for a manifest row whose failure may go away on a retry."""
    return row["status"] in TRANSIENT_STATUSES or (
        row["status"] == "http_error" and row.get("http_status") in TRANSIENT_HTTP)


def _interleave_hosts(rows):
    """Rows reordered round-robin across hosts, so that one slow host does not hold every
    worker while the others wait."""
    by_host = {}
    for row in rows:
        by_host.setdefault(host_key(row.url), []).append(row)
    mixed = itertools.zip_longest(*by_host.values())
    return [row for group in mixed for row in group if row is not None]


class _Run:
    """One download run: shared state of the worker threads."""

    def __init__(self, config):
        self.config = config
        self.fetcher = config.fetcher()
        self.robots = Robots(self.fetcher) if config.robots else None
        self.gates = HostGates(config.per_host, config.delay)
        self.staging = os.path.join(config.out, ".staging")
        self.seen = SeenImages()

    def fetch(self, row):
        """The image Response of `row`, after robots.txt and retries."""
        delay = 0.0
        if self.robots is not None:
            self.robots.check(row.url)
            delay = self.robots.crawl_delay(row.url)
        for attempt in itertools.count():
            try:
                with self.gates.slot(row.url, delay):
                    response = self.fetcher.get(row.url, accept=ACCEPT_IMAGES)
                if not 200 <= response.status < 300:
                    raise http_error(response)
                return response, attempt + 1
            except FetchError as error:
                if not error.transient or attempt >= self.config.retries:
                    error.attempts = attempt + 1
                    raise
                wait = error.retry_after if error.retry_after is not None else 0.5 * 2 ** attempt
                time.sleep(min(wait, self.config.max_wait))

    def store(self, row, response):
        """(manifest fields) of a fetched image written into place."""
        config = self.config
        if config.robots and opted_out(response.headers.get("x-robots-tag", "")):
            raise FetchError("opted_out", f"X-Robots-Tag: {response.headers['x-robots-tag']}")
        data, extension, width, height, phash = images.prepare(
            response.body, config.max_pixels, config.resize_mode, config.image_size,
            config.encode_format, perceptual_hash=config.dedup == "phash")
        digest = hashlib.sha256(data).hexdigest()
        folder = row.label or f"{row.index // config.shard_size:05d}"
        path = f"{folder}/{row.index:09d}{extension}"
        fields = {"sha256": digest, "bytes": len(data), "width": width, "height": height,
                  "phash": phash}
        original = self.seen.claim(digest, phash, path) if config.dedup != "none" else None
        if original is not None and original != path:
            return {"status": "duplicate", "duplicate_of": original, **fields}
        temporary = os.path.join(self.staging, f"{row.index:09d}{extension}")
        with open(temporary, "wb") as file:
            file.write(data)
        os.makedirs(os.path.join(config.out, folder), exist_ok=True)
        os.replace(temporary, os.path.join(config.out, path))
        return {"status": "success", "path": path, **fields}

    def process(self, row):
        result = {"attempts": 1}
        try:
            response, result["attempts"] = self.fetch(row)
            result["http_status"] = response.status
            result.update(self.store(row, response))
        except FetchError as error:
            result.update(status=error.status, error=str(error), http_status=error.http_status,
                          attempts=getattr(error, "attempts", 1))
        except ImageError as error:
            result.update(status=error.status, error=str(error))
        return {"index": row.index, "url": row.url, "label": row.label, "caption": row.caption,
                "source_page": row.source_page, "error": None,
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **result}


def _todo(rows, done, retry_failed):
    """The rows that this run fetches, given the manifest rows of earlier runs."""
    todo = []
    for row in rows:
        previous = done.get(row.index)
        if previous is None or previous["url"] != row.url:
            todo.append(row)
        elif previous["status"] in ("success", "duplicate"):
            continue
        elif retry_failed == "all" or is_transient(previous):
            todo.append(row)
    return todo


def download(config, rows=None, log=print):
    """Downloads `config.urls` (or `rows`, UrlRows from a crawl) into `config.out`.

    Reruns skip URLs already downloaded and retry the failures (`config.retry_failed`).

    Returns:
        The summary: counts by status, and this run's figures.
    """
    if rows is None:
        rows = read_url_list(config.urls)
    k, n = parse_shard(config.shard)
    rows = shard_rows(rows, k, n)
    os.makedirs(config.out, exist_ok=True)
    name = "manifest.jsonl" if n == 1 else f"manifest-{k}-of-{n}.jsonl"
    run = _Run(config)
    shutil.rmtree(run.staging, ignore_errors=True)  # half-written files of a killed run
    os.makedirs(run.staging)
    write_text(os.path.join(config.out, "download_config.json"),
               json.dumps(config.to_json(), indent=2) + "\n")
    log_file = manifest.Manifest(os.path.join(config.out, name))
    for row in log_file.rows.values():
        if row["status"] == "success":
            run.seen.add(row["sha256"], row.get("phash"), row["path"])
    todo = _interleave_hosts(_todo(rows, log_file.rows, config.retry_failed))
    log(f"{len(rows)} URLs, {len(rows) - len(todo)} done in earlier runs, {len(todo)} to fetch")
    start, finished, last_report = time.monotonic(), 0, time.monotonic()
    pool = concurrent.futures.ThreadPoolExecutor(config.threads)
    futures, recorded = [], set()
    try:
        futures = [pool.submit(run.process, row) for row in todo]
        for future in concurrent.futures.as_completed(futures):
            log_file.append(future.result())
            recorded.add(future)
            finished += 1
            if time.monotonic() - last_report > 5 or finished == len(todo):
                last_report = time.monotonic()
                rate = finished / max(last_report - start, 1e-9)
                log(f"{finished}/{len(todo)} fetched, {rate:.1f} URLs/s, "
                    f"{manifest.counts(log_file.rows.values())}")
    finally:
        # On Ctrl-C or an error, queued URLs are dropped and only the running ones finish
        # (each within its deadline), so the run stops promptly with its manifest intact.
        pool.shutdown(wait=True, cancel_futures=True)
        for future in futures:
            if future.done() and not future.cancelled() and future not in recorded \
                    and future.exception() is None:
                log_file.append(future.result())
        log_file.close()
        run.fetcher.close()
    seconds = time.monotonic() - start
    shutil.rmtree(run.staging, ignore_errors=True)
    mine = [log_file.rows[row.index] for row in rows if row.index in log_file.rows]
    figures = {"this_run": {"fetched": len(todo), "seconds": round(seconds, 3)}}
    if n > 1:  # shards may share `out`: `merge` writes the joint summary and images.csv
        return {"urls": len(mine), "by_status": manifest.counts(mine), **figures}
    return manifest.write_outputs(config.out, mine, figures)

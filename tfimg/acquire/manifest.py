"""The download manifest: one JSON line per finished URL, appended as results come in.

A row is written only after its image is in place under its final name, and each line is
flushed at once, so a process killed at any moment leaves every finished download recorded and
at most one torn last line, which the next run cuts off. The latest row of a URL wins, so a
retried URL's new result replaces its old one. At the end of a run, `summary.json` (counts by
status) and `images.csv` (path, label of the images, for `tfimg.data.from_manifest`) are
written under temporary names and renamed.

Plain Python.
"""

import collections
import csv
import io
import json
import os
import threading

from tfimg.atomic import write_text

FIELDS = ("index", "url", "status", "error", "http_status", "path", "sha256", "bytes", "width",
          "height", "label", "caption", "source_page", "duplicate_of", "phash", "attempts",
          "time")


def read_rows(path):
    """{index: latest row} of a manifest file; a torn last line (no newline) is ignored.

    Raises:
        ValueError naming the file and line of a complete line that is not a JSON object.
    """
    rows = {}
    if not os.path.exists(path):
        return rows
    with open(path, "rb") as file:
        content = file.read()
    lines = content.split(b"\n")
    for number, line in enumerate(lines[:-1], 1):  # the last piece is empty or torn
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows[int(row["index"])] = row
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a manifest row ({error})") from None
    return rows


class Manifest:
    """The append-only manifest at `path` (thread-safe)."""

    def __init__(self, path):
        self.path = path
        self.rows = read_rows(path)
        self._repair()
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def _repair(self):
        """Cuts a torn last line left by a killed run, so that appends start on a new line."""
        if not os.path.exists(self.path):
            return
        with open(self.path, "rb+") as file:
            content = file.read()
            end = content.rfind(b"\n") + 1
            if end != len(content):
                file.truncate(end)

    def append(self, row):
        line = json.dumps({field: row.get(field) for field in FIELDS}, ensure_ascii=False)
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()
            self.rows[row["index"]] = row

    def close(self):
        with self._lock:
            os.fsync(self._file.fileno())
            self._file.close()


def counts(rows):
    """{status: count} of manifest rows, most common first."""
    return dict(collections.Counter(row["status"] for row in rows).most_common())


def write_outputs(folder, rows, extra=None):
    """`summary.json` and `images.csv` of `rows` (manifest rows) in `folder`."""
    rows = sorted(rows, key=lambda row: row["index"])
    summary = {"urls": len(rows), "by_status": counts(rows), **(extra or {})}
    write_text(os.path.join(folder, "summary.json"), json.dumps(summary, indent=2) + "\n")
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["path", "label", "url", "sha256", "width", "height"])
    for row in rows:
        if row["status"] == "success":
            writer.writerow([row["path"], row["label"] or "", row["url"], row["sha256"],
                             row["width"], row["height"]])
    write_text(os.path.join(folder, "images.csv"), table.getvalue())
    return summary


def manifest_files(folder):
    """The manifest files of a download folder (one, or one per shard)."""
    return sorted(os.path.join(folder, name) for name in os.listdir(folder)
                  if name.startswith("manifest") and name.endswith(".jsonl"))


def merge(folders, out):
    """Joins the manifests of shard download folders into `out/manifest.jsonl` (paths made
    relative to `out`) with its summary and images.csv; returns the summary.

    Raises:
        ValueError when two shards report the same URL index with different URLs.
    """
    os.makedirs(out, exist_ok=True)
    merged = {}
    for folder in folders:
        for path in manifest_files(folder):
            for index, row in read_rows(path).items():
                if row.get("path"):
                    row["path"] = os.path.relpath(os.path.join(folder, row["path"]), out)
                if index in merged and merged[index]["url"] != row["url"]:
                    raise ValueError(f"URL index {index} is {merged[index]['url']!r} in one "
                                     f"shard and {row['url']!r} in {path!r}: different lists?")
                merged[index] = row
    lines = "".join(json.dumps({field: row.get(field) for field in FIELDS}, ensure_ascii=False)
                    + "\n" for _, row in sorted(merged.items()))
    write_text(os.path.join(out, "manifest.jsonl"), lines)
    return write_outputs(out, merged.values(), {"merged_from": [os.fspath(f) for f in folders]})

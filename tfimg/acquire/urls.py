"""URL lists: text (one URL per line), CSV/TSV with a `url` column, or JSON Lines.

Optional columns/fields: `label` (the class folder), `caption`, `source_page`. Each URL keeps its
row number (`index`, from 0) as its identity: file names, shards and resume all use it, so the
same list always gives the same layout.

Plain Python.
"""

import csv
import dataclasses
import json
import os


@dataclasses.dataclass(frozen=True)
class UrlRow:
    index: int
    url: str
    label: str = ""
    caption: str = ""
    source_page: str = ""


def _clean(value, field, where):
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        raise ValueError(f"{where}: field {field!r} must be text, received "
                         f"{type(value).__name__}")
    value = str(value).strip()
    if field == "label" and (value in (".", "..") or "/" in value or "\\" in value
                             or value.startswith(".")):
        raise ValueError(f"{where}: label {value!r} cannot be a folder name")
    return value


def read_url_list(path):
    """The UrlRows of the list at `path` (.txt, .csv, .tsv, .jsonl/.json).

    Blank lines and lines starting with `#` in text lists are skipped (and not counted).

    Raises:
        ValueError naming the file and line of a row without a URL or with a bad field.
    """
    path = os.fspath(path)
    extension = os.path.splitext(path)[1].lower()
    with open(path, encoding="utf-8-sig", newline="") as file:
        if extension in (".csv", ".tsv"):
            reader = csv.DictReader(file, delimiter="\t" if extension == ".tsv" else ",")
            if "url" not in (reader.fieldnames or []):
                raise ValueError(f"{path}: expected a header row with a 'url' column, found "
                                 f"{reader.fieldnames}")
            records = [(reader.line_num, row) for row in reader]
        elif extension in (".jsonl", ".json"):
            records = []
            for number, line in enumerate(file, 1):
                if line.strip():
                    try:
                        records.append((number, json.loads(line)))
                    except json.JSONDecodeError as error:
                        raise ValueError(f"{path}:{number}: not JSON: {error}") from None
        else:
            records = [(number, {"url": line.strip()}) for number, line in enumerate(file, 1)
                       if line.strip() and not line.lstrip().startswith("#")]
    rows = []
    for number, record in records:
        where = f"{path}:{number}"
        if not isinstance(record, dict):
            raise ValueError(f"{where}: expected an object with a 'url' field")
        url = _clean(record.get("url"), "url", where)
        if not url:
            raise ValueError(f"{where}: missing url")
        rows.append(UrlRow(len(rows), url, *(_clean(record.get(field), field, where)
                                             for field in ("label", "caption", "source_page"))))
    return rows


def parse_shard(text):
    """(k, n) of "K/N", 1 <= K <= N.

    Raises:
        ValueError for anything else.
    """
    try:
        k, n = (int(part) for part in str(text).split("/"))
    except ValueError:
        raise ValueError(f"Expected shard as K/N (e.g. 2/8), received {text!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"Expected shard K/N with 1 <= K <= N, received {text!r}")
    return k, n


def shard_rows(rows, k, n):
    """The rows of shard `k` of `n`: every n-th row from the (k-1)-th, a deterministic split
    that gives each shard the same share of every host."""
    return [row for row in rows if row.index % n == k - 1]

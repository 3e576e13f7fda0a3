"""Labelled image files: from class folders or from a manifest (CSV or JSON Lines).

`ImageFiles` is the common source: relative paths, integer labels and sorted class names.
Plain Python; nothing is decoded here.
"""

import collections
import csv
import dataclasses
import json
import os

from tfimg.formats import is_image_name
from tfimg.data.split import SPLIT_NAMES, assign_split


@dataclasses.dataclass(frozen=True)
class ImageFiles:
    """Image files with labels.

    Attributes:
        root: folder the paths are relative to.
        paths: POSIX paths relative to `root`.
        labels: class index of each path, into `class_names`.
        class_names: sorted class names.
        splits: split name of each path when the manifest gives one, else None.
    """

    root: str
    paths: tuple
    labels: tuple
    class_names: tuple
    splits: tuple = None

    def __post_init__(self):
        if len(self.paths) != len(self.labels):
            raise ValueError(f"Expected one label per path, received {len(self.paths)} paths "
                             f"and {len(self.labels)} labels")

    def __len__(self):
        return len(self.paths)

    @property
    def num_classes(self):
        return len(self.class_names)

    def full_paths(self):
        """Absolute paths, in order."""
        return tuple(os.path.join(self.root, path) for path in self.paths)

    def subset(self, indices):
        """The files at `indices`, with the same class names."""
        indices = list(indices)
        return dataclasses.replace(
            self,
            paths=tuple(self.paths[i] for i in indices),
            labels=tuple(self.labels[i] for i in indices),
            splits=None if self.splits is None else tuple(self.splits[i] for i in indices))

    def split(self, validation=0.2, test=0.0):
        """Splits into {"train", "validation", "test"} by a hash of each relative path.

        A manifest's own `split` column wins over the fractions when present.
        """
        names = self.splits or tuple(assign_split(p, validation, test) for p in self.paths)
        return {split: self.subset(i for i, name in enumerate(names) if name == split)
                for split in SPLIT_NAMES}

    def class_counts(self):
        counts = collections.Counter(self.labels)
        return [counts.get(i, 0) for i in range(self.num_classes)]

    def class_weights(self):
        """Weights {class index: n / (num_classes * count)} that balance the classes in a loss."""
        counts = self.class_counts()
        total = sum(counts)
        return {i: total / (self.num_classes * count) if count else 0.0
                for i, count in enumerate(counts)}


def _class_folders(root):
    """Names of the visible folders directly under `root`, sorted."""
    return sorted(entry.name for entry in os.scandir(root)
                  if entry.is_dir() and not entry.name.startswith("."))


def from_directory(root, class_names=None):
    """Lists images in class folders `root/<class>/**/<image>`.

    Candidates are chosen by extension (`formats.IMAGE_EXTENSIONS`); their content is checked
    when decoded. Hidden files and folders are skipped; files directly under `root` are not in
    any class and are ignored.

    Args:
        root: the dataset folder.
        class_names: optional explicit class list (fixes order and subset); folders must exist.

    Returns:
        `ImageFiles` sorted by class then path.
    """
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"Dataset folder not found: {root!r}")
    found = _class_folders(root)
    if class_names is None:
        class_names = found
    missing = sorted(set(class_names) - set(found))
    if missing:
        raise ValueError(f"Class folders {missing} not found in {root!r}")
    if not class_names:
        raise ValueError(f"No class folders found in {root!r}; expected root/<class>/<image>")
    paths, labels = [], []
    for label, name in enumerate(class_names):
        for folder, dirs, files in os.walk(os.path.join(root, name)):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            relative = os.path.relpath(folder, root).replace(os.sep, "/")
            for file in sorted(files):
                if not file.startswith(".") and is_image_name(file):
                    paths.append(f"{relative}/{file}")
                    labels.append(label)
    return ImageFiles(root, tuple(paths), tuple(labels), tuple(class_names))


def files_for_classes(root, class_names):
    """The files of `root`'s class folders labelled by their index in a model's
    `class_names`; a model's class may have no folder, but every folder must be a class."""
    found = _class_folders(root)
    unknown = sorted(set(found) - set(class_names))
    if unknown:
        raise ValueError(f"Class folders {unknown} in {root!r} are not classes of the model "
                         f"({list(class_names)})")
    present = [name for name in class_names if name in found]
    files = from_directory(root, class_names=present)
    labels = tuple(class_names.index(present[label]) for label in files.labels)
    return ImageFiles(files.root, files.paths, labels, tuple(class_names))


def _read_rows(path):
    # utf-8-sig: spreadsheet programs start CSV files with a byte order mark.
    if path.endswith((".jsonl", ".ndjson")):
        with open(path, encoding="utf-8-sig") as file:
            for number, line in enumerate(file, 1):
                if line.strip():
                    try:
                        yield number, json.loads(line)
                    except json.JSONDecodeError as error:
                        raise ValueError(f"{path}:{number}: invalid JSON ({error})") from None
    elif path.endswith((".csv", ".tsv")):
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file, delimiter="\t" if path.endswith(".tsv") else ",")
            for number, row in enumerate(reader, 2):
                yield number, row
    else:
        raise ValueError(f"Expected a manifest ending in .csv, .tsv, .jsonl or .ndjson, "
                         f"received {path!r}")


def _sorted_names(names):
    if all(name.lstrip("-").isdigit() for name in names):
        return sorted(names, key=int)
    return sorted(names)


def from_manifest(path, class_names=None):
    """Reads a manifest with columns `path`, `label` and optional `split`.

    CSV/TSV need a header row; JSON Lines hold one object per line. Paths are relative to the
    manifest's folder. Labels are class names (numbers are sorted numerically).

    Raises:
        ValueError naming the file and line for a missing field, an empty path or an unknown
        split name.
    """
    path = os.fspath(path)
    rows = []
    for number, row in _read_rows(path):
        if not isinstance(row, dict):
            raise ValueError(f"{path}:{number}: expected an object with 'path' and 'label'")
        values = {}
        for field in ("path", "label"):
            value = row.get(field)
            if value is None or str(value).strip() == "":
                raise ValueError(f"{path}:{number}: missing field {field!r}")
            values[field] = str(value).strip()
        split = str(row.get("split") or "").strip()
        if split and split not in SPLIT_NAMES:
            raise ValueError(f"{path}:{number}: split {split!r} is not one of {SPLIT_NAMES}")
        rows.append((values["path"].replace(os.sep, "/"), values["label"], split))
    if not rows:
        raise ValueError(f"Manifest {path!r} lists no images")
    names = tuple(class_names or _sorted_names({label for _, label, _ in rows}))
    index = {name: i for i, name in enumerate(names)}
    unknown = sorted({label for _, label, _ in rows} - set(index))
    if unknown:
        raise ValueError(f"Manifest {path!r} has labels {unknown} not in class_names")
    has_splits = any(split for _, _, split in rows)
    return ImageFiles(
        root=os.path.dirname(os.path.abspath(path)),
        paths=tuple(p for p, _, _ in rows),
        labels=tuple(index[label] for _, label, _ in rows),
        class_names=names,
        splits=tuple(split or "train" for _, _, split in rows) if has_splits else None)

"""The in-memory form of box annotations, shared by every format, and safe file names.

Coordinates are absolute pixels, corners `xmin, ymin, xmax, ymax` (Keras' "xyxy" format), as
Pascal VOC files hold them: tfimg converts between formats the way LabelImg itself does (VOC
corners taken as they are, YOLO and Label Studio relative to the image size, COCO as x, y,
width, height), so a box drawn in LabelImg lands on the same pixels in every format.

Plain Python.
"""

import dataclasses
import math
import os

# Coordinates beyond this are refused as nonsense (a 1-gigapixel side), not clipped.
MAX_COORDINATE = 1e9


@dataclasses.dataclass
class Box:
    name: str
    xmin: float
    ymin: float
    xmax: float
    ymax: float
    difficult: bool = False
    truncated: bool = False
    pose: str = "Unspecified"

    @property
    def corners(self):
        return (self.xmin, self.ymin, self.xmax, self.ymax)


@dataclasses.dataclass
class Annotation:
    """The boxes of one image. `filename` is the image's path relative to the dataset root."""

    filename: str
    width: int
    height: int
    boxes: list = dataclasses.field(default_factory=list)
    depth: int = 3
    folder: str = ""
    path: str = ""  # LabelImg's absolute path on the annotator's machine: informative only
    verified: bool = False


def number(value, where, field, integer=False, text=True):
    """A finite number of at most MAX_COORDINATE from a file's field, or a ValueError naming
    `where` (the file) and `field`. `text`: accept numbers written as strings (XML, YOLO);
    JSON formats pass False, so that `"3"` in a COCO bbox is an error."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str) if text else
                                                 (int, float)):
        raise ValueError(f"{where}: {field}: expected a number, received "
                         f"{type(value).__name__} {value!r}"[:300])
    try:
        result = float(value)
    except ValueError:
        raise ValueError(f"{where}: {field}: expected a number, received {value!r}"[:300]) \
            from None
    if not math.isfinite(result) or abs(result) > MAX_COORDINATE:
        raise ValueError(f"{where}: {field}: expected a finite number of at most "
                         f"{MAX_COORDINATE:g}, received {value!r}"[:300])
    if integer:
        if result != int(result):
            raise ValueError(f"{where}: {field}: expected an integer, received {value!r}")
        return int(result)
    return result


def safe_join(root, filename, where):
    """`root/filename`, refusing names that would leave `root` (absolute paths, `..`, links
    pointing outside).

    Raises:
        ValueError naming `where` and the file name.
    """
    if not filename or not isinstance(filename, str):
        raise ValueError(f"{where}: expected an image file name, received {filename!r}")
    normalized = filename.replace("\\", "/")
    if (os.path.isabs(normalized) or normalized.startswith("/") or ":" in normalized.split("/")[0]
            or ".." in normalized.split("/")):
        raise ValueError(f"{where}: image file name {filename!r} leaves the dataset folder")
    root = os.path.realpath(root)
    joined = os.path.realpath(os.path.join(root, normalized))
    if os.path.commonpath([root, joined]) != root:
        raise ValueError(f"{where}: image file name {filename!r} leads outside the dataset "
                         f"folder (a link?)")
    return joined


def leaves_folder(name):
    """Whether the relative name `name` (either slash) would leave the folder it is joined to:
    absolute, a drive (`C:`), a `..` component or a NUL byte."""
    normalized = name.replace("\\", "/")
    parts = normalized.split("/")
    return (os.path.isabs(normalized) or normalized.startswith("/") or ":" in parts[0]
            or ".." in parts or "\0" in name)


def contained(root, path, where):
    """`path` (a file found under `root`) resolved, refusing one that a link leads outside
    `root`, so that no file outside the dataset is read.

    Raises:
        ValueError naming `where` and `path`.
    """
    root = os.path.realpath(root)
    resolved = os.path.realpath(path)
    if os.path.commonpath([root, resolved]) != root:
        raise ValueError(f"{where}: {os.fspath(path)!r} is a link leading outside the dataset "
                         f"folder {root!r}; not read")
    return resolved


def output_path(root, name, where):
    """`root/name` for a file written from annotation content (`name` comes from the
    annotation: an image file name with the output's extension), refusing any name that would
    write outside `root` (absolute, a drive, `..`, a link in `root` pointing outside).

    Raises:
        ValueError naming `where` and `name`.
    """
    if not name or not isinstance(name, str) or leaves_folder(name):
        raise ValueError(f"{where}: output file name {name!r} (from the annotation's image "
                         f"name) would be written outside {os.fspath(root)!r}; refused")
    real_root = os.path.realpath(root)
    joined = os.path.join(real_root, name.replace("\\", "/"))
    if os.path.commonpath([real_root, os.path.realpath(joined)]) != real_root:
        raise ValueError(f"{where}: output file name {name!r} leads outside "
                         f"{os.fspath(root)!r} through a link; refused")
    return joined


def output_paths(root, filenames, extension, reserved=()):
    """The files written for the images `filenames` under `root`: each image's name with
    `extension` in place of its own (`sub/a.jpg` -> `root/sub/a.txt`), checked by `output_path`
    before anything is written, refusing an image name without a file name (`""`, `sub/`,
    `..`), two images that would share one file (`a.jpg` and `a.png`), and an image whose file
    would replace one of `reserved` (such as `classes.txt`), since one would silently overwrite
    the other.

    Raises:
        ValueError naming the image file names.
    """
    paths, taken = [], {os.path.normpath(os.path.join(os.path.realpath(root), name)): name
                        for name in reserved}
    for filename in filenames:
        last = filename.replace("\\", "/").rsplit("/", 1)[-1] if isinstance(filename, str) \
            else ""
        if last in ("", ".", ".."):
            raise ValueError(f"{filename!r}: an image file name without a file name; refused")
        path = output_path(root, os.path.splitext(filename)[0] + extension, filename)
        key = os.path.normpath(path)
        if key in taken:
            raise ValueError(f"{filename!r} and {taken[key]!r} would both be written to "
                             f"{os.path.relpath(key, os.path.realpath(root))!r}; refused")
        taken[key] = filename
        paths.append(path)
    return paths


def image_size(value, where, field, text=True):
    """An image width or height from a file's field: an integer of at least 1 (a 0 divides by
    zero converting to YOLO, a negative one writes negative coordinates).

    Raises:
        ValueError naming `where` and `field`.
    """
    result = number(value, where, field, integer=True, text=text)
    if result < 1:
        raise ValueError(f"{where}: {field}: expected an image size of at least 1 pixel, "
                         f"received {result}")
    return result

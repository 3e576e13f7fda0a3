"""Scans a folder of images and reports, per file, whether the input layer can decode it.

Plain Python and Pillow, no TensorFlow: a scan runs before any pipeline is built, so that one
HTML page saved as `cat.jpg`, a truncated download or a decompression bomb is reported with its
path instead of failing a training run hours later (or crashing it: TensorFlow's WebP decoder
corrupts the heap on animated WebP).

Every regular file under the root is an entry, images or not, so the user sees everything. Each
entry gets one of `STATUSES`:

- "ok": decodes; the pipeline takes the first frame of an animation.
- "empty": zero bytes.
- "not_image": content matches no known image format (text, HTML, random bytes).
- "unsupported": a known image format the input layer does not decode (SVG, TIFF, HEIF, AVIF,
  JPEG XL, ICO) or an animated WebP.
- "too_large": the header declares more than `max_pixels` pixels; no pixel is decoded.
- "corrupt": Pillow fails to decode the first frame (truncated or damaged data).
- "unreadable": the file cannot be read (permissions, a vanished file), or is a link to a file
  outside the folder (not read).
"""

import concurrent.futures
import csv
import dataclasses
import io
import json
import os
import re
import sys

from PIL import Image

from tfimg.atomic import write_atomically
from tfimg.formats import DECODED_FORMATS, DEFAULT_MAX_PIXELS, orientation, sniff_format

__all__ = [
    "CORRUPT",
    "EMPTY",
    "NOT_IMAGE",
    "OK",
    "STATUSES",
    "TOO_LARGE",
    "UNREADABLE",
    "UNSUPPORTED",
    "ScanEntry",
    "ScanReport",
    "scan",
    "scan_bytes",
    "scan_file",
]

OK = "ok"
EMPTY = "empty"
NOT_IMAGE = "not_image"
UNSUPPORTED = "unsupported"
TOO_LARGE = "too_large"
CORRUPT = "corrupt"
UNREADABLE = "unreadable"
STATUSES = (OK, EMPTY, NOT_IMAGE, UNSUPPORTED, TOO_LARGE, CORRUPT, UNREADABLE)

# Bytes read to recognise a format: an SVG may start with an XML declaration and a comment.
_HEAD_BYTES = 1024
_PROGRESS_EVERY = 1000


@dataclasses.dataclass(frozen=True)
class ScanEntry:
    """What the scan found for one file.

    Attributes:
        path: path relative to the scanned root, with "/" separators.
        status: one of `STATUSES`.
        reason: why the file is not "ok" ("" when it is).
        format: the format recognised from the content ("jpeg", "png", "svg", ...) or "".
        width: width in pixels as a photo viewer shows it (after an EXIF rotation), 0 if unknown.
        height: height in pixels as a photo viewer shows it, 0 if unknown.
        mode: Pillow's mode of the first frame ("RGB", "P", "I;16", "CMYK", ...) or "".
        frames: number of frames (1 for a still image, 0 if unknown).
        orientation: EXIF orientation, 1 to 8 (1 when absent).
        bytes: file size in bytes.
    """

    path: str
    status: str
    reason: str = ""
    format: str = ""
    width: int = 0
    height: int = 0
    mode: str = ""
    frames: int = 0
    orientation: int = 1
    bytes: int = 0


def _bomb_reason(error, max_pixels):
    # Image.open raises before the caller can see the size when it is over
    # 2 * Image.MAX_IMAGE_PIXELS (about 179 megapixels); the message carries the pixel count.
    match = re.search(r"\((\d+) pixels\) exceeds limit of (\d+)", str(error))
    if match is None:
        return f"Pillow refuses it as a decompression bomb: {error}"
    pixels, pillow_limit = int(match.group(1)), int(match.group(2))
    if pixels > max_pixels:
        return f"declares {pixels} pixels > limit {max_pixels}"
    return (f"declares {pixels} pixels > Pillow's decompression bomb limit {pillow_limit} "
            "(raise PIL.Image.MAX_IMAGE_PIXELS to decode it)")


def _inspect_image(handle, max_pixels):
    """Opens an image from `handle` and returns the ScanEntry fields it decides."""
    try:
        image = Image.open(handle)
    except Image.DecompressionBombError as error:
        return {"status": TOO_LARGE, "reason": _bomb_reason(error, max_pixels)}
    except Exception as error:  # noqa: BLE001 - any failure to parse the header is corruption.
        return {"status": CORRUPT, "reason": f"{type(error).__name__}: {error}"}
    with image:
        width, height = image.size
        fields = {"width": width, "height": height, "mode": image.mode}
        try:
            fields["frames"] = getattr(image, "n_frames", 1)
            if image.format == "WEBP" and fields["frames"] > 1:
                reason = (f"animated WebP ({fields['frames']} frames): TensorFlow's WebP decoder "
                          "does not decode animations")
                return {**fields, "status": UNSUPPORTED, "reason": reason}
            if width * height > max_pixels:
                reason = (f"declares {width}x{height} = {width * height} pixels "
                          f"> limit {max_pixels}")
                return {**fields, "status": TOO_LARGE, "reason": reason}
            image.seek(0)
            image.load()
        except Image.DecompressionBombError as error:
            return {**fields, "status": TOO_LARGE, "reason": _bomb_reason(error, max_pixels)}
        except Exception as error:  # noqa: BLE001 - Pillow decoders raise many types.
            return {**fields, "status": CORRUPT, "reason": f"{type(error).__name__}: {error}"}
        # PNG keeps EXIF in a chunk that may follow the pixels, so read it after `load`.
        turn = orientation(image)
    if turn >= 5:
        width, height = height, width
    return {**fields, "status": OK, "width": width, "height": height, "orientation": turn}


def scan_file(path, *, root=None, max_pixels=DEFAULT_MAX_PIXELS):
    """Scans one file.

    Args:
        path: the file to scan.
        root: folder that `ScanEntry.path` is made relative to; None keeps `path` as given.
        max_pixels: largest declared width * height reported "ok".

    Returns:
        A `ScanEntry`. Never raises for a bad file: the problem is its status and reason.
    """
    path = os.fspath(path)
    relative = os.path.relpath(path, root) if root is not None else path
    relative = relative.replace(os.sep, "/")
    if root is not None and not _inside(path, root):
        # A link out of the folder: its contents are not the dataset's, and are not quoted.
        return ScanEntry(relative, UNREADABLE, reason="a link to a file outside the folder")
    try:
        size = os.stat(path).st_size
        if size == 0:
            return ScanEntry(relative, EMPTY, reason="file is empty (0 bytes)")
        with open(path, "rb") as handle:
            return _scan_contents(handle, relative, size, max_pixels)
    except OSError as error:
        return ScanEntry(relative, UNREADABLE, reason=f"{type(error).__name__}: {error}")


def _inside(path, root):
    real_root = os.path.realpath(root)
    return os.path.commonpath([os.path.realpath(path), real_root]) == real_root


def scan_bytes(data, *, name="", max_pixels=DEFAULT_MAX_PIXELS):
    """Scans encoded image bytes as `scan_file` scans a file: what names the cause when a
    decoder refuses an image held in memory (a request's instance).

    Args:
        data: the encoded bytes.
        name: `ScanEntry.path` of the result, e.g. "instances[3]".
        max_pixels: largest declared width * height reported "ok".

    Returns:
        A `ScanEntry`; never raises for bad bytes.
    """
    if not data:
        return ScanEntry(name, EMPTY, reason="0 bytes")
    return _scan_contents(io.BytesIO(data), name, len(data), max_pixels)


def _scan_contents(handle, relative, size, max_pixels):
    head = handle.read(_HEAD_BYTES)
    image_format = sniff_format(head)
    if image_format is None:
        reason = f"content is not a known image format (starts with {head[:16]!r})"
        return ScanEntry(relative, NOT_IMAGE, reason=reason, bytes=size)
    if image_format not in DECODED_FORMATS:
        reason = f"{image_format} images are not decoded by the input layer"
        return ScanEntry(relative, UNSUPPORTED, reason=reason, format=image_format, bytes=size)
    handle.seek(0)
    fields = _inspect_image(handle, max_pixels)
    # The sniffed name, not Pillow's: a camera JPEG opens in Pillow as "MPO" but decodes as JPEG.
    return ScanEntry(relative, format=image_format, bytes=size, **fields)


def _list_files(root):
    """Relative POSIX paths of the regular, non-hidden files under `root`, sorted."""
    paths = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
        for name in names:
            full_path = os.path.join(directory, name)
            if not name.startswith(".") and os.path.isfile(full_path):
                paths.append(os.path.relpath(full_path, root).replace(os.sep, "/"))
    return sorted(paths)


def scan(root, *, max_pixels=DEFAULT_MAX_PIXELS, workers=None, progress=False):
    """Scans every file under `root` (recursively, skipping hidden files and folders).

    Args:
        root: a folder, or a single file (then the report's root is the file's folder).
        max_pixels: largest declared width * height reported "ok"; checked from the header.
        workers: threads reading files in parallel; None means `os.cpu_count()`.
        progress: print a progress line to stderr every 1000 files.

    Returns:
        A `ScanReport` with one entry per file, sorted by path.

    Raises:
        FileNotFoundError: `root` does not exist.
        ValueError: `max_pixels` or `workers` is not a positive integer.
    """
    root = os.fspath(root)
    if not os.path.exists(root):
        raise FileNotFoundError(f"Scan root '{root}' does not exist")
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be positive, received max_pixels={max_pixels}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be positive or None, received workers={workers}")
    if os.path.isdir(root):
        paths = _list_files(root)
    else:
        root, name = os.path.split(os.path.abspath(root))
        paths = [name]
    entries = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
        results = pool.map(
            lambda path: scan_file(os.path.join(root, path), root=root, max_pixels=max_pixels),
            paths)
        for count, entry in enumerate(results, start=1):
            entries.append(entry)
            if progress and (count % _PROGRESS_EVERY == 0 or count == len(paths)):
                print(f"scanned {count}/{len(paths)} files", file=sys.stderr, flush=True)
    return ScanReport(root=root, entries=tuple(entries))


@dataclasses.dataclass(frozen=True)
class ScanReport:
    """The result of `scan`: one `ScanEntry` per file, sorted by path.

    Attributes:
        root: the scanned folder; `os.path.join(root, entry.path)` is each file.
        entries: tuple of `ScanEntry`.
    """

    root: str
    entries: tuple

    @property
    def counts(self):
        """Dict status -> number of entries, with every status in `STATUSES` (zeros included)."""
        counts = dict.fromkeys(STATUSES, 0)
        for entry in self.entries:
            counts[entry.status] += 1
        return counts

    def ok_paths(self):
        """Relative paths of the "ok" entries, as a tuple."""
        return tuple(entry.path for entry in self.entries if entry.status == OK)

    def bad_entries(self):
        """The entries that are not "ok", as a tuple."""
        return tuple(entry for entry in self.entries if entry.status != OK)

    def summary(self):
        """A short human-readable text: counts per status, then one line per bad file."""
        lines = [f"{len(self.entries)} files under {self.root}"]
        lines += [f"  {status}: {count}" for status, count in self.counts.items()]
        lines += [f"{entry.path}: {entry.status} ({entry.reason})" for entry in self.bad_entries()]
        return "\n".join(lines)

    def write(self, path):
        """Writes the report as CSV (".csv") or JSON (".json"), atomically.

        The text goes to a temporary file in the same folder, then replaces `path`, so a reader
        never sees half a report.

        Args:
            path: the output file; its suffix picks the format.

        Raises:
            ValueError: the suffix is neither ".csv" nor ".json".
        """
        path = os.fspath(path)
        suffix = os.path.splitext(path)[1].lower()
        if suffix not in (".csv", ".json"):
            raise ValueError(f"Cannot write scan report '{path}': expected a .csv or .json "
                             f"suffix, received '{suffix}'")
        rows = [dataclasses.asdict(entry) for entry in self.entries]

        def write(temporary):
            # surrogateescape: a file name that is not UTF-8 is written as its own bytes.
            with open(temporary, "w", newline="", encoding="utf-8",
                      errors="surrogateescape") as handle:
                if suffix == ".csv":
                    names = [field.name for field in dataclasses.fields(ScanEntry)]
                    writer = csv.DictWriter(handle, fieldnames=names)
                    writer.writeheader()
                    writer.writerows(rows)
                else:
                    document = {"root": self.root, "counts": self.counts, "entries": rows}
                    json.dump(document, handle, indent=2)
                    handle.write("\n")

        write_atomically(path, write)

"""Image formats the input layer decodes, recognised by content (magic bytes), never by name.

Plain Python (and Pillow for headers), shared by every stage: acquisition and labelling check
downloads and annotated images with it, the input layer lists and scans files, the server checks
requests.
"""

import io
import os

from PIL import Image

# File name suffixes listed as candidate images in class folders (compared case-insensitively).
# Content decides what a file really is: a PNG named `.jpg` decodes as a PNG.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp")

# Largest declared width * height decoded. Checked from the header before any pixel is decoded,
# so a decompression bomb costs nothing. 100 megapixels is about 300 MB of RGB uint8.
DEFAULT_MAX_PIXELS = 100_000_000

DECODED_FORMATS = ("jpeg", "png", "gif", "bmp", "webp")


def sniff_format(head):
    """Names the image format of `head` (the first 16 bytes or more of a file).

    Args:
        head: bytes from the start of the file.

    Returns:
        One of `DECODED_FORMATS`, "svg", "tiff", "heif", "avif", "jxl" or "ico" for known images
        the input layer does not decode, or None when the bytes are not a known image.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"BM"):
        return "bmp"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[4:8] == b"ftyp":
        return "avif" if head[8:12] in (b"avif", b"avis") else "heif"
    if head.startswith(b"\xff\x0a") or head.startswith(b"\x00\x00\x00\x0cJXL "):
        return "jxl"
    if head.startswith(b"\x00\x00\x01\x00"):
        return "ico"
    text = head.lstrip().lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in head.lower()):
        return "svg"
    return None


def is_image_name(name):
    """True when `name` ends with one of `IMAGE_EXTENSIONS` (any case)."""
    return os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


_EXIF_ORIENTATION = 0x0112


def orientation(image):
    """The EXIF orientation (1 to 8) of a Pillow image; 1 when absent or damaged (a damaged
    EXIF block does not stop the pixels from decoding)."""
    try:
        value = image.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # noqa: BLE001 - Pillow raises many types on malformed EXIF.
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def upright_size(image):
    """(width, height) of a Pillow image as photo viewers show it (EXIF orientation applied)."""
    width, height = image.size
    return (height, width) if orientation(image) in (5, 6, 7, 8) else (width, height)


class ImageError(ValueError):
    """Bytes that are not a usable image; `status` says why: "not_image", "too_many_pixels" or
    "corrupt"."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def looks_like_html(data):
    """Whether `data` starts like an HTML (or XHTML) page: what a server sends for a missing
    image, and what a crawler follows."""
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--", b"<?xml"))


def open_header(data, max_pixels=DEFAULT_MAX_PIXELS):
    """(Pillow image, format name) of encoded `data`, judged by content and header only: a
    format the input layer decodes, a header that parses, and at most `max_pixels` declared
    pixels (so a decompression bomb is refused before any pixel is decoded). The pixels are
    not decoded yet (`image.load()` does that).

    Raises:
        ImageError with status "not_image" (HTML, text, unknown bytes, formats the input layer
        does not decode), "too_many_pixels" or "corrupt" (a header that does not parse).
    """
    found = sniff_format(data[:32])
    if found is None:
        kind = ": an HTML page" if looks_like_html(data) else ""
        raise ImageError("not_image", f"not an image{kind} (expected JPEG, PNG, GIF, BMP or "
                         f"WebP bytes, received {len(data)} bytes starting {data[:12]!r})")
    if found not in DECODED_FORMATS:
        raise ImageError("not_image", f"a {found.upper()} image, which tfimg does not decode")
    # Pillow raises many kinds of exceptions on malformed headers (OSError, SyntaxError,
    # struct.error, IndexError, EOFError ...): any of them means a corrupt file.
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:  # over twice Pillow's own limit
        raise ImageError("too_many_pixels", f"declared pixel count over {max_pixels} "
                         f"(decompression bomb?): {error}") from None
    except Image.UnidentifiedImageError:
        raise ImageError("corrupt", f"corrupt {found.upper()} header") from None
    except Exception as error:
        raise ImageError("corrupt", f"corrupt {found.upper()} header ({type(error).__name__}: "
                         f"{error})") from None
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise ImageError("too_many_pixels", f"declared size {width}x{height} is over "
                         f"{max_pixels} pixels (decompression bomb?)")
    return image, found

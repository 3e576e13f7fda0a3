"""Image formats the input layer decodes, recognised by content (magic bytes), never by name.

Plain Python, shared by every stage: acquisition and labelling check downloads and annotated
images with it, the input layer lists and scans files, the server checks requests.
"""

import os

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

"""Builds a small class-folder dataset full of the files that break image pipelines.

Not a test module: tests call `make_hostile_folder(tmp_path)` and check what their stage does
with each file. Everything is generated with Pillow and NumPy from a fixed seed, nothing is
downloaded, and every image is at most 64x48 pixels so tests stay fast.

Layout (the folder name is the class label; good images sit in both classes)::

    good/  rgb.jpg rgb.png palette.png rgba.png gray16.png anim.gif cmyk.jpg rotated.jpg
           image.bmp still.webp
    bad/   rgb2.jpg png_named.jpg                      (decodable: status "ok")
           empty.jpg truncated.jpg text.jpg page.jpg drawing.svg anim.webp bomb.png notes.txt
"""

import io
import struct
import zlib

import numpy as np
from PIL import Image

__all__ = [
    "BOMB_SIZE",
    "CLASS_NAMES",
    "EXPECTED_FRAMES",
    "EXPECTED_MODES",
    "EXPECTED_SIZES",
    "EXPECTED_STATUSES",
    "SEED",
    "make_hostile_folder",
]

SEED = 20240611
CLASS_NAMES = ("bad", "good")

# (height, width) as a photo viewer shows each decodable image. rotated.jpg is stored 40 wide and
# 30 high with EXIF orientation 6 (rotate 90 degrees clockwise), so a viewer shows it 30x40.
EXPECTED_SIZES = {
    "good/rgb.jpg": (48, 64),
    "good/rgb.png": (30, 40),
    "good/palette.png": (40, 48),
    "good/rgba.png": (32, 48),
    "good/gray16.png": (30, 40),
    "good/anim.gif": (30, 40),
    "good/cmyk.jpg": (32, 40),
    "good/rotated.jpg": (40, 30),
    "good/image.bmp": (36, 44),
    "good/still.webp": (30, 40),
    "bad/rgb2.jpg": (40, 56),
    "bad/png_named.jpg": (30, 40),
}

# Pillow's mode of the first frame, for the files whose mode is the point of the file.
EXPECTED_MODES = {
    "good/rgb.jpg": "RGB",
    "good/palette.png": "P",
    "good/rgba.png": "RGBA",
    "good/gray16.png": "I;16",
    "good/cmyk.jpg": "CMYK",
}

EXPECTED_FRAMES = {"good/anim.gif": 3, "bad/anim.webp": 3}

# (width, height) declared by bad/bomb.png: 400 million pixels, 4x the default limit.
BOMB_SIZE = (20000, 20000)

EXPECTED_STATUSES = {
    **{path: "ok" for path in EXPECTED_SIZES},
    "bad/empty.jpg": "empty",
    "bad/truncated.jpg": "corrupt",
    "bad/text.jpg": "not_image",
    "bad/page.jpg": "not_image",
    "bad/drawing.svg": "unsupported",
    "bad/anim.webp": "unsupported",
    "bad/bomb.png": "too_large",
    "bad/notes.txt": "not_image",
}

_TEXT = b"This is not a picture.\nIt is a note that happens to be named like one.\n"
_HTML = (b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
         b"<body><h1>Not Found</h1><p>The requested image was not found.</p></body></html>\n")
_SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30">'
        b'<rect width="40" height="30" fill="#3a7"/><circle cx="20" cy="15" r="9" fill="#e52"/>'
        b"</svg>\n")


def _pixels(rng, height, width, channels=3):
    """uint8 (height, width, channels): a diagonal gradient per channel plus noise."""
    rows = np.linspace(0.0, 1.0, height)[:, None, None]
    columns = np.linspace(0.0, 1.0, width)[None, :, None]
    phase = rng.uniform(0.0, 1.0, size=(1, 1, channels))
    base = 255.0 * (0.5 + 0.4 * np.sin(2.0 * np.pi * (rows + columns + phase)))
    noise = rng.normal(0.0, 12.0, size=(height, width, channels))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def _rgb(rng, height, width):
    return Image.fromarray(_pixels(rng, height, width), mode="RGB")


def _encode(image, image_format, **options):
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def bomb_png():
    """A valid-looking PNG declaring 20000x20000 RGB with only 4 rows of (zero) pixel data."""
    width, height = BOMB_SIZE
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace.
    rows = b"".join(b"\x00" + bytes(3 * width) for _ in range(4))  # Filter byte 0 per row.
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(rows, 9)) + _png_chunk(b"IEND", b""))


def _build_files(rng):
    """Dict relative path -> file bytes, generated in a fixed order from `rng`."""
    files = {}
    files["good/rgb.jpg"] = _encode(_rgb(rng, 48, 64), "JPEG", quality=90)
    files["good/rgb.png"] = _encode(_rgb(rng, 30, 40), "PNG")
    files["good/palette.png"] = _encode(_rgb(rng, 40, 48).quantize(colors=16), "PNG")
    rgba = Image.fromarray(_pixels(rng, 32, 48, channels=4), mode="RGBA")
    files["good/rgba.png"] = _encode(rgba, "PNG")
    gray16 = _pixels(rng, 30, 40, channels=1)[..., 0].astype(np.uint16) * 257
    files["good/gray16.png"] = _encode(Image.fromarray(gray16), "PNG")
    frames = [_rgb(rng, 30, 40).quantize(colors=32) for _ in range(3)]
    files["good/anim.gif"] = _encode(frames[0], "GIF", save_all=True,
                                     append_images=frames[1:], duration=100, loop=0)
    files["good/cmyk.jpg"] = _encode(_rgb(rng, 32, 40).convert("CMYK"), "JPEG", quality=90)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display.
    files["good/rotated.jpg"] = _encode(_rgb(rng, 30, 40), "JPEG", quality=90, exif=exif)
    files["good/image.bmp"] = _encode(_rgb(rng, 36, 44), "BMP")
    files["good/still.webp"] = _encode(_rgb(rng, 30, 40), "WEBP", lossless=True)
    files["bad/rgb2.jpg"] = _encode(_rgb(rng, 40, 56), "JPEG", quality=90)
    files["bad/png_named.jpg"] = _encode(_rgb(rng, 30, 40), "PNG")

    files["bad/empty.jpg"] = b""
    whole = _encode(_rgb(rng, 48, 64), "JPEG", quality=95)
    files["bad/truncated.jpg"] = whole[:int(len(whole) * 0.6)]
    files["bad/text.jpg"] = _TEXT
    files["bad/page.jpg"] = _HTML
    files["bad/drawing.svg"] = _SVG
    frames = [_rgb(rng, 30, 40) for _ in range(3)]
    files["bad/anim.webp"] = _encode(frames[0], "WEBP", save_all=True, append_images=frames[1:],
                                     duration=100, loop=0, lossless=True)
    files["bad/bomb.png"] = bomb_png()
    files["bad/notes.txt"] = _TEXT
    return files


def make_hostile_folder(root):
    """Writes the hostile dataset under `root` (a `pathlib.Path`, created if missing).

    Args:
        root: folder to fill; `good/` and `bad/` are created inside it.

    Returns:
        Dict relative POSIX path -> the status `tfimg.data.scan` must report for it (a copy of
        `EXPECTED_STATUSES`). The same seed gives the same bytes on every call.
    """
    files = _build_files(np.random.default_rng(SEED))
    if set(files) != set(EXPECTED_STATUSES):
        raise ValueError(f"hostile.py is out of sync: built {sorted(files)}, "
                         f"expected {sorted(EXPECTED_STATUSES)}")
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return dict(EXPECTED_STATUSES)

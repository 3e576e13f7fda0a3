"""Downloaded bytes as images: checked by content, optionally resized and re-encoded.

Validation decodes the whole image (Pillow), after checking the declared pixel count from the
header, so HTML served as `image/png`, truncated files and decompression bombs are all caught
whatever the URL's extension or Content-Type says. Resize modes follow img2dataset's:
- "no": the downloaded bytes are kept as they are;
- "keep_ratio": the shorter side becomes `image_size`, aspect ratio kept;
- "center_crop": keep_ratio, then the central `image_size` square;
- "border": the longer side becomes `image_size`, then black borders make it square.
Resized images are turned upright by their EXIF orientation first and re-encoded.

Plain Python (Pillow).
"""

import io

from PIL import Image, ImageOps

from tfimg.formats import DEFAULT_MAX_PIXELS, ImageError, open_header, upright_size

RESIZE_MODES = ("no", "keep_ratio", "center_crop", "border")
ENCODE_FORMATS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp"}
EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "gif": ".gif", "bmp": ".bmp", "webp": ".webp"}


def open_image(data, max_pixels=DEFAULT_MAX_PIXELS):
    """The fully decoded Pillow image of `data` and its format name.

    Raises:
        ImageError with status "not_image", "too_many_pixels" (see `tfimg.formats.open_header`)
        or "corrupt" (a broken header, truncated or broken data).
    """
    image, found = open_header(data, max_pixels)
    # Pillow's decoders raise many kinds of exceptions on malformed data (OSError, SyntaxError,
    # struct.error, IndexError, EOFError ...): any of them means a corrupt file.
    try:
        image.load()
    except Exception as error:
        raise ImageError("corrupt", f"{found.upper()} does not decode: "
                         f"{type(error).__name__}: {error}") from None
    return image, found


def resize(image, mode, image_size):
    """The Pillow image resized by `mode` (see the module docstring); upright RGB."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    width, height = image.size
    if mode in ("keep_ratio", "center_crop"):
        scale = image_size / min(width, height)
    else:  # border
        scale = image_size / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if mode == "center_crop":
        left, top = (size[0] - image_size) // 2, (size[1] - image_size) // 2
        image = image.crop((left, top, left + image_size, top + image_size))
    elif mode == "border":
        canvas = Image.new("RGB", (image_size, image_size))
        canvas.paste(image, ((image_size - size[0]) // 2, (image_size - size[1]) // 2))
        image = canvas
    return image


def encode(image, encode_format, quality=95):
    """Bytes of `image` as "jpeg", "png" or "webp"."""
    out = io.BytesIO()
    options = {"quality": quality} if encode_format in ("jpeg", "webp") else {}
    image.save(out, format=encode_format.upper(), **options)
    return out.getvalue()


def difference_hash(image):
    """The 64-bit difference hash (dHash) of an image as 16 hex digits: equal for the same
    picture re-encoded or resized (Krawetz, "Kind of like that", 2013)."""
    small = ImageOps.exif_transpose(image).convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()  # one byte per pixel, row by row
    bits = 0
    for row in range(8):
        for column in range(8):
            left, right = pixels[row * 9 + column], pixels[row * 9 + column + 1]
            bits = (bits << 1) | (left > right)
    return f"{bits:016x}"


def prepare(data, max_pixels, mode="no", image_size=256, encode_format="jpeg",
            perceptual_hash=False):
    """(bytes to store, extension, width, height, dHash or None) of downloaded `data`.

    Raises:
        ImageError (see `open_image`).
    """
    image, found = open_image(data, max_pixels)
    phash = difference_hash(image) if perceptual_hash else None
    if mode == "no":
        return data, EXTENSIONS[found], *upright_size(image), phash
    image = resize(image, mode, image_size)
    return encode(image, encode_format), ENCODE_FORMATS[encode_format], *image.size, phash

"""Image files for the image-operation verbs (`process`, `match`, `similarity`): listing a
folder, reading with the header checked before any pixel is decoded, writing atomically in the
format the file name says. Plain Python (Pillow, NumPy)."""

import os

import numpy as np
from PIL import Image

from tfimg.atomic import write_atomically
from tfimg.formats import DEFAULT_MAX_PIXELS, is_image_name, open_header

# A file over this many bytes is refused unread (a 100-megapixel PNG is well under it).
MAX_FILE_BYTES = 512 * 1024 * 1024


def read_image(path, mode="RGB", max_pixels=DEFAULT_MAX_PIXELS):
    """uint8 array `(height, width, 3)` ("RGB") or `(height, width)` ("L") of the image file.

    Raises:
        ValueError naming the file: missing, too large, not an image, corrupt.
    """
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{size} bytes, over {MAX_FILE_BYTES}")
        with open(path, "rb") as file:
            data = file.read()
        image, _ = open_header(data, max_pixels)
        with image:
            image.load()
            return np.asarray(image.convert(mode))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: {error}") from None


def write_image(path, pixels):
    """Writes a uint8 array (`(h, w)`, `(h, w, 1)` or `(h, w, 3)`) in the format of `path`'s
    extension (JPEG at quality 95), atomically."""
    pixels = np.asarray(pixels)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    image = Image.fromarray(pixels)
    extension = os.path.splitext(path)[1].lower()
    image_format = Image.registered_extensions().get(extension)
    if image_format is None:
        raise ValueError(f"{path}: unknown image extension {extension!r}")
    options = {"quality": 95} if image_format == "JPEG" else {}
    write_atomically(path, lambda temporary: image.save(temporary, image_format, **options))


def list_images(root, exclude=None):
    """Relative paths of the image files under folder `root`, sorted; symbolic links are not
    followed (nor listed), so every path stays inside `root`; folder `exclude` is skipped."""
    root = os.path.abspath(root)
    exclude = os.path.abspath(exclude) if exclude else None
    found = []
    for folder, folders, files in os.walk(root):
        folders[:] = sorted(name for name in folders
                            if not os.path.islink(os.path.join(folder, name))
                            and os.path.join(folder, name) != exclude)
        for name in files:
            path = os.path.join(folder, name)
            if is_image_name(name) and not os.path.islink(path):
                found.append(os.path.relpath(path, root))
    return sorted(found)

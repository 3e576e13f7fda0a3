"""Image files for the image verbs (`process`, `match`, `similarity`, `sr`, `denoise`):
listing a folder, pairing inputs with outputs, reading with the header checked before any pixel
is decoded, writing atomically in the format the file name says. Plain Python (Pillow, NumPy)."""

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
            if image.mode in ("I", "I;16", "I;16B", "I;16L"):
                # 16-bit greyscale: keep the top 8 bits (Pillow's convert would clip at 255).
                image = Image.fromarray((np.asarray(image, np.uint32) >> 8).astype(np.uint8))
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


def input_output_pairs(source, target):
    """(input path, output path, label) of every image to process: the file `source` to the
    file `target`, or each image under folder `source` to the same relative name under folder
    `target`.

    Raises:
        ValueError naming the path: missing input, an output folder that is the input, a file
        where a folder is needed or the reverse, a folder without images.
    """
    if os.path.isdir(source):
        if os.path.abspath(source) == os.path.abspath(target):
            raise ValueError(f"{target}: the output folder would overwrite the input")
        if os.path.exists(target) and not os.path.isdir(target):
            raise ValueError(f"{target}: expected a folder for a folder input")
        names = list_images(source, exclude=target)
        if not names:
            raise ValueError(f"{source}: no image files (.jpg, .png, .gif, .bmp, .webp)")
        return [(os.path.join(source, name), os.path.join(target, name), name)
                for name in names]
    if not os.path.isfile(source):
        raise ValueError(f"{source}: no such file or folder")
    if os.path.isdir(target):
        raise ValueError(f"{target}: is a folder; give an output file for a file input")
    return [(source, target, os.path.basename(source))]

"""Small test inputs built in memory for the data tests (JPEG bytes, EXIF payloads, files on
disk), one pass over a built pipeline, and the reference decode the decoder tests compare with."""

import io
import struct

import numpy as np
import tensorflow as tf
from PIL import Image

from tfimg.data import decode_image
from tfimg.ops import resize

EXIF_ORIENTATION = 0x0112


def exif_payload(orientation, byte_order):
    """APP1 payload: "Exif\\0\\0", a TIFF header in `byte_order` (b"II" little-endian, b"MM"
    big-endian) and IFD0 holding Make, Orientation and ResolutionUnit, as cameras write it."""
    endian = "<" if byte_order == b"II" else ">"
    entries = [
        (0x010F, 2, 4, b"Cam\0"),  # Make, ASCII, 4 bytes stored inline.
        (EXIF_ORIENTATION, 3, 1, struct.pack(endian + "HH", orientation, 0)),  # SHORT.
        (0x0128, 3, 1, struct.pack(endian + "HH", 2, 0)),  # ResolutionUnit: inches.
    ]
    ifd = struct.pack(endian + "H", len(entries))
    for tag, kind, count, value in entries:
        ifd += struct.pack(endian + "HHI", tag, kind, count) + value
    ifd += struct.pack(endian + "I", 0)  # No next IFD.
    return b"Exif\0\0" + byte_order + struct.pack(endian + "HI", 42, 8) + ifd


def oriented_jpeg(orientation, byte_order=b"MM", layout="jfif"):
    """A 24x40 (stored) JPEG with an EXIF orientation.

    layout "jfif": SOI, APP0 (JFIF), APP1 (Exif), as Pillow writes it; "exif": SOI, APP1, as
    cameras write it (the APP0 segment removed).
    """
    rows = np.linspace(0, 200, 24)[:, None, None]
    columns = np.linspace(0, 50, 40)[None, :, None]
    pixels = (rows + columns + np.array([0, 30, 60])) % 256
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(
        buffer, "JPEG", quality=95, exif=exif_payload(orientation, byte_order))
    data = buffer.getvalue()
    if layout == "exif":
        assert data[2:4] == b"\xff\xe0"
        data = data[:2] + data[4 + int.from_bytes(data[4:6], "big"):]
        assert data[2:4] == b"\xff\xe1"
    return data


def jpeg_bytes(pixels, **save_options):
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, np.uint8)).save(buffer, "JPEG", quality=90, **save_options)
    return buffer.getvalue()


def write_files(folder, contents):
    """Writes each bytes object to `folder/NN.img`; returns the paths as a tf.string [n]."""
    paths = []
    for number, data in enumerate(contents):
        path = folder / f"{number:02d}.img"
        path.write_bytes(data)
        paths.append(str(path))
    return tf.constant(paths)


def pil_exif(orientation):
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    return exif


def epoch(pipeline):
    """(float32 images [n, ...], int32 labels [n], batch sizes) of one pass over the dataset."""
    images, labels, sizes = [], [], []
    for batch_images, batch_labels in pipeline.dataset:
        assert batch_images.dtype == tf.float32 and batch_labels.dtype == tf.int32
        images.append(batch_images.numpy())
        labels.append(batch_labels.numpy())
        sizes.append(len(batch_labels))
    return np.concatenate(images), np.concatenate(labels), sizes


# Hostile files of every format, for the batch decoders' tests.
MIXED = ("good/rgb.jpg", "good/rgb.png", "good/anim.gif", "good/palette.png", "good/rgba.png",
         "good/gray16.png", "good/image.bmp", "good/still.webp", "good/rotated.jpg",
         "good/cmyk.jpg", "bad/png_named.jpg")

# decode_image run eagerly parses headers op by op, about 0.3 s a call on a small CPU. The bulk
# comparisons call it traced once per channel count (as tf.data runs it);
# test_decode_image_eager_graph_and_dataset_agree checks that eager gives the same pixels.
_TRACED_DECODE = {
    channels: tf.function(lambda contents, channels=channels: decode_image(contents, channels),
                          input_signature=[tf.TensorSpec([], tf.string)])
    for channels in (1, 3)}


def traced_decode(data, channels=3):
    """decode_image(data, channels) as NumPy, through the traced function."""
    return _TRACED_DECODE[channels](tf.constant(data)).numpy()


def read_relative(root, relative):
    return (root / relative).read_bytes()


def to_uint8(image):
    return np.clip(np.round(np.asarray(image)), 0, 255).astype(np.uint8)


def expected_batch_item(data, size, mode="stretch", channels=3):
    """decode_batch's contract: the single-image decode, resized unless already `size`."""
    image = traced_decode(data, channels)
    if image.shape[:2] == tuple(size):
        return image
    return to_uint8(resize(image, size, mode=mode))

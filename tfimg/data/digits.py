"""The embedded default dataset: scikit-learn's handwritten digits as class-folder PNG files.

1,797 real 8x8 grayscale scans of handwritten digits (UCI ML, Alpaydin and Kaynak, 1998),
shipped inside scikit-learn, so the demo runs the real path from files on disk with no download.
"""

import os
import shutil
import tempfile

import numpy as np

DIGITS_CLASSES = tuple(str(i) for i in range(10))


def default_home():
    """tfimg's cache folder: $TFIMG_HOME, else ~/.cache/tfimg."""
    return os.environ.get("TFIMG_HOME") or os.path.join(os.path.expanduser("~"), ".cache",
                                                        "tfimg")


def write_digits(root=None):
    """Writes the digits as `root/<digit>/<index>.png` (once) and returns `root`.

    The folder is built under a temporary name and renamed into place, so an interrupted run
    never leaves a partial dataset behind.
    """
    from PIL import Image
    from sklearn.datasets import load_digits

    root = os.fspath(root or os.path.join(default_home(), "datasets", "digits"))
    if os.path.isdir(root):
        return root
    digits = load_digits()
    parent = os.path.dirname(os.path.abspath(root))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".digits-", dir=parent)
    try:
        for name in DIGITS_CLASSES:
            os.makedirs(os.path.join(staging, name))
        # Scans hold 0..16; scale to the full 8-bit range.
        pixels = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
        for index, (image, label) in enumerate(zip(pixels, digits.target)):
            Image.fromarray(image).save(
                os.path.join(staging, str(label), f"{index:04d}.png"))
        os.replace(staging, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return root

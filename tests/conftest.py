"""Fixtures shared by the test suite: real photos, a small CIFAR-10 folder, the hostile folder,
class folders of the embedded digits.

Real data comes from the project's shared data folder (`../shared/data` next to the repository,
see its README); nothing is downloaded. Tests that need it skip when it is absent.
"""

import io
import os
import pathlib
import shutil
import tarfile

import numpy as np
import pytest

from tfimg.data.digits import write_digits

from tests.data.hostile import make_hostile_folder

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]

# The CIFAR-10 subset: the first classes of the archive (it is ordered by class), a few images
# each, so that extracting streams only the start of the archive (well under a second).
CIFAR_CLASSES = 3
CIFAR_PER_CLASS = 20
PHOTO_COUNT = 3


def shared_data_dir():
    """The shared data folder, or None: $TFIMG_SHARED_DATA, ../shared/data, ./shared/data."""
    candidates = [os.environ.get("TFIMG_SHARED_DATA"),
                  REPOSITORY.parent / "shared" / "data",
                  REPOSITORY / "shared" / "data"]
    for candidate in candidates:
        if candidate and pathlib.Path(candidate).is_dir():
            return pathlib.Path(candidate)
    return None


def _shared_path(relative):
    folder = shared_data_dir()
    path = folder / relative if folder else None
    if path is None or not path.exists():
        pytest.skip(f"shared data {relative!r} not found (see ../shared/data/README.md)")
    return path


@pytest.fixture(scope="session")
def photo_paths():
    """Paths of the first `PHOTO_COUNT` Sun-80 photos (JPEG, about 1024x700), sorted by name."""
    folder = _shared_path("photos/sun80")
    paths = sorted(folder.glob("*.jpg"))[:PHOTO_COUNT]
    if not paths:
        pytest.skip(f"no JPEG photos in {folder}")
    return paths


@pytest.fixture(scope="session")
def photos(photo_paths):
    """[(name, encoded bytes, uint8 RGB array as PIL decodes it)] for the Sun-80 photos."""
    from PIL import Image

    result = []
    for path in photo_paths:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            pixels = np.asarray(image.convert("RGB"))
        result.append((path.name, data, pixels))
    return result


@pytest.fixture(scope="session")
def cifar_folder(tmp_path_factory):
    """Class folders `<root>/<class>/NNNN.jpg`: 20 CIFAR-10 JPEGs (32x32) for each of 3 classes.

    Streams the shared archive and stops at the fourth class, so only its start is read.
    """
    archive = _shared_path("cifar10-train-jpeg.tar.gz")
    root = tmp_path_factory.mktemp("cifar")
    counts = {}
    with tarfile.open(archive, "r|gz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if not member.isfile() or len(parts) != 3:
                continue
            class_name, file_name = parts[1], parts[2]
            if class_name not in counts and len(counts) == CIFAR_CLASSES:
                break
            if counts.get(class_name, 0) >= CIFAR_PER_CLASS:
                continue
            counts[class_name] = counts.get(class_name, 0) + 1
            target = root / class_name / file_name
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(tar.extractfile(member).read())
    if len(counts) != CIFAR_CLASSES or min(counts.values()) != CIFAR_PER_CLASS:
        pytest.skip(f"unexpected layout of {archive}: {counts}")
    return root


@pytest.fixture(scope="session")
def hostile_folder(tmp_path_factory):
    """Root of the hostile folder of `tests/data/hostile.py` (treat as read-only)."""
    root = tmp_path_factory.mktemp("hostile")
    make_hostile_folder(root)
    return root


def _run_three_ways(function, *arguments):
    """(eager, tf.function, inside Dataset.map) results of `function(*arguments)`, as NumPy."""
    import tensorflow as tf

    tensors = tuple(tf.convert_to_tensor(argument) for argument in arguments)
    eager = function(*tensors)
    graph = tf.function(function)(*tensors)
    mapped = next(iter(tf.data.Dataset.from_tensors(tensors).map(function)))
    return tuple(np.asarray(result) for result in (eager, graph, mapped))


@pytest.fixture(scope="session")
def run_three_ways():
    """`run_three_ways(function, *arguments)` -> (eager, graph, Dataset.map) NumPy results."""
    return _run_three_ways


@pytest.fixture(scope="session")
def digits_subset(tmp_path_factory):
    """A function `per_class -> folder` with the first `per_class` digits of each class as
    class-folder PNGs (8x8); the digits are written once per session."""
    source = write_digits(tmp_path_factory.mktemp("all") / "digits")

    def make(per_class):
        root = tmp_path_factory.mktemp("digits")
        for folder in sorted(os.listdir(source)):
            os.makedirs(root / folder)
            for name in sorted(os.listdir(os.path.join(source, folder)))[:per_class]:
                shutil.copy(os.path.join(source, folder, name), root / folder / name)
        return root
    return make


@pytest.fixture(scope="session")
def small_photo_folder(tmp_path_factory):
    """A folder of 8 real photos (scikit-image's bundled colour images, resized to 96x80 and
    saved as PNG), for restoration training and inference tests that run in seconds."""
    from PIL import Image
    from skimage import data as samples

    folder = tmp_path_factory.mktemp("photos")
    names = ("astronaut", "chelsea", "coffee", "rocket", "retina", "hubble_deep_field",
             "immunohistochemistry", "colorwheel")
    for name in names:
        image = Image.fromarray(getattr(samples, name)()).convert("RGB").resize((96, 80))
        image.save(folder / f"{name}.png")
    return folder

"""The photo corpora `benchmarks/input_pipeline.py --make-photos` builds."""

import importlib.util
import os

import numpy as np
from PIL import Image

_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks",
                     "input_pipeline.py")


def _benchmark():
    spec = importlib.util.spec_from_file_location("input_pipeline_benchmark", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_photos_writes_each_size_and_the_originals(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    pixels = np.random.default_rng(0).integers(0, 256, (30, 50, 3), np.uint8)
    Image.fromarray(pixels).save(source / "a.jpg", quality=80)
    Image.fromarray(pixels[:20]).save(source / "b.png")
    _benchmark().make_photos(str(tmp_path / "out"), [str(source)], "32x24,original")
    for name in ("a", "b"):
        with Image.open(tmp_path / "out" / "32x24" / "photos" / f"{name}.jpg") as image:
            assert (image.format, image.size) == ("JPEG", (32, 24))
    originals = tmp_path / "out" / "original" / "photos"
    # A JPEG is copied as it is; another format is saved as a JPEG at its own size.
    assert (originals / "a.jpg").read_bytes() == (source / "a.jpg").read_bytes()
    with Image.open(originals / "b.jpg") as image:
        assert (image.format, image.size) == ("JPEG", (50, 20))
    assert sorted(os.listdir(originals)) == ["a.jpg", "b.jpg"]  # no temporary file left

"""Every ```python block of README.md runs, each in a fresh interpreter, in a folder holding the
files it names (a URL list, VOC annotations, class folders of photos, cat.jpg, the shipped
`saved_models/`) and with a `tfimg serve` server of the shipped CIFAR-10 CNN; the one change
made to a block is the server's address (README says 127.0.0.1:8501, the test's listens on a
free port)."""

import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tfimg.label import Annotation, Box, LabelMap, save

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
README_SERVER = "http://127.0.0.1:8501"


def _blocks():
    text = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    return [(text[:match.start()].count("\n") + 1, match.group(1))
            for match in BLOCK.finditer(text)]


def _photo(path, seed, size=(48, 64)):
    pixels = np.random.default_rng(seed).integers(0, 256, (*size, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)


def _make_folder(root):
    (root / "urls.csv").write_text("url\nhttp://127.0.0.1:1/a.jpg\n")  # refused: loopback
    for number, label in enumerate(("cat", "dog")):
        (root / "photos" / label).mkdir(parents=True)
        for index in range(6):
            _photo(root / "photos" / label / f"{index}.jpg", 100 * (number + 1) + index)
    _photo(root / "cat.jpg", 1)
    _photo(root / "ship.png", 2)
    (root / "annotations").mkdir()
    annotations = []
    for index in range(2):
        _photo(root / "annotations" / f"{index}.jpg", 10 + index, size=(60, 80))
        annotations.append(Annotation(f"{index}.jpg", 80, 60, [Box("cat", 5, 6, 40, 50)]))
    save(annotations, LabelMap(["cat"]), root / "annotations", "voc")
    os.symlink(REPOSITORY / "saved_models", root / "saved_models")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """(the prepared folder, the URL of a server of the shipped CIFAR-10 CNN)."""
    from tfimg.export import ExportConfig, export
    from tfimg.serve import Server, ServeConfig

    root = tmp_path_factory.mktemp("readme")
    _make_folder(root)
    exports = tmp_path_factory.mktemp("exports")
    export(ExportConfig(model=str(REPOSITORY / "saved_models" / "cifar10_cnn"),
                        data=str(root / "photos"), out=str(exports), parity_images=12))
    with Server(ServeConfig(model=str(exports / "cifar10_cnn"), port=0),
                log_level="warning") as server:
        yield root, server.url


def test_the_readme_has_python_blocks():
    assert len(_blocks()) >= 5


@pytest.mark.slow
@pytest.mark.parametrize("line, code", _blocks(), ids=lambda value: str(value)[:12])
def test_readme_python_block_runs(folder, line, code):
    root, url = folder
    script = root / f"block_{line}.py"
    script.write_text(code.replace(README_SERVER, url))
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, str(script)], cwd=root, capture_output=True,
                            text=True, timeout=300, env=env)
    assert result.returncode == 0, f"README.md line {line}:\n{result.stderr[-3000:]}"

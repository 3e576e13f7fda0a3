"""Fixtures of the training tests: small class folders of the embedded digits."""

import os
import shutil

import pytest

from tfimg.data.digits import write_digits


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

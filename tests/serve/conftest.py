"""A real export of a trained digits CNN, shared by the server tests of this folder."""

import pytest

from tfimg.export import ExportConfig, export
from tfimg.train import TrainConfig, train


@pytest.fixture(scope="session")
def digits(digits_subset):
    return digits_subset(60)


@pytest.fixture(scope="session")
def exported(digits, tmp_path_factory):
    """(model folder, export base folder) of a digits CNN trained for 3 epochs."""
    out = tmp_path_factory.mktemp("serve")
    train(TrainConfig(data=str(digits), epochs=3, out=str(out / "run"), image_size=(24, 24),
                      batch_size=32))
    export(ExportConfig(model=str(out / "run" / "model"), data=str(digits), name="digits",
                        out=str(out / "exports"), parity_images=50))
    return str(out / "run" / "model"), str(out / "exports" / "digits")

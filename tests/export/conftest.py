import pytest

from tfimg.train import TrainConfig, train


@pytest.fixture(scope="module")
def digits(digits_subset):
    return digits_subset(200)  # all 1,797: 365 validation images to check exports on


@pytest.fixture(scope="module")
def digits_cnn(digits, tmp_path_factory):
    """`epochs -> model folder`: the survey's CNN trained on the digits (24x24)."""
    def make(epochs):
        out = tmp_path_factory.mktemp("train") / "digits_cnn"
        train(TrainConfig(data=str(digits), epochs=epochs, out=str(out), image_size=(24, 24),
                          batch_size=32))
        return str(out / "model")
    return make

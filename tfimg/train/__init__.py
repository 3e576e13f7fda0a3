"""Training jobs around Keras `fit`."""

from tfimg.train.config import TrainConfig
from tfimg.train.trainer import train

__all__ = ["TrainConfig", "train"]

"""Training jobs around Keras `fit`."""

from tfimg.train.config import TrainConfig
from tfimg.train.demo import DemoConfig, run_demo
from tfimg.train.trainer import train

__all__ = ["DemoConfig", "TrainConfig", "run_demo", "train"]

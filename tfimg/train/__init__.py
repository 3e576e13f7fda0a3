"""Training jobs around Keras `fit`: classifiers (`train`) and restoration models
(`train_restoration`)."""

from tfimg.train.config import TrainConfig
from tfimg.train.restoration import train_restoration
from tfimg.train.restoration_config import RestorationConfig
from tfimg.train.trainer import train

__all__ = ["RestorationConfig", "TrainConfig", "train", "train_restoration"]

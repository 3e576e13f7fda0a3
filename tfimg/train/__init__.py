"""Training jobs around Keras `fit`."""

from tfimg.train.demo import DemoConfig, run_demo

__all__ = ["DemoConfig", "run_demo"]

"""The main job end to end (see `tfimg.demo.job`): `run_demo(DemoConfig())`."""

from tfimg.demo.config import DemoConfig

__all__ = ["DemoConfig", "run_demo"]


def __getattr__(name):
    # The job imports TensorFlow; the config does not, so that `tfimg demo --help` is quick.
    if name == "run_demo":
        from tfimg.demo.job import run_demo
        return run_demo
    raise AttributeError(f"module 'tfimg.demo' has no attribute {name!r}")

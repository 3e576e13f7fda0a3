"""The main job end to end (see `tfimg.demo.job`): `run_demo(DemoConfig())`."""

from tfimg.demo.config import DemoConfig
from tfimg.lazy import lazy_names

__all__ = ["DemoConfig", "run_demo"]

# The job imports TensorFlow; the config does not, so that `tfimg demo --help` is quick.
__getattr__ = lazy_names(__name__, {"run_demo": "job"})

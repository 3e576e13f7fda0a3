"""A quiet command line: TensorFlow's C++ start-up lines and a false Keras warning silenced.

TensorFlow 2.21's shared libraries log through Abseil from their static initialisers, before
`absl::InitializeLog()` and before `TF_CPP_MIN_LOG_LEVEL` is read ("oneDNN custom operations are
on", "Could not find cuda drivers", AVX flags); no environment variable stops those lines, only
closing file descriptor 2 while `import tensorflow` runs. After the import,
`TF_CPP_MIN_LOG_LEVEL=3` silences the rest (cuInit on a machine without a GPU, grappler's
remapper); set it to 0 to see them. The import is only wrapped when it happens, so verbs that
need no TensorFlow never load it.
"""

import contextlib
import importlib.abc
import importlib.machinery
import logging
import os
import sys
import tempfile


@contextlib.contextmanager
def stderr_silenced():
    """File descriptor 2 (what C++ code writes to) pointed at a temporary file, then restored;
    when the block fails, what it wrote is replayed on the real stderr, so that the reason of
    a failed import is not lost with the noise."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        try:
            os.dup2(captured.fileno(), 2)
            yield
        except BaseException:
            sys.stderr.flush()
            os.dup2(saved, 2)
            captured.seek(0)
            os.write(2, captured.read()[-65536:])
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


class _QuietLoader(importlib.abc.Loader):
    """Runs another loader's `exec_module` with stderr silenced."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__spec__.loader = module.__loader__ = self.loader
        with stderr_silenced():
            self.loader.exec_module(module)


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds `tensorflow` as usual, once, and gives it a quiet loader."""

    def find_spec(self, name, path, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet_tensorflow():
    """Make the first `import tensorflow` (direct, or through keras or tfds) silent on stderr,
    and TensorFlow's and Abseil's Python loggers quiet below ERROR (tf.function retracing
    notes, tfds' notes on dataset folders): the command line reports what matters itself."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for name in ("tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if "tensorflow" not in sys.modules and not any(
            isinstance(finder, _QuietTensorFlowFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())

"""Package attributes imported on first use, so that importing a package (and the command
line's `--help`) does not pay for TensorFlow until a name that needs it is used."""

import importlib


def lazy_names(package, names):
    """A module `__getattr__` for `package` (its `__name__`) that imports each name of
    `names` ({public name: submodule}) from its submodule on first use and keeps it."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name):
        if name in names:
            value = getattr(importlib.import_module(f"{package}.{names[name]}"), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__

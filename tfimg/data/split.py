"""Deterministic train/validation/test split by a hash of each file's relative path.

A file's split depends only on its own path, so adding or removing other files never moves it:
validation figures stay comparable as a dataset grows. Plain Python.
"""

import hashlib

SPLIT_NAMES = ("train", "validation", "test")


def hash_fraction(key):
    """Maps a string to a number in [0, 1), uniformly and stably across machines and runs."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def split_fractions(validation, test):
    """Checks and returns {"train": ..., "validation": ..., "test": ...} fractions."""
    for name, value in (("validation", validation), ("test", test)):
        if not 0.0 <= value < 1.0:
            raise ValueError(f"Expected a {name} fraction in [0, 1), received {value!r}")
    if validation + test >= 1.0:
        raise ValueError(f"Expected validation + test < 1 to leave training data, received "
                         f"validation={validation} test={test}")
    return {"train": 1.0 - validation - test, "validation": validation, "test": test}


def assign_split(key, validation=0.2, test=0.0):
    """The split ("train", "validation" or "test") of the file with relative path `key`.

    Test takes the lowest hash fractions, then validation, so growing `validation` never moves
    a file out of test.
    """
    split_fractions(validation, test)
    fraction = hash_fraction(key)
    if fraction < test:
        return "test"
    if fraction < test + validation:
        return "validation"
    return "train"

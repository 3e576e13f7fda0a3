"""Model folders: a trained model with what every later step needs to use it.

    model.keras     the Keras model (architecture and weights)
    metadata.json   "task" (one of `registry.TASKS`), "preprocessing" (a
                    `tfimg.data.Preprocessing` as JSON), the model's registry name, class names
                    for classifiers, the data it was trained on and its figures

`tfimg train` and `tfimg demo` write them; evaluate, predict, export and serve read them. A run
folder (`tfimg train --out`) holds its model folder in `model/`; both are accepted.
"""

import json
import os
import shutil
import zipfile

from tfimg.atomic import replace_folder, staging_folder, write_json
from tfimg.models.registry import TASKS, load_model


def _folder(path):
    """The model folder at `path`, or in `path/model` for a run folder."""
    path = os.fspath(path)
    if os.path.isfile(os.path.join(path, "model", "metadata.json")):
        return os.path.join(path, "model")
    return path


def read_metadata(path):
    """The metadata of the model folder (or run folder) at `path`, without loading the model.
    Folders written before "task" existed are classifiers.

    Raises:
        FileNotFoundError: no model folder there.
        ValueError naming the file when metadata.json is not a JSON object.
    """
    metadata_path = os.path.join(_folder(path), "metadata.json")
    if not os.path.isfile(metadata_path):
        raise FileNotFoundError(f"No model folder at {os.fspath(path)!r}: expected model.keras "
                                f"and metadata.json")
    try:
        with open(metadata_path, encoding="utf-8") as file:
            metadata = json.load(file)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{metadata_path!r} is not valid JSON: {error}") from None
    except RecursionError:
        raise ValueError(f"{metadata_path!r} is not valid JSON: nested too deeply") from None
    if not isinstance(metadata, dict):
        raise ValueError(f"Expected a JSON object in {metadata_path!r}, received "
                         f"{type(metadata).__name__}")
    metadata.setdefault("task", "classify")
    return metadata


def load_model_folder(path, compile=False):
    """(model, metadata) of the model folder (or run folder) at `path`.

    Raises:
        FileNotFoundError: no model folder there.
        ValueError naming the file at fault: metadata.json is not a JSON object, or model.keras
            is missing, empty, truncated or not a model Keras can load.
    """
    metadata = read_metadata(path)
    return _load_model_file(os.path.join(_folder(path), "model.keras"), compile), metadata


def _load_model_file(path, compile):
    # Keras answers "File not found" for an empty or truncated archive: say what is wrong.
    if not os.path.isfile(path):
        raise ValueError(f"{path!r} is missing: a model folder holds model.keras beside "
                         f"metadata.json")
    if os.path.getsize(path) == 0:
        raise ValueError(f"{path!r} is empty (0 bytes): expected a Keras model archive")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path!r} is not a Keras model archive (a zip file): truncated or "
                         f"overwritten?")
    try:
        return load_model(path, compile=compile)
    except (ValueError, TypeError, KeyError, OSError, zipfile.BadZipFile) as error:
        reason = (str(error).splitlines() or [""])[0][:200]
        raise ValueError(f"Cannot load {path!r}: {type(error).__name__}: {reason}") from None


def save_model_folder(model, metadata, out, extra_files=None):
    """Writes `out/model.keras`, `out/metadata.json` and copies of `extra_files` ({file name:
    source path}, such as a style model's style image) to a temporary folder beside `out`,
    then swaps it into place.

    Raises:
        ValueError: when `metadata` has no known "task" or no "preprocessing", or the model
            has no weights yet (it would reload with new random ones).
    """
    if not model.built:
        raise ValueError(f"Expected a built model (call it on a batch or build() it) to save "
                         f"to {out!r}: an unbuilt model reloads with new random weights")
    if metadata.get("task") not in TASKS:
        raise ValueError(f"Expected metadata task in {TASKS}, received "
                         f"{metadata.get('task')!r}")
    if not isinstance(metadata.get("preprocessing"), dict):
        raise ValueError("Expected metadata 'preprocessing', the model's input settings "
                         "(tfimg.data.Preprocessing.to_json())")
    extra_files = dict(extra_files or {})
    for name, source in extra_files.items():
        if (name.lower() in ("model.keras", "metadata.json", "", ".", "..")
                or os.path.basename(name) != name):
            raise ValueError(f"Expected a plain file name beside the model, received {name!r}")
        if not os.path.isfile(source):
            raise FileNotFoundError(f"Cannot copy {source!r} into the model folder as {name!r}: "
                                    f"no such file")
    staging = staging_folder(os.path.dirname(os.path.abspath(out)), ".staging-")
    model.save(os.path.join(staging, "model.keras"))
    write_json(os.path.join(staging, "metadata.json"), metadata)
    for name, source in extra_files.items():
        shutil.copyfile(source, os.path.join(staging, name))
    replace_folder(staging, out)

"""Saving a trained model as a folder that carries what serving and evaluation need."""

import json
import os
import shutil
import tempfile


def staging_folder(parent, prefix):
    """A new empty folder in `parent` (created if needed) named `prefix` + a random suffix,
    with the permissions of an ordinary folder: mkdtemp's is private, the outputs are not."""
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=prefix, dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)
    return staging


def save_model_folder(model, metadata, out):
    """Writes `out/model.keras` and `out/metadata.json` (class names, preprocessing, figures)
    to a temporary folder beside `out`, then swaps it into place."""
    staging = staging_folder(os.path.dirname(os.path.abspath(out)), ".staging-")
    model.save(os.path.join(staging, "model.keras"))
    with open(os.path.join(staging, "metadata.json"), "w", encoding="utf-8") as file:
        json.dump(metadata, file, indent=2)
    if os.path.isdir(out):
        old = f"{out}.old-{os.getpid()}"
        os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old)
    else:
        os.replace(staging, out)

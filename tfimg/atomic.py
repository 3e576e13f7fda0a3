"""Files written under a temporary name and renamed into place, so that a process killed at any
moment leaves either the old file or the whole new one, never a torn one.

Plain Python, shared by every stage.
"""

import json
import os
import shutil
import tempfile


def write_atomically(path, write):
    """Calls `write(temporary_path)`, then renames the result to `path`.

    The temporary file is hidden beside `path` (`.tmp-PID-NAME`, keeping the extension, by
    which Keras picks the format) and removed if `write` fails.
    """
    directory, name = os.path.split(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, f".tmp-{os.getpid()}-{name}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_text(path, text):
    """Writes `text` (UTF-8, line ends as given) to `path` atomically, synced to disk."""
    def write(temporary):
        with open(temporary, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
    write_atomically(path, write)


def write_json(path, value):
    """Writes `value` as indented JSON to `path` atomically."""
    write_text(path, json.dumps(value, indent=2))


def staging_folder(parent, prefix):
    """A new empty folder in `parent` (created if needed) named `prefix` + a random suffix,
    with the permissions of an ordinary folder: mkdtemp's is private, the outputs are not."""
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=prefix, dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)
    return staging


def replace_folder(staging, out):
    """Moves the finished folder `staging` to `out`, replacing a folder there as late as
    possible (the old one is renamed aside first and removed last)."""
    if os.path.isdir(out):
        old = f"{out}.old-{os.getpid()}"
        os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old)
    else:
        os.replace(staging, out)

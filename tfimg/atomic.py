"""Files written under a temporary name and renamed into place, so that a process killed at any
moment leaves either the old file or the whole new one, never a torn one.

Plain Python, shared by every stage.
"""

import os


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

"""Label maps: class names with stable integer ids.

Sources: `classes.txt` / LabelImg's `predefined_classes.txt` (one name per line, id = line
number from 0), JSON (a list of names, or an object name -> id), or the sub-folders of a
class-folder dataset (sorted). Ids never move when classes are renamed or merged: a merge maps
several names onto one kept name.

Plain Python.
"""

import json
import os

from tfimg.atomic import write_text


class LabelMap:
    """Class names in id order (id = position)."""

    def __init__(self, names):
        names = [str(name).strip() for name in names]
        if any(not name for name in names):
            raise ValueError("Expected non-empty class names")
        # classes.txt holds one name a line: a line break would shift every later id.
        broken = [name for name in names if len(name.splitlines()) > 1]
        if broken:
            raise ValueError(f"Class names {broken[:3]} hold a line break")
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"Class names {duplicates} appear more than once")
        self.names = tuple(names)
        self._ids = {name: i for i, name in enumerate(names)}

    def __len__(self):
        return len(self.names)

    def __contains__(self, name):
        return name in self._ids

    def id(self, name):
        """The id of `name`; ValueError naming it when unknown."""
        try:
            return self._ids[name]
        except KeyError:
            raise ValueError(f"Unknown class {name!r} (classes: {list(self.names)})") from None

    @classmethod
    def read(cls, path):
        """A LabelMap from classes.txt / predefined_classes.txt or a JSON file."""
        path = os.fspath(path)
        with open(path, "rb") as file:
            content = file.read()
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValueError(f"{path}: not UTF-8 text (byte {content[error.start]:#04x} at "
                             f"offset {error.start})") from None
        try:
            if not path.endswith(".json"):
                return cls(line.strip() for line in text.splitlines() if line.strip())
            return cls(_json_names(json.loads(text)))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not JSON: {error}") from None
        except RecursionError:
            raise ValueError(f"{path}: JSON nested too deeply") from None
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None

    @classmethod
    def from_folders(cls, root):
        return cls(sorted(entry.name for entry in os.scandir(root)
                          if entry.is_dir() and not entry.name.startswith(".")))

    def write(self, path):
        """classes.txt (one name per line) or, for a .json path, a JSON object name -> id."""
        if os.fspath(path).endswith(".json"):
            write_text(path, json.dumps(self._ids, indent=2, ensure_ascii=False))
        else:
            write_text(path, "".join(f"{name}\n" for name in self.names))

    def renamed(self, mapping):
        """(new LabelMap, {old name: new name}) after renaming and merging by `mapping`
        ({old: new}; several olds may share a new name, which keeps the first one's id)."""
        unknown = sorted(set(mapping) - set(self.names))
        if unknown:
            raise ValueError(f"Cannot rename unknown classes {unknown}")
        new_names = list(dict.fromkeys(mapping.get(name, name) for name in self.names))
        return LabelMap(new_names), {name: mapping.get(name, name) for name in self.names}


def _json_names(value):
    """Class names in id order from a label map's JSON: a list of names, or an object
    name -> id with the ids 0..N-1."""
    if isinstance(value, dict):
        if not all(isinstance(id_, int) and not isinstance(id_, bool)
                   for id_ in value.values()):
            raise ValueError(f"expected integer ids, found {list(value.values())[:10]}"[:300])
        ids = sorted(value.values())
        if ids != list(range(len(ids))):
            raise ValueError(f"ids must be 0..{len(ids) - 1}, found {ids}"[:300])
        return sorted(value, key=value.get)
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ValueError("expected a list of names or an object name -> id")
    return value

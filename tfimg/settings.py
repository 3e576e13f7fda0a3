"""Settings of runs (train, export): defaults, then a JSON config file, then explicit values."""

import dataclasses
import json


def load_settings(cls, path=None, **values):
    """A dataclass `cls` from its defaults, then the JSON object in the file at `path`, then
    the `values` that are not None (command-line flags left unset are None).

    Raises:
        ValueError naming the file and the unknown settings.
    """
    fields = {}
    if path:
        with open(path, encoding="utf-8") as file:
            try:
                fields = json.load(file)
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise ValueError(f"{path!r} is not JSON: {error}") from None
            except RecursionError:
                raise ValueError(f"{path!r}: JSON nested too deeply") from None
        if not isinstance(fields, dict):
            raise ValueError(f"Expected a JSON object of settings in {path!r}")
        unknown = set(fields) - {field.name for field in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"Unknown settings {sorted(unknown)} in {path!r}")
    fields.update({key: value for key, value in values.items() if value is not None})
    return cls(**fields)


def settings_json(settings):
    """A dataclass's settings as JSON values (tuples become lists), as written beside outputs."""
    return json.loads(json.dumps(dataclasses.asdict(settings)))


class Settings:
    """Mixin of the run settings dataclasses: `load` and `to_json`."""

    @classmethod
    def load(cls, path=None, **values):
        """Defaults, then the JSON file at `path`, then `values` that are not None."""
        return load_settings(cls, path, **values)

    def to_json(self):
        """The settings as JSON values, as written beside the outputs."""
        return settings_json(self)

    def require_minimum(self, names, minimum, strict=False, unit=""):
        """Raises ValueError naming the first of the settings `names` below `minimum` (or equal
        to it, when `strict`): "Expected epochs >= 1, received 0"."""
        for name in names:
            value = getattr(self, name)
            if not (value > minimum if strict else value >= minimum):  # NaN fails too
                raise ValueError(f"Expected {name} {'>' if strict else '>='} {minimum}{unit}, "
                                 f"received {value!r}")

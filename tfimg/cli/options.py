"""Run settings from parsed command-line flags: each flag whose destination is a field of the
settings dataclass fills it; defaults live only in the dataclass."""

import dataclasses


def settings_from_args(cls, args, **values):
    """`cls.load(args.config, ...)` (a `tfimg.settings.Settings` dataclass) with every parsed
    flag named like one of its fields, then `values`. Flags left unset are None and keep the
    config file's value or the default.
    """
    names = {field.name for field in dataclasses.fields(cls)}
    given = {name: value for name, value in vars(args).items() if name in names}
    given.update(values)
    return cls.load(getattr(args, "config", None), **given)


def default(cls, name):
    """'default VALUE' of the field `name` of dataclass `cls`, for help texts."""
    field = next(field for field in dataclasses.fields(cls) if field.name == name)
    return f"default {field.default!r}"

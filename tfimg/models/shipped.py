"""The models shipped with tfimg in `saved_models/`, found by name.

Searched in order: the folders in $TFIMG_MODELS (separated by the path separator), then
`saved_models/` in the working directory, then `saved_models/` beside the `tfimg` package (a
checkout or an editable install).
"""

import os

# The folder holding the `tfimg` package: tfimg/models/shipped.py -> three levels up.
_REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def model_roots():
    """The folders searched for shipped models, in order, those that exist."""
    roots = [root for root in os.environ.get("TFIMG_MODELS", "").split(os.pathsep) if root]
    roots += [os.path.join(os.getcwd(), "saved_models"),
              os.path.join(_REPOSITORY, "saved_models")]
    unique = []
    for root in roots:
        if os.path.isdir(root) and os.path.abspath(root) not in map(os.path.abspath, unique):
            unique.append(root)
    return unique


def find_model(model, names):
    """The model folder `model` names: a path to a model folder, or a shipped model's name
    (each of `names`, derived from it, is tried in order: e.g. "edsr_x4", then "edsr").

    Raises:
        ValueError naming what was looked for and the shipped models found.
    """
    if os.path.isfile(os.path.join(model, "metadata.json")) or os.path.isfile(
            os.path.join(model, "model", "metadata.json")):
        return model
    for root in model_roots():
        for name in names:
            if os.path.basename(name) == name and os.path.isfile(
                    os.path.join(root, name, "metadata.json")):
                return os.path.join(root, name)
    found = sorted({name for root in model_roots() for name in os.listdir(root)
                    if os.path.isfile(os.path.join(root, name, "metadata.json"))})
    raise ValueError(f"No model folder {model!r} and no shipped model named "
                     f"{' or '.join(map(repr, names))} (shipped: {', '.join(found) or 'none'})")

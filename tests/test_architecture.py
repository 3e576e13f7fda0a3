"""The import rules of ARCHITECTURE.md, read from the source of every module with `ast`."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "tfimg"
COMMON = {"atomic", "formats", "lazy", "settings"}
# Which tfimg packages (or top-level modules) each one may import: stages import leftwards only
# (acquire -> label -> data -> ops/layers -> models -> train | export -> serve), and nothing
# imports the CLI.
ALLOWED = {
    "atomic": set(), "formats": set(), "lazy": set(), "settings": set(),
    "acquire": COMMON,
    "label": COMMON,
    "ops": COMMON,
    "cv": COMMON,
    "data": COMMON | {"label", "ops"},
    "layers": COMMON | {"ops"},
    "models": COMMON | {"layers"},
    "train": COMMON | {"data", "label", "ops", "layers", "models"},
    "export": COMMON | {"data", "ops", "layers", "models"},
    "serve": COMMON | {"data"},
    "doctor": COMMON,
    "demo": COMMON | {"data", "models", "train", "export", "serve"},
    "cli": None,  # the command line may use every stage
}
# Packages that must not import these libraries: plain Python stages stay fast to import and
# free of TensorFlow; models and layers use keras.ops only, so they run on JAX and PyTorch too.
FORBIDDEN = {
    "acquire": {"tensorflow", "keras", "tensorflow_datasets"},
    "label": {"tensorflow", "keras", "tensorflow_datasets"},
    "cv": {"tensorflow", "keras", "tensorflow_datasets"},
    "atomic": {"tensorflow", "keras"},
    "lazy": {"tensorflow", "keras"},
    "formats": {"tensorflow", "keras"},
    "settings": {"tensorflow", "keras"},
    "models": {"tensorflow", "tensorflow_datasets"},
    "layers": {"tensorflow", "tensorflow_datasets"},
}
# A layer that wraps a tfimg.ops function (TensorFlow) says so in its module docstring.
TF_BACKEND_NOTE = "TensorFlow backend"


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield path, parts[0]


def _imports(tree):
    """(top-level library or tfimg package, line) of every import, lazy ones included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "tfimg":
                if len(parts) > 1:
                    yield f"tfimg.{parts[1]}", node.lineno
            else:
                yield parts[0], node.lineno


MODULES = list(_modules())


@pytest.mark.parametrize("path,package", MODULES, ids=[str(p.relative_to(PACKAGE))
                                                       for p, _ in MODULES])
def test_imports_follow_the_stages(path, package):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = ALLOWED.get(package, set())
    forbidden = FORBIDDEN.get(package, set())
    for name, line in _imports(tree):
        where = f"{path.relative_to(PACKAGE.parent)}:{line}"
        if name.startswith("tfimg."):
            target = name.split(".")[1]
            assert target == package or allowed is None or target in allowed, (
                f"{where} imports {name}: {package}/ may import only {sorted(allowed)}")
        elif name in forbidden:
            docstring = ast.get_docstring(tree) or ""
            wraps_ops = package == "layers" and name == "tensorflow" and \
                TF_BACKEND_NOTE in docstring
            assert wraps_ops, f"{where} imports {name}, which {package}/ must not"


def test_every_package_has_a_rule():
    packages = {package for _, package in MODULES} - {"__init__"}
    assert packages <= set(ALLOWED), sorted(packages - set(ALLOWED))


def test_the_rules_catch_a_bad_import():
    tree = ast.parse("import tensorflow as tf\nfrom tfimg.train import train\n")
    assert [name for name, _ in _imports(tree)] == ["tensorflow", "tfimg.train"]

"""A quiet and quick command line: plain verbs never load TensorFlow, and the verbs that do
print none of its C++ start-up lines."""

import os
import re
import subprocess
import sys

import pytest
from PIL import Image


# An Abseil/TensorFlow C++ log line ("I0000 00:00:1796.2 8555 port.cc:153] ...") or its preamble.
CPP_LOG_LINE = re.compile(r"^[IWEF]\d{4} [\d:. ]+\d+ \S+:\d+\]|absl::InitializeLog|oneDNN|cuInit",
                          re.MULTILINE)

# Runs the CLI in a fresh interpreter and says on its last line whether TensorFlow was loaded.
RUN_AND_REPORT = """
import sys
from tfimg.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:  # --help
    code = exit.code
print("tensorflow loaded:", "tensorflow" in sys.modules)
"""


def _run(code, *args, env=None):
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=300, env=env)


def _plain_folder(root):
    (root / "cats").mkdir(parents=True)
    Image.new("RGB", (8, 8), "red").save(root / "cats" / "a.png")
    (root / "cats" / "a.txt").write_text("0 0.5 0.5 0.25 0.25\n")
    (root / "classes.txt").write_text("cat\n")
    return root


@pytest.mark.parametrize("args", [
    ["scan", "--help"], ["scan", "{root}"], ["labels", "validate", "{root}"],
    ["labels", "stats", "{root}"], ["download", "merge", "--help"], ["doctor", "--help"],
])
def test_plain_verbs_do_not_import_tensorflow(tmp_path, args):
    root = _plain_folder(tmp_path / "data")
    result = _run(RUN_AND_REPORT, *[arg.format(root=root) for arg in args])
    assert result.stdout.strip().endswith("tensorflow loaded: False"), result.stdout
    assert "Traceback" not in result.stderr, result.stderr


def test_doctor_versions_come_before_tensorflow():
    result = _run("import sys; from tfimg.doctor import package_report; "
                  "print(package_report()['tensorflow'], 'tensorflow' in sys.modules)")
    version, loaded = result.stdout.split()
    assert version.startswith("2.") and loaded == "False", result.stderr


def test_tensorflow_start_up_prints_nothing_on_stderr():
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    result = _run("import sys; from tfimg.cli import main; sys.exit(main(['doctor']))", env=env)
    assert result.returncode == 0, result.stderr
    assert "gpu_used" in result.stdout and "tensorflow" in result.stdout
    assert not CPP_LOG_LINE.search(result.stderr), result.stderr
    # Without the CLI's set-up the same import does print them (what this test guards against).
    loud = _run("import tensorflow as tf; tf.config.list_physical_devices()", env=env)
    assert CPP_LOG_LINE.search(loud.stderr), "TensorFlow printed nothing anyway"


def test_what_a_failing_silenced_block_wrote_is_replayed(capfd):
    from tfimg.cli.quiet import stderr_silenced

    with stderr_silenced():
        os.write(2, b"noise of a good import\n")
    with pytest.raises(ImportError):
        with stderr_silenced():
            os.write(2, b"the reason it failed\n")
            raise ImportError("libcudart.so: cannot open shared object file")
    err = capfd.readouterr().err
    assert "the reason it failed" in err and "noise of a good import" not in err

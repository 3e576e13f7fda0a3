import json
import subprocess
import sys

from tests.data.hostile import make_hostile_folder


def tfimg(*args):
    return subprocess.run([sys.executable, "-m", "tfimg.cli", *args], capture_output=True,
                          text=True, timeout=300)


def test_doctor_json():
    result = tfimg("doctor", "--json")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["tensorflow"].startswith("2.")
    assert values["keras"].startswith("3.")
    assert values["gpu_used"] in (True, False)


def test_scan_reports_bad_files_and_writes_report(tmp_path):
    expected = make_hostile_folder(tmp_path / "data")
    report = tmp_path / "report.json"
    result = tfimg("scan", str(tmp_path / "data"), "--report", str(report))
    assert result.returncode == 1  # bad files found
    entries = {e["path"]: e["status"] for e in json.loads(report.read_text())["entries"]}
    assert entries == expected
    assert "bad/bomb.png: too_large" in result.stdout


def test_missing_folder_is_a_clear_error(tmp_path):
    result = tfimg("scan", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert "missing" in result.stderr


def test_tfrecord_verb(tmp_path):
    make_hostile_folder(tmp_path / "data")
    result = tfimg("tfrecord", str(tmp_path / "data"), "--out", str(tmp_path / "records"),
                   "--name", "hostile", "--validation", "0.3")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "records").glob("*.json")) == [
        "hostile-train.json", "hostile-validation.json"]

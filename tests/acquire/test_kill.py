"""SIGKILL during `tfimg download` at random moments, then reruns: the manifest stays valid,
every listed file matches its sha256, no visible image is half-written, and no URL is fetched
again once it is recorded as downloaded."""

import hashlib
import os
import random
import signal
import subprocess
import sys
import time

from tfimg.acquire import read_rows

from tests.acquire.server import LocalServer, image_bytes

COUNT = 600


# Runs a command with SIGINT at its default. A test run started in the background by a shell
# without job control inherits SIGINT ignored, and the command's Python then rightly leaves it
# ignored (as under nohup): the Ctrl-C test could not interrupt it.
_SIGINT_DEFAULT = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                   "os.execv(sys.argv[1], sys.argv[1:])")


def _start(urls, out, sigint_default=False):
    command = [os.path.join(os.path.dirname(sys.executable), "tfimg"), "download", str(urls),
               "--out", str(out), "--allow-private", "127.0.0.1", "--threads", "4",
               "--per-host", "4"]
    if sigint_default:
        command = [sys.executable, "-c", _SIGINT_DEFAULT, *command]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _check_folder(out):
    """The manifest's successes, after checking files against the manifest and the server."""
    rows = read_rows(out / "manifest.jsonl")
    done = {}
    for index, row in rows.items():
        if row["status"] == "success":
            data = (out / row["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == row["sha256"], row
            done[row["url"]] = row
    for folder, _, names in os.walk(out):
        if os.path.basename(folder) == ".staging":
            continue  # the next run removes what a killed run left there
        for name in names:
            if name.endswith(".jpg"):  # every visible image is whole: the server's bytes
                assert (out / os.path.relpath(folder, out) / name).read_bytes() == \
                    image_bytes(int(name.split(".")[0]))
    return done


def test_sigkill_at_random_moments_loses_nothing_and_refetches_nothing(tmp_path):
    rng = random.Random(7)
    urls = tmp_path / "urls.txt"
    out = tmp_path / "out"
    with LocalServer(latency=0.05) as server:
        urls.write_text("".join(f"{server.url}/img/{i}.jpg\n" for i in range(COUNT)))
        kills = 0
        done = {}
        while kills < 12:
            before = len(server.requests())
            process = _start(urls, out)
            time.sleep(rng.uniform(0.3, 1.5))
            killed = process.poll() is None
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += killed
            fetched = {path for path, _, _ in server.requests()[before:]}
            assert not {url[len(server.url):] for url in done} & fetched, "refetched a success"
            done = _check_folder(out)
            if not killed:
                break
        assert kills >= 10, f"only {kills} runs were killed before finishing"
        before = len(server.requests())
        process = _start(urls, out)
        assert process.wait(timeout=120) == 0
        assert not ({url[len(server.url):] for url in done} &
                    {path for path, _, _ in server.requests()[before:]})
        done = _check_folder(out)
        assert len(done) == COUNT
        assert not os.path.exists(out / ".staging")


def test_ctrl_c_stops_promptly_and_records_what_finished(tmp_path):
    urls = tmp_path / "urls.txt"
    out = tmp_path / "out"
    with LocalServer(latency=0.2) as server:
        urls.write_text("".join(f"{server.url}/img/{i}.jpg\n" for i in range(200)))
        # 4 threads x 0.2 s: about 50 s for everything.
        process = _start(urls, out, sigint_default=True)
        # Interrupt once downloading is under way (start-up takes longer on a busy machine).
        deadline = time.monotonic() + 60
        while (not any(path.startswith("/img/") for path, _, _ in server.requests())
               and time.monotonic() < deadline):
            time.sleep(0.05)
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        assert process.wait(timeout=20) == 130
        assert time.monotonic() - started < 5
        fetched = {path for path, _, _ in server.requests() if path.startswith("/img/")}
    done = _check_folder(out)
    assert 0 < len(done) < 200
    # Every image the server sent in full before the stop is recorded (at most the requests
    # cut short by the stop are not).
    assert len(fetched) - len(done) <= 4

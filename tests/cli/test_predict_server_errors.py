"""`tfimg predict --server` with an address that is wrong or does not answer: one line."""

import socket

from tfimg.cli import main


def test_a_server_that_does_not_answer_is_one_line(tmp_path, capsys):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert main(["predict", "--server", f"http://127.0.0.1:{port}", "--model", "m",
                 str(image)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "cannot reach --server" in error
    assert "Connection refused" in error and "urlopen" not in error


def test_an_address_without_a_scheme_is_refused(tmp_path, capsys):
    assert main(["predict", "--server", "127.0.0.1:8501", "--model", "m",
                 str(tmp_path / "a.png")]) == 2
    assert "expected an address like http://127.0.0.1:8501" in capsys.readouterr().err

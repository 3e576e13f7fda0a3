"""Running the REST app on uvicorn (an ASGI server): in the foreground for `tfimg serve`, or on a
background thread for notebooks and tests."""

import functools
import logging
import socket
import threading

import uvicorn

from tfimg.serve.app import RestApp
from tfimg.serve.protocol import GuardedH11Protocol
from tfimg.serve.served_model import ServedModel


def _listen(host, port):
    """A bound, listening socket (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


class Server:
    """A prediction server for `config` (a `ServeConfig`), its socket already bound.

    Use `run()` to serve until interrupted, or `start()` ... `stop()` (or `with Server(config)
    as server:`) to serve on a background thread (`server.url` is its address).
    """

    def __init__(self, config, log_level="info"):
        self.config = config
        self.model = ServedModel(config.model, config.name)
        self.model.warm_up()
        self.app = RestApp(self.model, config)
        self._socket = _listen(config.host, config.port)
        host, port = self._socket.getsockname()[:2]
        self.url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        # Keep-alive connections idle for 5 s are closed; headers have `header_timeout`; the
        # app answers everything else.
        protocol = functools.partial(GuardedH11Protocol, header_timeout=config.header_timeout)
        self._uvicorn = uvicorn.Server(uvicorn.Config(
            self.app, http=protocol, lifespan="off", log_level=log_level, timeout_keep_alive=5,
            access_log=log_level in ("debug", "info")))
        self._thread = None

    def run(self):
        """Serves until SIGINT/SIGTERM (uvicorn's handlers stop it cleanly)."""
        logging.getLogger("tfimg.serve").info(
            "Serving %s version %s at %s/v1/models/%s", self.model.name, self.model.version,
            self.url, self.model.name)
        try:
            self._uvicorn.run(sockets=[self._socket])
        finally:
            self.app.close()

    def start(self):
        """Serves on a background thread; returns once the server accepts connections."""
        self._thread = threading.Thread(target=self.run, name="tfimg-serve", daemon=True)
        self._thread.start()
        while not self._uvicorn.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"The server at {self.url} stopped while starting")
            self._thread.join(0.01)
        return self

    def stop(self):
        """Stops a server started with `start()`, finishing the requests in progress."""
        self._uvicorn.should_exit = True
        self._thread.join()
        self._socket.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

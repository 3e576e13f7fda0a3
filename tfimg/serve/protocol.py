"""uvicorn's HTTP/1.1 protocol (h11) with a deadline on each request's line and headers, and
JSON answers to what the app never sees: requests that do not parse, headers that never end."""

import json

from uvicorn.protocols.http.h11_impl import H11Protocol


def _raw_error(status, reason, message):
    """A whole HTTP/1.1 error response closing the connection, as TF Serving's JSON."""
    body = json.dumps({"error": message}).encode("utf-8")
    return (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode("ascii") + body


class GuardedH11Protocol(H11Protocol):
    """`H11Protocol` where a connection must send each request's line and headers within
    `header_timeout` seconds (from the connection, or from the previous response): else it is
    answered 408 when it had started a request (a slowloris client) and closed, so that slow
    clients cannot hold connections open forever. A request that does not parse gets a JSON
    400, as every other error of the server.

    uvicorn's own `timeout_keep_alive` still closes idle keep-alive connections first.
    """

    def __init__(self, *args, header_timeout, **kwargs):
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self._header_timer = None

    def connection_made(self, transport):
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc):
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self):
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request's headers arrived: the app takes it from here
            self._disarm()

    def on_response_complete(self):
        super().on_response_complete()
        if not self.transport.is_closing() and self.cycle.response_complete:
            self._arm()

    def send_400_response(self, msg):
        self._disarm()
        self.transport.write(_raw_error(400, "Bad Request", f"{msg.rstrip('.')} (the request "
                                        f"line or headers do not parse as HTTP/1.1)"))
        self.transport.close()

    def _arm(self):
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm(self):
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self):
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self.conn.trailing_data[0]:  # part of a request line or headers
            self.transport.write(_raw_error(408, "Request Timeout", f"Request line and headers "
                                            f"not received within {self.header_timeout} s"))
        self.transport.close()

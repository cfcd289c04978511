"""Fixtures of the fire tests: a loopback HTTP server that records what it is sent."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def recorder():
    """A local HTTP server on 127.0.0.1 that records POSTs; ``fail_first`` makes it answer 500 first."""

    class State:
        received: list = []
        fail_first = 0

    state = State()
    state.received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if state.fail_first > 0:
                state.fail_first -= 1
                self.send_response(500)
                self.end_headers()
                return
            state.received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()

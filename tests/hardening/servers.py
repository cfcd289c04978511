"""Small misbehaving servers for fault tests: a mail server that accepts and never answers, a webhook sink."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SilentServer:
    """Accepts TCP connections and never says a word (a hung mail relay); ``on_accept`` runs per connection."""

    def __init__(self, on_accept=None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.on_accept = on_accept
        self.observed: list = []
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self._held.append(conn)
            if self.on_accept:
                self.observed.append(self.on_accept())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.sock.close()
        for conn in self._held:
            conn.close()


class WebhookSink:
    """An HTTP server recording POSTs; answers ``status`` (changeable while running)."""

    def __init__(self, status: int = 204):
        self.status = status
        self.received: list[tuple[dict, bytes]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if 200 <= sink.status < 300:
                    sink.received.append((dict(self.headers), body))
                self.send_response(sink.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def smtp_sink(refuse: set[str] | None = None, delay: float = 0.0):
    """A loopback SMTP server (tests.feedback.smtp_sink) refusing some recipients and slow to accept data."""
    import time

    from tests.feedback.smtp_sink import SmtpSink, _Handler

    class Handler(_Handler):
        def _say(self, line: str) -> None:
            if line.startswith("250 ok") and self._last_rcpt in self.server.refuse:
                line, self._last_rcpt = "550 no such mailbox", None
            if line.startswith("354") and self.server.delay:
                time.sleep(self.server.delay)
            super()._say(line)

        def handle(self):
            self._last_rcpt = None
            rfile = self.rfile

            class Peek:
                def readline(inner, *a):
                    raw = rfile.readline(*a)
                    text = raw.decode("utf-8", "replace")
                    if text[:4].upper() == "RCPT":
                        self._last_rcpt = text.split(":", 1)[1].strip().strip("<>")
                    return raw

            self.rfile = Peek()
            super().handle()

    class Sink(SmtpSink):
        def __init__(self):
            socketserver_init = super().__init__
            socketserver_init()
            self.RequestHandlerClass = Handler
            self.refuse = set(refuse or ())
            self.delay = delay

    return Sink()

"""Loopback camera servers for the tests: a real socket each, whose behaviour a test can change or stop."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from layers.cameras.standins import picture


class CameraServer:
    """An HTTP camera on 127.0.0.1 answering by ``mode``; stop() and start() take it down and back on the same port.

    Modes: "jpeg", "garbage" (HTML), "huge" (declares and sends 50 MB), "huge-chunked" (no length, endless),
    "slow" (answers after 30 s), "drip" (a JPEG one byte a second), "truncated" (half a JPEG),
    "redirect-other" (302 to another host), "redirect-same" (302 to /snap.jpg on itself), "status-500".
    """

    def __init__(self, mode: str = "jpeg"):
        self.mode = mode
        self.hits = 0
        self.auth: list[str | None] = []
        self.port = 0
        self._server = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/snap.jpg"

    def _handler(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802  (http.server's name)
                owner.hits += 1
                owner.auth.append(self.headers.get("Authorization"))
                mode = owner.mode
                if mode == "slow":
                    time.sleep(30)
                if mode.startswith("redirect"):
                    where = "http://203.0.113.9/snap.jpg" if mode == "redirect-other" else "/snap.jpg?n=2"
                    if mode == "redirect-same" and "n=2" in self.path:
                        return self._send(200, picture("after redirect"), "image/jpeg")
                    self.send_response(302)
                    self.send_header("Location", where)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if mode == "status-500":
                    return self._send(500, b"boom", "text/plain")
                if mode == "garbage":
                    return self._send(200, b"<html><body>not a picture</body></html>", "image/jpeg")
                if mode == "truncated":
                    data = picture("cut")
                    return self._send(200, data[: len(data) // 2], "image/jpeg")
                if mode == "huge":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(50 * 1024 * 1024))
                    self.end_headers()
                    self._endless(b"\xff\xd8" + b"\0" * 65534)
                    return
                if mode == "huge-chunked":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self._endless(b"\xff\xd8" + b"\0" * 65534)
                    return
                if mode == "drip":
                    data = picture("drip")
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    for i in range(len(data)):
                        self.wfile.write(data[i : i + 1])
                        self.wfile.flush()
                        time.sleep(0.5)
                    return
                self._send(200, picture(f"camera {owner.port}"), "image/jpeg")

            def _send(self, status, body, kind):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _endless(self, chunk):
                try:
                    for _ in range(1000):
                        self.wfile.write(chunk)
                except OSError:
                    pass  # the prober hung up at its cap, as it should

            def log_message(self, *args):
                pass

        return Handler

    def start(self) -> CameraServer:
        """(Re)start listening, on the same port as before if there was one."""
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        server.daemon_threads = True
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        """Stop listening: connections to the port are refused."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

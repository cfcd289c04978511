"""A tiny real SMTP server on loopback that keeps the messages it receives (for the worker test)."""

import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def _say(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self._say("220 sink ESMTP")
        recipients, data = [], None
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if data is not None:
                if line == ".":
                    self.server.messages.append({"to": recipients, "data": "\n".join(data)})
                    recipients, data = [], None
                    self._say("250 queued")
                else:
                    data.append(line[1:] if line.startswith("..") else line)
            elif verb in ("EHLO", "HELO"):
                self._say("250 sink")
            elif verb == "MAIL":
                self._say("250 ok")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self._say("250 ok")
            elif verb == "DATA":
                data = []
                self._say("354 go ahead")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 ok")


class SmtpSink(socketserver.ThreadingTCPServer):
    """Start with ``with SmtpSink() as sink``; ``sink.port`` and ``sink.messages``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.messages: list[dict] = []
        self.port = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()

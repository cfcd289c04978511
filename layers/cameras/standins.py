"""Loopback stand-in cameras for the demo: JPEG snapshot servers on 127.0.0.1, one going up and down.

    python -m layers.cameras.standins [--base-port 8551] [--flap-seconds 150]

base port: a steady camera (any path answers a fresh JPEG with the time written on it);
base + 1: a camera that is up for flap-seconds, then down (nothing listens) as long, and so on;
base + 2: a "camera" answering an HTML error page instead of a picture.
Nothing listens on base + 3 (an unreachable camera). With --heartbeat-url and --heartbeat-key it also
plays the crossing's water-level gauge, posting a heartbeat every minute. Without Django: it runs beside
the demo.
"""

from __future__ import annotations

import argparse
import io
import json
import threading
import time
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageDraw


def picture(label: str, size=(320, 240), colour=(52, 84, 110)) -> bytes:
    """A JPEG with the label and the current UTC time drawn on it."""
    img = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle((10, 10, size[0] - 10, size[1] - 10), outline=(220, 220, 220), width=2)
    draw.text((20, 20), label, fill=(255, 255, 255))
    draw.text((20, 44), datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), fill=(255, 235, 120))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


def handler(mode: str):
    """A request handler answering a JPEG ("jpeg") or an HTML page ("garbage")."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  (http.server's name)
            if mode == "garbage":
                body, kind = b"<html><body>502 Bad Gateway</body></html>", "text/html"
            else:
                body, kind = picture(self.path.strip("/") or "camera"), "image/jpeg"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


def serve(port: int, mode: str = "jpeg") -> ThreadingHTTPServer:
    """Start a stand-in on 127.0.0.1:port in a thread; returns the server (shutdown() stops it)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler(mode))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def flap(port: int, seconds: float) -> None:
    """Up for ``seconds``, down for as long, for ever (the demo's camera whose status moves)."""
    while True:
        server = serve(port)
        time.sleep(seconds)
        server.shutdown()
        server.server_close()
        time.sleep(seconds)


def heartbeats(url: str, key: str, every_s: float = 60.0) -> None:
    """Post a heartbeat with a made-up water level every ``every_s`` seconds, for ever (errors only logged)."""
    if not url.startswith(("http://", "https://")):
        raise ValueError("the heartbeat URL must be http(s)")
    level = 120
    while True:
        level = max(40, min(400, level + (int(time.time()) % 7) - 3))
        body = json.dumps({"level_cm": level}).encode()
        request = urllib.request.Request(  # noqa: S310  (scheme checked above)
            url,
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
                answer.read()
        except OSError as exc:
            print(f"heartbeat not delivered: {exc}", flush=True)
        time.sleep(every_s)


def main(argv=None) -> None:
    """Run the stand-ins until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-port", type=int, default=8551)
    parser.add_argument("--flap-seconds", type=float, default=150.0)
    parser.add_argument("--heartbeat-url", default="")
    parser.add_argument("--heartbeat-key", default="")
    args = parser.parse_args(argv)
    if args.heartbeat_url and args.heartbeat_key:
        threading.Thread(target=heartbeats, args=(args.heartbeat_url, args.heartbeat_key), daemon=True).start()
    serve(args.base_port)
    serve(args.base_port + 2, "garbage")
    print(f"camera stand-ins on 127.0.0.1:{args.base_port}-{args.base_port + 2}", flush=True)
    flap(args.base_port + 1, args.flap_seconds)


if __name__ == "__main__":
    main()

"""Probing a camera without Django: an HTTP(S) snapshot or status URL, or an RTSP stream through ffprobe.

Every probe ends within its deadline and answers a Result with a reason code, never an exception. Addresses
are resolved once, checked against the allowed networks and the refused endpoints (SSRF), and the checked
address is the one connected to (a second DNS answer cannot swap in another host).
"""

from __future__ import annotations

import base64
import http.client
import io
import ipaddress
import json
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from PIL import Image

DEFAULT_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "::1/128")
# Link-local and cloud metadata addresses: never a camera, whatever the allowed networks say.
ALWAYS_REFUSED = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("224.0.0.0/4"),
)
MAX_REDIRECTS = 3
MAX_PIXELS = 40_000_000
THUMB_SIZE = (640, 480)
DEFAULT_PORTS = {"http": 80, "https": 443, "rtsp": 554}

# Reason codes (the service turns them into words).
OK = "ok"
BAD_URL = "bad_url"
REFUSED = "refused_address"
UNREACHABLE = "unreachable"
TIMEOUT = "timeout"
HTTP_STATUS = "http_status"
NOT_IMAGE = "not_image"
TOO_LARGE = "too_large"
REDIRECT_OTHER_HOST = "redirect_other_host"
TOO_MANY_REDIRECTS = "too_many_redirects"
NO_STREAM = "no_stream"
TLS = "tls_error"


@dataclass(frozen=True)
class Policy:
    """Where probes may go: allowed networks, endpoints always refused, the time and size limits."""

    networks: tuple = tuple(ipaddress.ip_network(n) for n in DEFAULT_NETWORKS)
    refused: frozenset = frozenset()  # {(ip, port)} of the platform's own services
    timeout_s: float = 5.0
    max_bytes: int = 5 * 1024 * 1024

    @classmethod
    def build(cls, networks, refused_endpoints, timeout_s: float, max_bytes: int) -> Policy:
        """A policy from network strings and "host:port" strings (hosts resolved now)."""
        nets = tuple(ipaddress.ip_network(n.strip(), strict=False) for n in networks if n.strip())
        refused = set()
        for endpoint in refused_endpoints:
            host, _, port = endpoint.rpartition(":")
            host = host.strip("[]")
            if not host or not port.isdigit():
                continue
            for ip in _resolve(host):
                refused.add((ip, int(port)))
        return cls(networks=nets, refused=frozenset(refused), timeout_s=timeout_s, max_bytes=max_bytes)


@dataclass(frozen=True)
class Result:
    """What one probe found: ok or a reason code with a technical detail, and a resized JPEG if any."""

    ok: bool
    reason: str
    detail: str = ""
    elapsed_ms: int = 0
    jpeg: bytes | None = None
    width: int = 0
    height: int = 0


class _Fail(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail[:280]


def _resolve(host: str) -> list:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise _Fail(UNREACHABLE, f"cannot resolve {host}: {exc}") from None
    return sorted({ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}, key=str)


def allowed_address(host: str, port: int, policy: Policy):
    """The address to connect to for host:port, or _Fail(REFUSED) when any address of it is not allowed."""
    addresses = _resolve(host)
    if not addresses:
        raise _Fail(UNREACHABLE, f"no address for {host}")
    for ip in addresses:
        if any(ip in net for net in ALWAYS_REFUSED):
            raise _Fail(REFUSED, f"{ip} is a link-local or metadata address")
        if (ip, port) in policy.refused:
            raise _Fail(REFUSED, f"{ip}:{port} is one of the platform's own services")
        if not any(ip.version == net.version and ip in net for net in policy.networks):
            raise _Fail(REFUSED, f"{ip} is outside the camera networks")
    return addresses[0]


def check_address(host: str, port: int, policy: Policy) -> Result:
    """Whether a probe may go to host:port (a Result, ok or refused)."""
    try:
        allowed_address(host, port, policy)
    except _Fail as exc:
        return Result(False, exc.reason, exc.detail)
    return Result(True, OK)


def _split(url: str):
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise _Fail(BAD_URL, f"not an http, https or rtsp URL: {scheme or '?'}")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise _Fail(BAD_URL, "bad port") from None
    return parts, scheme, parts.hostname, port


def probe(url: str, policy: Policy, kind: str = "snapshot", username: str = "", password: str = "") -> Result:
    """Probe a camera: kind "snapshot" (JPEG that decodes), "status" (any 2xx) or "rtsp" (ffprobe)."""
    started = time.monotonic()
    try:
        if kind == "rtsp":
            result = _rtsp(url, policy, username, password)
        else:
            result = _http(url, policy, kind, username, password)
    except _Fail as exc:
        result = Result(False, exc.reason, exc.detail)
    elapsed = int((time.monotonic() - started) * 1000)
    return Result(result.ok, result.reason, result.detail, elapsed, result.jpeg, result.width, result.height)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to an already checked address, verifying the certificate for the URL's host name."""

    def __init__(self, host, ip, port, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self._ip = ip
        self._ctx = context

    def connect(self):
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._ctx.wrap_socket(sock, server_hostname=self.host)


def _http(url: str, policy: Policy, kind: str, username: str, password: str) -> Result:
    deadline = time.monotonic() + policy.timeout_s
    parts, scheme, host, port = _split(url)
    if scheme == "rtsp":
        raise _Fail(BAD_URL, "an rtsp URL needs the RTSP probe")
    origin = (scheme, host.lower(), port)
    user = username or unquote(parts.username or "")
    secret = password or unquote(parts.password or "")
    for _hop in range(MAX_REDIRECTS + 1):
        ip = allowed_address(host, port, policy)
        netloc = host if ":" not in host else f"[{host}]"
        target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        remaining = max(0.1, deadline - time.monotonic())
        if scheme == "https":
            conn = _PinnedHTTPS(host, str(ip), port, remaining, ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(str(ip), port, timeout=remaining)
        headers = {
            "Host": f"{netloc}:{port}" if port != DEFAULT_PORTS[scheme] else netloc,
            "User-Agent": "geoplatform-camera-check",
        }
        if user or secret:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()
        try:
            try:
                conn.request("GET", target, headers=headers)
                answer = conn.getresponse()
            except TimeoutError:
                raise _Fail(TIMEOUT, f"no answer within {policy.timeout_s:g} s") from None
            except ssl.SSLError as exc:
                raise _Fail(TLS, f"TLS: {exc}") from None
            except (OSError, http.client.HTTPException) as exc:
                raise _Fail(UNREACHABLE, f"{type(exc).__name__}: {exc}") from None
            if answer.status in (301, 302, 303, 307, 308):
                location = answer.getheader("Location") or ""
                nxt = urlsplit(urljoin(urlunsplit((scheme, parts.netloc, parts.path, parts.query, "")), location))
                try:
                    nport = nxt.port or DEFAULT_PORTS.get(nxt.scheme.lower(), 0)
                except ValueError:
                    nport = 0
                if (nxt.scheme.lower(), (nxt.hostname or "").lower(), nport) != origin:
                    raise _Fail(REDIRECT_OTHER_HOST, f"redirect to another host: {nxt.hostname or '?'}")
                parts = nxt
                continue
            if not 200 <= answer.status < 300:
                raise _Fail(HTTP_STATUS, f"HTTP {answer.status} {answer.reason}"[:120])
            body = _read_capped(answer, policy, deadline)
        finally:
            conn.close()
        if kind == "status":
            return Result(True, OK)
        return _decode(body)
    raise _Fail(TOO_MANY_REDIRECTS, f"more than {MAX_REDIRECTS} redirects")


def _read_capped(answer, policy: Policy, deadline: float) -> bytes:
    declared = answer.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise _Fail(TOO_LARGE, f"{int(declared):,} bytes declared, the cap is {policy.max_bytes:,}")
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise _Fail(TIMEOUT, f"answer not complete within {policy.timeout_s:g} s")
        try:
            chunk = answer.read1(65536) if hasattr(answer, "read1") else answer.read(65536)
        except TimeoutError:
            raise _Fail(TIMEOUT, f"answer stalled beyond {policy.timeout_s:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Fail(UNREACHABLE, f"answer cut off: {exc}") from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > policy.max_bytes:
            raise _Fail(TOO_LARGE, f"more than {policy.max_bytes:,} bytes")
        chunks.append(chunk)


def _decode(body: bytes) -> Result:
    if not body.startswith(b"\xff\xd8"):
        raise _Fail(NOT_IMAGE, f"not a JPEG ({len(body):,} bytes starting {body[:8]!r})")
    try:
        with Image.open(io.BytesIO(body)) as img:
            if img.format != "JPEG":
                raise _Fail(NOT_IMAGE, f"not a JPEG but {img.format}")
            if img.width * img.height > MAX_PIXELS:
                raise _Fail(TOO_LARGE, f"{img.width}x{img.height} pixels")
            img.load()  # a truncated or corrupt JPEG fails here, not later in a page
            thumb = img.convert("RGB")
            thumb.thumbnail(THUMB_SIZE)
            out = io.BytesIO()
            thumb.save(out, "JPEG", quality=80)
            return Result(True, OK, jpeg=out.getvalue(), width=thumb.width, height=thumb.height)
    except _Fail:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise _Fail(NOT_IMAGE, f"JPEG does not decode: {exc}") from None


def _rtsp(url: str, policy: Policy, username: str, password: str) -> Result:
    parts, scheme, host, port = _split(url)
    if scheme != "rtsp":
        raise _Fail(BAD_URL, "the RTSP probe needs an rtsp URL")
    ip = allowed_address(host, port, policy)
    user = username or unquote(parts.username or "")
    secret = password or unquote(parts.password or "")
    auth = ""
    if user or secret:
        from urllib.parse import quote

        auth = f"{quote(user, safe='')}:{quote(secret, safe='')}@"
    ip_text = f"[{ip}]" if ip.version == 6 else str(ip)
    pinned = urlunsplit(("rtsp", f"{auth}{ip_text}:{port}", parts.path or "/", parts.query, ""))
    micros = str(int(policy.timeout_s * 1_000_000))
    command = [
        "ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-timeout", micros,
        "-show_entries", "stream=codec_type,codec_name,width,height", "-of", "json", pinned,
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, timeout=policy.timeout_s + 2, check=False)
    except subprocess.TimeoutExpired:
        raise _Fail(TIMEOUT, f"no stream within {policy.timeout_s:g} s") from None
    except FileNotFoundError:
        raise _Fail(NO_STREAM, "ffprobe is not installed (Debian package ffmpeg)") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        text = (message[-1] if message else f"ffprobe exit {done.returncode}").replace(secret or "\0", "***")
        reason = TIMEOUT if "timed out" in text.lower() else UNREACHABLE if "refused" in text.lower() else NO_STREAM
        raise _Fail(reason, text)
    try:
        streams = json.loads(done.stdout or b"{}").get("streams", [])
    except ValueError:
        streams = []
    if not any(s.get("codec_type") == "video" for s in streams):
        raise _Fail(NO_STREAM, "no video stream")
    return Result(True, OK)

"""FIRMS over HTTP: a CSV at a URL, or the FIRMS area API for a box and a number of days.

The area API is ``{FIRMS_API_BASE}/api/area/csv/{MAP_KEY}/{SOURCE}/{west,south,east,north}/{days}``;
the key comes from settings and never reaches the run record or the logs.
"""

from __future__ import annotations

import io
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _

from . import firms
from .models import IngestRun

SOURCE_NAME = re.compile(r"^[A-Z0-9_]{3,40}$")
MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024
BLOCK = 1 << 20


def allowed_hosts() -> set[str]:
    """Host names FIRMS data may come from: FIRMS_ALLOWED_HOSTS and the host of FIRMS_API_BASE."""
    hosts = {h.strip().lower() for h in getattr(settings, "FIRMS_ALLOWED_HOSTS", ()) if h.strip()}
    base = urllib.parse.urlsplit(settings.FIRMS_API_BASE).hostname
    return hosts | ({base.lower()} if base else set())


def check_url(url: str) -> None:
    """Refuse anything but http(s) to a configured FIRMS host (never loopback, private or other hosts)."""
    if not url.lower().startswith(("http://", "https://")):
        raise firms.FirmsRefused(_("Chỉ tải dữ liệu từ đường link http(s)"), field="url")
    try:
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        host = ""
    if host not in allowed_hosts():
        message = _("Chỉ tải dữ liệu FIRMS từ các máy chủ đã cấu hình (%(hosts)s), không từ %(host)s")
        shown = {"hosts": ", ".join(sorted(allowed_hosts())), "host": repr(host[:100])}
        raise firms.FirmsRefused(message % shown, field="url")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to another configured FIRMS host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(url: str, into: BinaryIO, *, timeout: float = 60, max_bytes: int = MAX_DOWNLOAD_BYTES) -> int:
    """Copy the body of a FIRMS URL into a file in blocks (bounded memory and size); the byte count."""
    check_url(url)
    request = urllib.request.Request(url, headers={"User-Agent": "geoplatform-firms/1"})  # noqa: S310
    opener = urllib.request.build_opener(_CheckedRedirects)
    size = 0
    try:
        with opener.open(request, timeout=timeout) as response:  # scheme and host checked
            while block := response.read(BLOCK):
                size += len(block)
                if size > max_bytes:
                    message = _("Dữ liệu tải về lớn hơn %(max)s byte") % {"max": max_bytes}
                    raise firms.FirmsRefused(message, field="url", status=413)
                into.write(block)
    except urllib.error.HTTPError as exc:
        message = _("Tải về không thành công: %(detail)s") % {"detail": f"HTTP {exc.code}"}
        raise firms.FirmsRefused(message, field="url", status=502) from exc
    except (urllib.error.URLError, OSError) as exc:
        message = _("Tải về không thành công: %(detail)s") % {"detail": getattr(exc, "reason", exc)}
        raise firms.FirmsRefused(message, field="url", status=502) from exc
    return size


def fetch(url: str, *, timeout: float = 60, max_bytes: int = MAX_DOWNLOAD_BYTES) -> bytes:
    """The body of a FIRMS URL as bytes, bounded in size (small answers; ingests use ``download``)."""
    buffer = io.BytesIO()
    download(url, buffer, timeout=timeout, max_bytes=max_bytes)
    return buffer.getvalue()


def _ingest_download(url: str, **kwargs) -> IngestRun:
    """Download into a temporary file, then ingest it from there in chunks."""
    with tempfile.NamedTemporaryFile(prefix="firms-", suffix=".csv") as spool:
        download(url, spool)
        spool.flush()
        path = Path(spool.name)
        return firms.ingest_stream(lambda: path.open("rb"), **kwargs)


def redact(url: str) -> str:
    """A URL with the FIRMS map key hidden, for records and logs."""
    key = getattr(settings, "FIRMS_MAP_KEY", "")
    return url.replace(key, "***") if key else url


def ingest_url(url: str, *, source: str | None = None, run_events: bool = False) -> IngestRun:
    """Download a FIRMS CSV and ingest it."""
    shown = redact(url)
    name = shown.rsplit("/", 1)[-1] or shown
    return _ingest_download(url, source=source, file_name=name, origin={"url": shown}, run_events=run_events)


def area_url(source: str, bbox: tuple[float, float, float, float], days: int) -> str:
    """The FIRMS area API URL for a source, a lon/lat box and 1-10 days."""
    key = getattr(settings, "FIRMS_MAP_KEY", "")
    if not key:
        raise firms.FirmsRefused(_("Chưa đặt khoá FIRMS_MAP_KEY"), field="FIRMS_MAP_KEY")
    if not SOURCE_NAME.match(source):
        raise firms.FirmsRefused(firms.not_a_source(source), field="source")
    if not 1 <= int(days) <= 10:
        raise firms.FirmsRefused(_("Số ngày (days) phải từ 1 đến 10"), field="days")
    west, south, east, north = (float(v) for v in bbox)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise firms.FirmsRefused(_("bbox phải là tây,nam,đông,bắc tính bằng độ"), field="bbox")
    base = settings.FIRMS_API_BASE.rstrip("/")
    return f"{base}/api/area/csv/{key}/{source}/{west:g},{south:g},{east:g},{north:g}/{int(days)}"


def ingest_area(
    source: str, *, bbox: tuple[float, float, float, float] | None = None, days: int = 1, run_events: bool = False
) -> IngestRun:
    """Poll the FIRMS area API for the district's box (or another) and ingest the answer."""
    bbox = bbox or settings.DISTRICT_BBOX
    url = area_url(source, bbox, days)
    return _ingest_download(
        url,
        source=source,
        file_name=f"{source}-{days}d.csv",
        origin={"url": redact(url), "area": list(bbox), "days": days},
        run_events=run_events,
    )

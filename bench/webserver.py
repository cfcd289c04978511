"""How the benchmarks start our web server: uWSGI with deploy/uwsgi.ini, as docker-compose.yml runs it."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INI = ROOT / "deploy" / "uwsgi.ini"


def command(host: str, port: int, *extra: str) -> list[str]:
    """The uWSGI command line serving HTTP on host:port; ``extra`` overrides the ini (``--processes 1``)."""
    uwsgi = Path(sys.executable).with_name("uwsgi")
    return [str(uwsgi), "--ini", str(INI), "--http-socket", f"{host}:{port}", *extra]

"""GDAL's OAPIF driver as the client: -where pushed down as a CQL filter, -spat as bbox, ogr2ogr copies."""

import os
import subprocess

import pytest


def _gdal(tool: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*", "GDAL_HTTP_TIMEOUT": "30", "CPL_DEBUG": "ON"}
    result = subprocess.run([tool, *args], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:] + result.stdout[-2000:]
    return result


def _fetched(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if "/items" in line and "HTTP" in line]


@pytest.mark.django_db(transaction=True)
def test_gdal_pushes_where_down_as_a_filter_and_copies_the_result(world, live_server, tmp_path):
    url = f"OAPIF:{live_server.url}/ogc"
    where = _gdal("ogrinfo", "-ro", "-al", "-q", url, "villages", "-where", "households > 80 AND name LIKE 'Tổ%'")
    assert "Tổ 1" in where.stdout and "Tổ 2" in where.stdout and "Thôn 3" not in where.stdout
    fetched = _fetched(where)
    # GDAL 3.6 sends the where clause to the server (filter-lang=cql-text) instead of filtering itself.
    assert any("filter=" in line and "households" in line for line in fetched), "\n".join(fetched)
    spat = _gdal("ogrinfo", "-ro", "-al", "-q", url, "villages", "-spat", "108.0", "15.2", "108.2", "15.35")
    assert "Thôn 3" in spat.stdout and "Tổ 1" not in spat.stdout
    assert any("bbox=" in line for line in _fetched(spat))
    out = tmp_path / "hot.gpkg"
    _gdal("ogr2ogr", "-f", "GPKG", str(out), url, "fire-hotspots", "-where", "frp >= 30")
    copied = _gdal("ogrinfo", "-ro", "-so", str(out), "fire-hotspots")
    assert "Feature Count: 2" in copied.stdout

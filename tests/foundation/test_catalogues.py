"""Both languages everywhere: every interface string has an English translation, none fuzzy, none missing."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The packages whose strings reach users (tests, notebooks and benchmarks are for developers).
SOURCES = ("geoplatform", "layers", "ingest", "rasterstore", "locale", "manage.py")


def _catalogues(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("locale/*/LC_MESSAGES/django.po") if ".venv" not in p.parts)


def _problems(po: Path) -> str:
    """msgfmt's own count of untranslated and fuzzy entries ('' when there are none); fails on a broken file."""
    done = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"{po}: {done.stderr}"
    return done.stderr.strip() if re.search(r"untranslated|fuzzy", done.stderr) else ""


def test_every_committed_catalogue_is_complete():
    found = _catalogues(ROOT)
    assert len(found) >= 2
    broken = {str(po.relative_to(ROOT)): why for po in found if (why := _problems(po))}
    assert not broken, broken


def test_every_compiled_catalogue_matches_its_source():
    """A .mo older than its .po would serve stale English."""
    for po in _catalogues(ROOT):
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} is missing: msgfmt -o {mo} {po}"
        compiled = subprocess.run(["msgfmt", "-o", "-", str(po)], capture_output=True, timeout=60).stdout
        assert mo.read_bytes() == compiled, f"{mo} is not compiled from {po}: msgfmt -o {mo} {po}"


def test_every_string_in_the_code_and_templates_is_in_a_catalogue(tmp_path):
    """makemessages on a copy of the sources adds no untranslated entry to any catalogue."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "tests"))
        else:
            shutil.copy2(source, tmp_path / name)
    done = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "--no-location"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    missing = {}
    for po in _catalogues(tmp_path):
        if why := _problems(po):
            text = po.read_text()
            empty = re.findall(r'msgid "(.+)"\nmsgstr ""\n\n', text)
            missing[str(po.relative_to(tmp_path))] = (why, empty[:20])
    assert not missing, missing

"""Spreadsheet-safe CSV cells: text that a spreadsheet would run as a formula is neutralised.

Pure: no Django. A cell starting with = + - @ (or a tab/CR that hides one) is prefixed with a
single quote, the OWASP advice, so "=HYPERLINK(...)" is shown as text and never evaluated.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def cell(value) -> str:
    """One value as CSV text with formula starts neutralised (numbers are left as they are)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    if text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write(header: Iterable[str], rows: Iterable[Iterable]) -> str:
    """A whole CSV document (UTF-8 text, CRLF line ends as RFC 4180) with every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL)
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()

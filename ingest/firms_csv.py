"""Reading NASA FIRMS active-fire CSV (VIIRS, MODIS, archive): pure Python and numpy, no Django.

The loader hands PostgreSQL whole lines for COPY, so this module only does the work that must
happen before that: the header (required columns, known names), line splitting with the field
count checked per line (a truncated or ragged line is rejected here, not by COPY), and the rules
for the few distinct values of date, time, confidence and satellite, which are checked once per
distinct value rather than once per row.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

REQUIRED = ("latitude", "longitude", "acq_date", "acq_time", "satellite", "confidence")
BRIGHTNESS = ("bright_ti4", "brightness")  # one of them tells VIIRS from MODIS
KNOWN = frozenset(
    {
        "latitude",
        "longitude",
        "bright_ti4",
        "bright_ti5",
        "brightness",
        "bright_t31",
        "scan",
        "track",
        "acq_date",
        "acq_time",
        "satellite",
        "instrument",
        "confidence",
        "version",
        "frp",
        "daynight",
        "type",
    }
)

# FIRMS satellite codes -> (instrument, satellite name, FIRMS source stem).
SATELLITES = {
    "N": ("VIIRS", "S-NPP", "VIIRS_SNPP"),
    "NPP": ("VIIRS", "S-NPP", "VIIRS_SNPP"),
    "S-NPP": ("VIIRS", "S-NPP", "VIIRS_SNPP"),
    "SUOMI-NPP": ("VIIRS", "S-NPP", "VIIRS_SNPP"),
    "N20": ("VIIRS", "NOAA-20", "VIIRS_NOAA20"),
    "1": ("VIIRS", "NOAA-20", "VIIRS_NOAA20"),
    "NOAA-20": ("VIIRS", "NOAA-20", "VIIRS_NOAA20"),
    "NOAA20": ("VIIRS", "NOAA-20", "VIIRS_NOAA20"),
    "N21": ("VIIRS", "NOAA-21", "VIIRS_NOAA21"),
    "2": ("VIIRS", "NOAA-21", "VIIRS_NOAA21"),
    "NOAA-21": ("VIIRS", "NOAA-21", "VIIRS_NOAA21"),
    "NOAA21": ("VIIRS", "NOAA-21", "VIIRS_NOAA21"),
    "T": ("MODIS", "Terra", "MODIS"),
    "TERRA": ("MODIS", "Terra", "MODIS"),
    "A": ("MODIS", "Aqua", "MODIS"),
    "AQUA": ("MODIS", "Aqua", "MODIS"),
}
VIIRS_CONFIDENCE = {"l": "low", "low": "low", "n": "nominal", "nominal": "nominal", "h": "high", "high": "high"}
PROCESSING_RANK = {"NRT": 1, "SP": 2}
MAX_COLUMNS = 64
MAX_HEADER_BYTES = 1 << 20  # room for a header of 100,000 names, so the refusal can count them
MAX_LINE_BYTES = 1 << 20  # a FIRMS line is about 100 bytes; a megabyte without a newline is not FIRMS
CHUNK_BYTES = 4 << 20  # a load holds about ten times this, whatever the file's size
KEPT_REASONS = 1000  # rejected lines whose reason is kept; the count stays exact

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HHMM = re.compile(r"^\d{1,4}$")
_HH_MM = re.compile(r"^(\d{1,2}):(\d{2})$")


def gettext_noop(message: str) -> str:
    """Mark a message for the translation catalogue; this module stays free of Django."""
    return message


class Reason(str):
    """A refusal in the catalogue's language (Vietnamese), with its template and values.

    Callers with Django translate it for the reader: ``gettext(reason.template) % reason.values``.
    """

    template: str
    values: dict

    def __new__(cls, template: str, **values):
        """The reason ``template % values``, remembering both."""
        text = super().__new__(cls, template % values)
        text.template, text.values = template, values
        return text


class MissingColumns(ValueError):
    """The header lacks required columns; the whole file is refused."""

    def __init__(self, missing: list[str]):
        # "a or b" stays in ``missing`` (the error's field); readers see "a / b" in either language.
        shown = ", ".join(name.replace(" or ", " / ") for name in missing)
        self.reason = Reason(gettext_noop("Thiếu các cột bắt buộc: %(columns)s"), columns=shown)
        super().__init__(self.reason)
        self.missing = missing


class BadHeader(ValueError):
    """The header cannot be used (empty file, repeated column names); ``reason`` says why."""

    def __init__(self, template: str, **values):
        self.reason = Reason(template, **values)
        super().__init__(self.reason)


@dataclass
class Prepared:
    """A FIRMS file split for COPY: columns, the lines that have the right field count, the rest rejected."""

    columns: list[str]  # safe SQL column names, in file order
    names: list[str]  # the header as written (lower case)
    body: bytes  # the accepted lines, LF-terminated, ready for COPY ... FORMAT csv
    line_numbers: np.ndarray  # file line number of each accepted line (header is line 1)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    read: int = 0  # data lines seen (blank lines skipped)
    rejected_count: int | None = None  # all rejected lines, when more than the kept reasons

    @property
    def rejected_total(self) -> int:
        """How many lines were rejected (the kept reasons may be fewer)."""
        return len(self.rejected) if self.rejected_count is None else self.rejected_count

    @property
    def instrument_hint(self) -> str:
        """VIIRS or MODIS from the brightness columns present."""
        return "VIIRS" if "bright_ti4" in self.names else "MODIS"

    @property
    def archive(self) -> bool:
        """Archive (standard processing) files carry the extra ``type`` column."""
        return "type" in self.names


def header_columns(header: list[str]) -> tuple[list[str], list[str]]:
    """Check a header and give (names as written, safe SQL column names); refuse missing columns."""
    if len(header) > MAX_COLUMNS:
        # FIRMS files have about 15 columns; a staging table holds at most 1,600.
        raise BadHeader(
            gettext_noop("Dòng tiêu đề có %(count)s cột; tệp FIRMS có tối đa %(max)s cột"),
            count=len(header),
            max=MAX_COLUMNS,
        )
    names = [h.strip().strip('"').strip().lower() for h in header]
    if not any(names):
        raise BadHeader(gettext_noop("Tệp không có dòng tiêu đề"))
    seen = {n for n in names if n}
    if len(seen) != len([n for n in names if n]):
        raise BadHeader(gettext_noop("Dòng tiêu đề có tên cột bị lặp"))
    missing = [c for c in REQUIRED if c not in seen]
    if not any(b in seen for b in BRIGHTNESS):
        missing.append(" or ".join(BRIGHTNESS))
    if missing:
        raise MissingColumns(missing)
    # Column names come from the file: only known names reach SQL, the rest become x<i>.
    columns = [n if n in KNOWN else f"x{i}" for i, n in enumerate(names)]
    return names, columns


def prepare(data: bytes) -> Prepared:
    """Split a FIRMS CSV into COPY-ready lines and rejected lines (BOM, CRLF, quotes handled)."""
    pieces = list(prepare_stream(io.BytesIO(data)))
    body = b"".join(p.body for p in pieces)
    first = pieces[0]
    rejected = [r for p in pieces for r in p.rejected]
    lines = np.concatenate([p.line_numbers for p in pieces]) if pieces else np.zeros(0, dtype=np.int64)
    return Prepared(first.columns, first.names, body, lines, rejected, sum(p.read for p in pieces))


def prepare_stream(stream, chunk_bytes: int | None = None):
    """Prepared pieces of a FIRMS CSV read from a binary stream, a chunk at a time (bounded memory).

    Pieces end at a line end outside quotes, so every record is whole; line numbers are the file's.
    The first piece is yielded even for a file without data lines (it carries the columns).
    """
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    block = stream.read(chunk_bytes)
    while b"\n" not in block and b"\r" not in block[:-1] and len(block) <= MAX_HEADER_BYTES:
        more = stream.read(chunk_bytes)
        if not more:
            break
        block += more
    if block.startswith(b"\xef\xbb\xbf"):
        block = block[3:]
    block, pending_cr = _normalise(block, final=False)
    head, sep, block = block.partition(b"\n")
    if len(head) > MAX_HEADER_BYTES:
        count = head.count(b",") + 1
        if count > MAX_COLUMNS:
            raise BadHeader(
                gettext_noop("Dòng tiêu đề có hơn %(count)s cột; tệp FIRMS có tối đa %(max)s cột"),
                count=count,
                max=MAX_COLUMNS,
            )
        raise BadHeader(gettext_noop("Dòng tiêu đề dài hơn %(max)s byte"), max=MAX_HEADER_BYTES)
    try:
        header = next(csv.reader([head.decode("utf-8")]))
    except (StopIteration, UnicodeDecodeError, csv.Error) as exc:
        raise BadHeader(gettext_noop("Dòng tiêu đề không phải CSV dạng UTF-8")) from exc
    names, columns = header_columns(header)
    line, yielded = 2, False
    while True:
        more = stream.read(chunk_bytes)
        final = not more
        block, pending_cr = _normalise(block + pending_cr + more, final=final)
        if final:
            piece, block = block, b""
        else:
            cut = _last_record_end(block)
            if cut < 0:
                if len(block) > MAX_LINE_BYTES:
                    raise BadHeader(
                        gettext_noop("Dòng %(line)s dài hơn %(max)s byte: không phải tệp FIRMS"),
                        line=line,
                        max=MAX_LINE_BYTES,
                    )
                continue
            piece, block = block[: cut + 1], block[cut + 1 :]
        if piece or final:
            yield _prepare_piece(names, columns, piece, line)
            yielded = True
            line += piece.count(b"\n")
        if final:
            break
    if not yielded:
        yield _prepare_piece(names, columns, b"", line)


def _normalise(block: bytes, *, final: bool) -> tuple[bytes, bytes]:
    """CRLF and lone CR as LF; a CR at the very end waits for the next chunk (it may start a CRLF)."""
    pending = b""
    if not final and block.endswith(b"\r"):
        block, pending = block[:-1], b"\r"
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return block, pending


def _last_record_end(block: bytes) -> int:
    """Index of the last newline outside quotes (-1 when there is none)."""
    buf = np.frombuffer(block, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    if not len(newlines):
        return -1
    quotes = np.flatnonzero(buf == 34)
    if not len(quotes):
        return int(newlines[-1])
    outside = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    return int(outside[-1]) if len(outside) else -1


def _prepare_piece(names, columns, body: bytes, first_line: int) -> Prepared:
    """One piece of the body (whole records) split for COPY; ``first_line`` is its first line's number."""
    ends_cleanly = body.endswith(b"\n") or not body
    if body and not body.endswith(b"\n"):
        body += b"\n"
    body, unreadable = _blank_unreadable(body)
    if b'"' in body:
        prepared = _prepare_quoted(names, columns, body, ends_cleanly)
    else:
        prepared = _prepare_plain(names, columns, body, ends_cleanly)
    if unreadable:
        prepared.rejected = sorted(prepared.rejected + unreadable)
        prepared.read += len(unreadable)
    if first_line != 2:
        shift = first_line - 2
        prepared.line_numbers = prepared.line_numbers + shift
        prepared.rejected = [(line + shift, reason) for line, reason in prepared.rejected]
    return prepared


def _blank_unreadable(body: bytes) -> tuple[bytes, list[tuple[int, str]]]:
    """Lines that are not UTF-8 or hold a NUL byte, rejected and blanked (line numbers stay; COPY never sees them)."""
    if b"\x00" not in body:
        try:
            body.decode("utf-8")
            return body, []
        except UnicodeDecodeError:
            pass
    lines = body.split(b"\n")
    rejected = []
    for index, line in enumerate(lines):
        if b"\x00" in line:
            reason = Reason(gettext_noop("Dòng có ký tự NUL"))
        else:
            try:
                line.decode("utf-8")
                continue
            except UnicodeDecodeError:
                reason = Reason(gettext_noop("Dòng không phải văn bản UTF-8"))
        rejected.append((index + 2, reason))  # the header is line 1
        lines[index] = b""
    return b"\n".join(lines), rejected


def _prepare_plain(names, columns, body: bytes, ends_cleanly: bool) -> Prepared:
    """Field counts of all lines at once from comma and newline positions (no quotes present)."""
    buf = np.frombuffer(body, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    commas = np.flatnonzero(buf == 44)
    starts = np.concatenate(([0], newlines[:-1] + 1))
    lengths = newlines - starts
    fields = np.diff(np.concatenate(([0], np.searchsorted(commas, newlines)))) + 1
    line_numbers = np.arange(2, len(newlines) + 2)
    blank = lengths == 0
    good = (fields == len(columns)) & ~blank
    rejected = []
    bad = np.flatnonzero(~good & ~blank)
    for i in bad:
        rejected.append(
            (int(line_numbers[i]), _count_reason(int(fields[i]), len(columns), i, len(newlines), ends_cleanly))
        )
    if good.all():
        kept = body
    else:
        lines = body.split(b"\n")[:-1]
        kept = b"".join(lines[i] + b"\n" for i in np.flatnonzero(good))
    return Prepared(columns, names, kept, line_numbers[good], rejected, int((~blank).sum()))


def _prepare_quoted(names, columns, body: bytes, ends_cleanly: bool) -> Prepared:
    """The csv module's path for files with quoted fields (slower, rare in FIRMS downloads)."""
    text = body.decode("utf-8", errors="replace")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    reader = csv.reader(io.StringIO(text))
    rows = [(reader.line_num + 1, row) for row in reader]  # line_num: last physical line of the record
    kept, rejected, read = [], [], 0
    for index, (line, row) in enumerate(rows):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        read += 1
        if len(row) != len(columns):
            rejected.append((line, _count_reason(len(row), len(columns), index, len(rows), ends_cleanly)))
            continue
        writer.writerow(row)
        kept.append(line)
    return Prepared(columns, names, out.getvalue().encode("utf-8"), np.asarray(kept, dtype=np.int64), rejected, read)


def _count_reason(found: int, expected: int, index: int, total: int, ends_cleanly: bool) -> Reason:
    if index == total - 1 and not ends_cleanly and found < expected:
        return Reason(
            gettext_noop("Dòng cuối bị cắt cụt: %(found)s trên %(expected)s trường"), found=found, expected=expected
        )
    return Reason(gettext_noop("Sai số trường: %(found)s thay vì %(expected)s"), found=found, expected=expected)


def parse_date(raw: str | None, *, today: date | None = None) -> tuple[date | None, Reason | None]:
    """An ``acq_date`` as a date, or the reason it is refused (YYYY-MM-DD only, never guessed)."""
    text = (raw or "").strip()
    if not text:
        return None, Reason(gettext_noop("acq_date đang trống"))
    if not _DATE.match(text):
        return None, Reason(gettext_noop("acq_date %(value)s không đúng dạng YYYY-MM-DD"), value=repr(text))
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None, Reason(gettext_noop("acq_date %(value)s không phải ngày có thật"), value=repr(text))
    today = today or date.today()
    if value > today + timedelta(days=1):
        return None, Reason(gettext_noop("acq_date %(value)s là ngày trong tương lai"), value=repr(text))
    return value, None


def parse_time(raw: str | None) -> tuple[int | None, Reason | None]:
    """An ``acq_time`` (HHMM UTC, zero padding optional: 5 is 00:05, 149 is 01:49) as minutes of day."""
    text = (raw or "").strip()
    match = _HH_MM.match(text)
    if match:
        hours, minutes = int(match.group(1)), int(match.group(2))
    elif _HHMM.match(text):
        padded = text.zfill(4)
        hours, minutes = int(padded[:2]), int(padded[2:])
    else:
        return None, Reason(gettext_noop("acq_time %(value)s không đúng dạng HHMM"), value=repr(text))
    if hours > 23 or minutes > 59:
        return None, Reason(gettext_noop("acq_time %(value)s không phải giờ trong ngày"), value=repr(text))
    return hours * 60 + minutes, None


def normalise_confidence(raw: str | None, instrument: str) -> tuple[str | None, Reason | None]:
    """FIRMS confidence as low/nominal/high: VIIRS l/n/h; MODIS 0-100 (<30 low, 30-79 nominal, >=80 high)."""
    text = (raw or "").strip()
    if instrument == "VIIRS":
        value = VIIRS_CONFIDENCE.get(text.lower())
        return (value, None) if value else (None, _unknown_confidence("VIIRS", text))
    try:
        number = float(text)
    except ValueError:
        return None, _unknown_confidence("MODIS", text)
    if not (0 <= number <= 100) or number != int(number):
        return None, _unknown_confidence("MODIS", text)
    if number < 30:
        return "low", None
    return ("nominal", None) if number < 80 else ("high", None)


def _unknown_confidence(instrument: str, text: str) -> Reason:
    return Reason(
        gettext_noop("Độ tin cậy (confidence) %(instrument)s không hợp lệ: %(value)s"),
        instrument=instrument,
        value=repr(text),
    )


def classify_satellite(
    raw_satellite: str | None, raw_instrument: str | None, version: str | None, *, archive: bool, hint: str
) -> tuple[tuple[str, str, str, str] | None, Reason | None]:
    """(instrument, satellite, source, processing) for a row's satellite/instrument/version, or a reason."""
    key = (raw_satellite or "").strip().upper()
    known = SATELLITES.get(key)
    if known is None:
        return None, Reason(gettext_noop("Vệ tinh không xác định: %(satellite)s"), satellite=repr(raw_satellite))
    instrument, satellite, stem = known
    declared = (raw_instrument or "").strip().upper() or hint
    if declared != instrument:
        return None, Reason(
            gettext_noop("Vệ tinh %(satellite)s không mang thiết bị %(instrument)s"),
            satellite=repr(raw_satellite),
            instrument=repr(declared),
        )
    text = (version or "").strip().upper()
    if "NRT" in text or "URT" in text:
        processing = "NRT"
    elif archive or text:
        processing = "SP"  # archive files, and versions without the NRT suffix, are standard processing
    else:
        processing = "NRT"
    return (instrument, satellite, f"{stem}_{processing}", processing), None


def processing_of_source(source: str) -> str:
    """The processing level a FIRMS source name declares (…_NRT / …_URT near real time, …_SP standard)."""
    upper = source.upper()
    return "SP" if upper.endswith("_SP") else "NRT"

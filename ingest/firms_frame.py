"""A FIRMS file's lines as numpy arrays, its detections keyed and de-duplicated, and rows encoded for COPY.

The computation of ingest.firms_direct, without Django or a database: parse a prepared body (pandas'
C reader), key each line's detection in one int64, keep the last line of each detection not stored
yet, and encode those rows in PostgreSQL's binary COPY format. Whatever is not plainly a clean line
(a number that does not parse, NaN, a place off the globe) makes ``read`` give None: the caller then
takes the SQL path, which words a reason for each refused line.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Columns read as numbers (float8), and the text columns read as categories (few distinct values each).
NUMERIC = ("latitude", "longitude", "bright_ti4", "bright_ti5", "brightness", "bright_t31", "scan", "track", "frp")
TEXT = ("acq_date", "acq_time", "satellite", "instrument", "confidence", "version", "daynight")

# A detection key packs (minute since the file's first day, satellite, lat_key, lon_key) in 63 bits,
# so one int64 sorts in time order and compares whole: 16 + 4 + 21 + 22 bits.
MAX_MINUTES = 1 << 16  # 45 days: a file spanning more takes the SQL path
MAX_SATELLITES = 1 << 4
_LAT_BITS, _LON_BITS = 21, 22
_LAT_OFFSET, _LON_OFFSET = 900_000, 1_800_000  # lat_key in -900,000..900,000, lon_key in -1,800,000..1,800,000

PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 UTC in microseconds since 1970: binary timestamps count from it
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
ROWS_PER_PIECE = 65_536  # about 12 MB of COPY data held at a time
_POINT_WITH_SRID = 0x20000001  # EWKB: a point (1) with the SRID flag


@dataclass
class Lines:
    """A clean body's lines: numbers as float64 arrays, text columns as codes into their distinct values."""

    count: int
    numbers: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    values: dict[str, list[str]]


def read(body: bytes, columns: list[str]) -> Lines | None:
    """The lines of a prepared body (no quotes, every line with all its fields), or None when one is not clean."""
    wanted = [c for c in columns if c in NUMERIC or c in TEXT]
    dtypes = {c: ("float64" if c in NUMERIC else "category") for c in wanted}
    try:
        # na_filter off: an empty or "NA" text stays as written (COPY's reading), and an empty number fails.
        frame = pd.read_csv(
            io.BytesIO(body), header=None, names=columns, usecols=wanted, dtype=dtypes, na_filter=False, engine="c"
        )
    except (ValueError, pd.errors.ParserError):
        return None
    numbers = {c: frame[c].to_numpy(dtype=np.float64) for c in wanted if c in NUMERIC}
    if any(not np.isfinite(values).all() for values in numbers.values()):
        return None
    lat, lon = numbers["latitude"], numbers["longitude"]
    if len(lat) and (np.abs(lat).max() > 90 or np.abs(lon).max() > 180):
        return None
    codes, values = {}, {}
    for c in wanted:
        if c in TEXT:
            codes[c] = frame[c].cat.codes.to_numpy(dtype=np.int32)
            values[c] = [str(v) for v in frame[c].cat.categories]
    return Lines(len(frame), numbers, codes, values)


def place_keys(values: np.ndarray) -> np.ndarray:
    """lat_key / lon_key: degrees × 10,000 rounded half to even, as PostgreSQL's round(float8) does."""
    return np.rint(values * 10_000).astype(np.int32)


def detection_keys(minutes: np.ndarray, satellite: np.ndarray, lat_key: np.ndarray, lon_key: np.ndarray) -> np.ndarray:
    """One int64 per detection, ordered by time, then satellite, then place (see MAX_MINUTES)."""
    key = minutes.astype(np.int64) << (4 + _LAT_BITS + _LON_BITS)
    key |= satellite.astype(np.int64) << (_LAT_BITS + _LON_BITS)
    key |= (lat_key.astype(np.int64) + _LAT_OFFSET) << _LON_BITS
    key |= lon_key.astype(np.int64) + _LON_OFFSET
    return key


def new_rows(keys: np.ndarray, stored: np.ndarray) -> tuple[np.ndarray, int]:
    """(the lines to write, in key order: the last line of each detection not in ``stored``; lines not stored)."""
    order = np.argsort(keys, kind="stable")  # equal keys keep file order, so the last is the last line
    ordered = keys[order]
    known = np.isin(ordered, stored)
    last = np.ones(len(ordered), dtype=bool)
    last[:-1] = ordered[1:] != ordered[:-1]
    return order[last & ~known], int((~known).sum())


def stored_keys(copy_out: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(satellite index, microseconds since 2000, lat_key, lon_key) from a binary COPY of four NOT NULL int columns."""
    record = np.dtype(
        [("fields", ">i2"), ("l1", ">i4"), ("sat", ">i4"), ("l2", ">i4"), ("at", ">i8")]
        + [("l3", ">i4"), ("lat", ">i4"), ("l4", ">i4"), ("lon", ">i4")]
    )
    count = (len(copy_out) - len(_COPY_HEADER) - len(_COPY_TRAILER)) // record.itemsize
    rows = np.frombuffer(copy_out, dtype=record, offset=len(_COPY_HEADER), count=count)
    return rows["sat"].astype(np.int64), rows["at"].astype(np.int64), rows["lat"], rows["lon"]


def text_field(value: str | None) -> bytes:
    """One text field of a binary COPY row (NULL for None)."""
    if value is None:
        return struct.pack(">i", -1)
    data = value.encode("utf-8")
    return struct.pack(">i", len(data)) + data


class BinaryRows:
    """Rows of fixed-width fields (numbers, times, points) then text fields, in PostgreSQL's binary COPY format.

    The fixed fields are one numpy record per row; the text fields of a row are one of a few
    pre-encoded tails (its satellite, confidence and so on), picked by index.
    """

    def __init__(self, text_names: list[str]):
        self.text_names = text_names
        self._fields: list[tuple[str, str, object]] = []

    @property
    def names(self) -> list[str]:
        """The COPY column list, in the order of the encoded fields."""
        return [name for name, _, _ in self._fields] + self.text_names

    def number(self, name: str, kind: str, values) -> None:
        """A numeric column: kind '>i2', '>i4', '>i8' or '>f8'; values an array, a scalar, or None for NULL."""
        self._fields.append((name, kind, values))

    def point(self, name: str, x: np.ndarray, y: np.ndarray, srid: int) -> None:
        """A PostGIS point column, sent as EWKB (little-endian, with its SRID)."""
        self._fields.append((name, "point", (x, y, srid)))

    def encode(self, rows: np.ndarray, tail_of_row: np.ndarray, tails: list[bytes]):
        """The COPY payload of ``rows`` (indexes into the arrays), in pieces of bounded size.

        ``tails[tail_of_row[i]]`` holds row i's text fields, each encoded by ``text_field``.
        """
        layout = [("fields", ">i2")]
        for name, kind, values in self._fields:
            layout.append((f"{name}_len", ">i4"))
            if kind == "point":
                layout += [(f"{name}_order", "u1"), (f"{name}_type", "<u4"), (f"{name}_srid", "<u4")]
                layout += [(f"{name}_x", "<f8"), (f"{name}_y", "<f8")]
            elif values is not None:
                layout.append((name, kind))
        dtype = np.dtype(layout)
        width = dtype.itemsize
        yield _COPY_HEADER
        for start in range(0, len(rows), ROWS_PER_PIECE):
            part = rows[start : start + ROWS_PER_PIECE]
            fixed = np.zeros(len(part), dtype=dtype)
            fixed["fields"] = len(self._fields) + len(self.text_names)
            for name, kind, values in self._fields:
                if kind == "point":
                    x, y, srid = values
                    fixed[f"{name}_len"] = 25
                    fixed[f"{name}_order"] = 1
                    fixed[f"{name}_type"] = _POINT_WITH_SRID
                    fixed[f"{name}_srid"] = srid
                    fixed[f"{name}_x"] = x[part]
                    fixed[f"{name}_y"] = y[part]
                elif values is None:
                    fixed[f"{name}_len"] = -1
                else:
                    fixed[f"{name}_len"] = np.dtype(kind).itemsize
                    fixed[name] = values[part] if isinstance(values, np.ndarray) else values
            flat = fixed.tobytes()
            # Each row's fixed bytes, then its tail: two lists interleaved by slice assignment, joined once.
            pieces = [b""] * (2 * len(part))
            pieces[0::2] = [flat[i : i + width] for i in range(0, len(flat), width)]
            pieces[1::2] = map(tails.__getitem__, tail_of_row[part].tolist())
            yield b"".join(pieces)
        yield _COPY_TRAILER

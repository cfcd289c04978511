"""The verdicts of a FIRMS file's distinct dates, times and (satellite, confidence) values, in words.

Both ways of loading a file (ingest.firms's SQL checks and ingest.firms_direct) judge each distinct
value once here, so the two give the same rows and the same reasons.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from . import firms_csv

# The (satellite, instrument, version, confidence) values as read, and each combination's verdict.
COMBO_RAW = ("satellite", "instrument", "version", "confidence")
COMBO_VERDICT = (
    "kind_instrument",
    "kind_satellite",
    "kind_source",
    "kind_processing",
    "sat_reason",
    "conf_val",
    "conf_reason",
)
COMBO_REASONS = ("combo_sat_reason", "combo_conf_reason")


def words(reason):
    """A firms_csv reason in the reader's language (other texts pass through unchanged)."""
    if isinstance(reason, firms_csv.Reason):
        return _(reason.template) % reason.values
    return reason


def _worded(verdict: tuple) -> tuple:
    value, reason = verdict
    return value, words(reason)


def judge(dates: list, times: list, combos: list, prepared: firms_csv.Prepared, source: str | None) -> dict:
    """Each distinct date, time and (satellite, instrument, version, confidence) with its value or reason.

    The lists are parallel arrays (``date_raw``, ``date_val``, ``date_reason``, ``combo_…``), as the SQL
    joins them; an empty reason means the value is accepted.
    """
    today = date.today()
    parsed_dates = [_worded(firms_csv.parse_date(d, today=today)) for d in dates]
    parsed_times = [_worded(firms_csv.parse_time(t)) for t in times]
    forced = firms_csv.processing_of_source(source) if source else None
    verdicts = []
    for satellite, instr, ver, confidence in combos:
        kind, reason = firms_csv.classify_satellite(
            satellite, instr, ver, archive=prepared.archive, hint=prepared.instrument_hint
        )
        if kind is not None and forced:
            if not source.upper().startswith(kind[0]):
                message = _("Vệ tinh %(satellite)s (%(instrument)s) không thuộc nguồn %(source)s")
                kind, reason = None, message % {"satellite": repr(satellite), "instrument": kind[0], "source": source}
            else:
                kind = (kind[0], kind[1], source, forced)
        normalised, conf_reason = firms_csv.normalise_confidence(confidence, kind[0] if kind else "")
        kind = kind or ("", "", "", "")
        verdicts.append((*kind, words(reason) or "", normalised or "", words(conf_reason) or ""))
    return {
        "date_raw": [d or "" for d in dates],
        "date_val": [v for v, _ in parsed_dates],
        "date_reason": [r or "" for _, r in parsed_dates],
        "time_raw": [t or "" for t in times],
        "time_val": [v for v, _ in parsed_times],
        "time_reason": [r or "" for _, r in parsed_times],
        **{f"combo_{name}": [c[i] for c in combos] for i, name in enumerate(COMBO_RAW)},
        **{f"combo_{name}": [v[i] for v in verdicts] for i, name in enumerate(COMBO_VERDICT)},
    }


def refused_any(mappings: dict) -> bool:
    """Whether any distinct value was refused."""
    reasons = ("date_reason", "time_reason", *COMBO_REASONS)
    return any(any(mappings[name]) for name in reasons)

"""Open311 GeoReport v2: the specification's shapes, status values, dates and error list.

Pure apart from Django's gettext for the error texts. Views hand in plain values; this module
decides the field names and types so every endpoint answers alike (JSON, or XML with the same element names).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
OPEN = "open"
CLOSED = "closed"
OPEN_STATES = frozenset({"received", "acknowledged", "in_progress"})
MAX_DESCRIPTION = 4000
MAX_RANGE = timedelta(days=90)
DEFAULT_RANGE = timedelta(days=90)
MAX_RESULTS = 1000
MIN_YEAR, MAX_YEAR = 2000, 2100
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


class Open311Error(ValueError):
    """A request the specification says to refuse: an HTTP status and a description."""

    def __init__(self, description: str, status: int = 400):
        super().__init__(description)
        self.description = description
        self.status = status


def status_of(internal: str) -> str:
    """The Open311 status ("open" or "closed") of an internal workflow status."""
    return OPEN if internal in OPEN_STATES else CLOSED


def when(value: datetime | None) -> str | None:
    """ISO 8601 with the local offset, seconds precision: 2026-11-23T16:20:05+07:00."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return value.astimezone(LOCAL).isoformat(timespec="seconds")


def parse_when(text: str, name: str) -> datetime:
    """A W3C/ISO 8601 datetime from a query parameter; one without an offset is local time."""
    value = text.strip()
    # An unencoded "+07:00" in a query string arrives as " 07:00": read it as the offset it was.
    value = re.sub(r"(T[0-9:.]+) (\d{2}:?\d{2})$", r"\1+\2", value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?", value):
        raise Open311Error(_("%(name)s phải là ngày giờ ISO 8601, ví dụ 2026-11-23T08:00:00+07:00.") % {"name": name})
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(_("%(name)s không phải ngày hợp lệ.") % {"name": name}) from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        # Also keeps the 90-day arithmetic away from datetime's limits (year 1 and 9999).
        message = _("%(name)s phải nằm trong các năm %(first)s đến %(last)s.")
        raise Open311Error(message % {"name": name, "first": MIN_YEAR, "last": MAX_YEAR})
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LOCAL)


def date_range(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The requested window: defaults to the last 90 days, and at most 90 days wide."""
    end_at = parse_when(end, "end_date") if end else None
    start_at = parse_when(start, "start_date") if start else None
    if end_at is None:
        end_at = start_at + DEFAULT_RANGE if start_at else now
    if start_at is None:
        start_at = end_at - DEFAULT_RANGE
    if start_at > end_at:
        raise Open311Error(_("start_date nằm sau end_date."))
    if end_at - start_at > MAX_RANGE:
        raise Open311Error(_("start_date và end_date cách nhau tối đa 90 ngày."))
    return start_at, end_at


def csv_values(text: str | None, name: str, allowed: frozenset[str] | None = None, limit: int = 200) -> list[str]:
    """A comma-delimited parameter as a list, checked against the allowed values."""
    if not text:
        return []
    values = [v.strip() for v in text.split(",") if v.strip()]
    if len(values) > limit:
        raise Open311Error(_("%(name)s có quá %(limit)s giá trị.") % {"name": name, "limit": limit})
    if allowed is not None:
        unknown = [v for v in values if v not in allowed]
        if unknown:
            message = _("%(name)s có giá trị không được nhận: %(values)s")
            raise Open311Error(message % {"name": name, "values": ", ".join(sorted(unknown))[:200]})
    return values


def error_list(description: str, status: int) -> list[dict]:
    """The specification's error body: a list of {code, description}."""
    return [{"code": status, "description": description}]


def service(code: str, name: str, description: str, group: str, keywords: str, has_attributes: bool) -> dict:
    """One entry of services.json."""
    return {
        "service_code": code,
        "service_name": name,
        "description": description,
        "metadata": has_attributes,
        "type": "realtime",
        "keywords": keywords,
        "group": group,
    }


def definition(code: str, attributes: list[dict]) -> dict:
    """The body of services/{code}.json: attribute definitions with the spec's types."""
    out = []
    for i, attr in enumerate(attributes, start=1):
        out.append(
            {
                "variable": bool(attr.get("variable", True)),
                "code": str(attr["code"]),
                "datatype": str(attr.get("datatype", "string")),
                "required": bool(attr.get("required", False)),
                "datatype_description": str(attr.get("datatype_description", "")),
                "order": int(attr.get("order", i)),
                "description": str(attr.get("description", "")),
                "values": [{"key": str(v["key"]), "name": str(v["name"])} for v in attr.get("values", [])],
            }
        )
    return {"service_code": code, "attributes": out}


def check_attributes(attributes: list[dict], given: dict[str, str]) -> dict[str, str]:
    """The submitted attribute[code] values checked against the definitions; unknown codes refused."""
    known = {a["code"]: a for a in attributes}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise Open311Error(_("Thuộc tính không được nhận: %(names)s") % {"names": ", ".join(unknown)[:200]})
    out = {}
    for code, attr in known.items():
        value = (given.get(code) or "").strip()
        if not value:
            if attr.get("required"):
                raise Open311Error(_("Cần điền attribute[%(code)s].") % {"code": code})
            continue
        keys = {str(v["key"]) for v in attr.get("values", [])}
        if attr.get("datatype") in ("singlevaluelist", "multivaluelist") and value not in keys:
            message = _("attribute[%(code)s] phải là một trong: %(values)s.")
            raise Open311Error(message % {"code": code, "values": ", ".join(sorted(keys))})
        out[code] = value[:200]
    return out


def xml_escape(text: str) -> str:
    """Text safe inside an XML element."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


def _xml_value(tag: str, value) -> str:
    if isinstance(value, list):
        return f"<{tag}>" + "".join(_xml_value(_singular(tag), v) for v in value) + f"</{tag}>"
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(_xml_value(k, v) for k, v in value.items()) + f"</{tag}>"
    if value is None:
        return f"<{tag}/>"
    if isinstance(value, bool):
        return f"<{tag}>{'true' if value else 'false'}</{tag}>"
    # Characters XML 1.0 cannot hold at all are dropped rather than breaking the document.
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", str(value))
    return f"<{tag}>{xml_escape(text)}</{tag}>"


def _singular(tag: str) -> str:
    return {"attributes": "attribute", "values": "value"}.get(tag, tag[:-1] if tag.endswith("s") else tag)


def to_xml(root: str, item: str, rows: list[dict]) -> str:
    """A list of dicts as the specification's XML (e.g. <service_requests><request>...)."""
    body = "".join(_xml_value(item, row) for row in rows)
    return f'<?xml version="1.0" encoding="utf-8"?><{root}>{body}</{root}>'


def document_xml(root: str, body: dict) -> str:
    """One dict as an XML document (e.g. <service_definition>...)."""
    return '<?xml version="1.0" encoding="utf-8"?>' + _xml_value(root, body)

"""Taking in a report: checks, routing, deadline, photos, coverage point and outbox, in one transaction."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from layers.places.models import Village
from layers.telecom.models import OPERATORS, TECHNOLOGIES, SignalMeasurement

from . import deadline_rules, outbox, photos, routing
from .errors import IdempotencyMismatch, InvalidReport, PhotoRejected, PhotoTooLarge, UnknownCategory
from .models import ApiKey, Category, Complaint, IdempotencyRecord, Photo
from .open311 import MAX_DESCRIPTION, Open311Error, check_attributes

MAX_PHOTOS = 3
# Crockford-like alphabet: no 0/O, 1/I/L to misread when a code is read out on the phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PHONE = re.compile(r"^\+?[0-9 .()-]{6,20}$")
CODE = re.compile(r"[A-Za-z0-9_-]{1,40}")  # a category code (Open311 service_code)
TRACKING = re.compile(r"[A-Z0-9-]{1,20}")  # a tracking code as stored (PA-XXXXXXXX)


@dataclass
class Report:
    """What a citizen or an Open311 client sends, before any check."""

    category: str
    description: str
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    attributes: dict = field(default_factory=dict)
    media_url: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    photos: list[bytes] = field(default_factory=list)
    source: str = "web"
    api_key: ApiKey | None = None

    def fingerprint(self) -> str:
        """A digest of the request's content, to tell a retry from a different request under one key."""
        body = {
            k: getattr(self, k)
            for k in ("category", "description", "lon", "lat", "address", "attributes", "media_url", "reporter_email")
        }
        body["photos"] = [hashlib.sha256(p).hexdigest() for p in self.photos]
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def max_photo_bytes() -> int:
    """The byte cap of one photo (settings.FEEDBACK_MAX_PHOTO_BYTES, 8 MB by default)."""
    return int(getattr(settings, "FEEDBACK_MAX_PHOTO_BYTES", 8 * 1024 * 1024))


def max_photo_pixels() -> int:
    """The pixel cap of one photo (settings.FEEDBACK_MAX_PHOTO_PIXELS, 40 megapixels by default)."""
    return int(getattr(settings, "FEEDBACK_MAX_PHOTO_PIXELS", 40_000_000))


def category_of(code: str) -> Category:
    """The active category with this code (the Open311 service_code)."""
    code = (code or "").strip()
    if not CODE.fullmatch(code):
        raise UnknownCategory(_("Lĩnh vực phản ánh không tồn tại."), field="category")
    category = Category.objects.select_related("office").filter(code=code, active=True).first()
    if category is None:
        raise UnknownCategory(_("Lĩnh vực phản ánh không tồn tại."), field="category")
    return category


def clean_photos(files: list[bytes]) -> list[photos.CleanPhoto]:
    """Decode, cap and re-encode up to three photos."""
    if len(files) > MAX_PHOTOS:
        raise PhotoRejected(_("Tối đa 3 ảnh."), field="photos")
    cleaned = []
    for data in files:
        try:
            cleaned.append(photos.clean(data, max_bytes=max_photo_bytes(), max_pixels=max_photo_pixels()))
        except photos.PhotoError as exc:
            error = PhotoTooLarge if exc.too_large else PhotoRejected
            raise error(str(exc), field="photos") from None
    return cleaned


def _check_text(report: Report) -> None:
    texts = {
        "description": report.description,
        "address": report.address,
        "name": report.reporter_name,
        "phone": report.reporter_phone,
        "email": report.reporter_email,
        "media_url": report.media_url,
        "category": report.category,
    }
    texts.update({f"attribute[{k}]": f"{k}{v}" for k, v in report.attributes.items()})
    for name, text in texts.items():
        # PostgreSQL text cannot hold NUL: refuse it as bad input rather than fail at the INSERT.
        if "\x00" in str(text):
            raise InvalidReport(_("Nội dung có ký tự không hợp lệ."), field=name)
    description = report.description.strip()
    if not description:
        raise InvalidReport(_("Cần mô tả nội dung phản ánh."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidReport(_("Nội dung tối đa 4.000 ký tự."), field="description")
    if len(report.address) > 300:
        raise InvalidReport(_("Địa chỉ tối đa 300 ký tự."), field="address")
    if report.reporter_email:
        try:
            validate_email(report.reporter_email)
        except ValidationError:
            raise InvalidReport(_("Địa chỉ email không hợp lệ."), field="email") from None
    if report.reporter_phone and not PHONE.match(report.reporter_phone):
        raise InvalidReport(_("Số điện thoại không hợp lệ."), field="phone")
    if len(report.reporter_name) > 120:
        raise InvalidReport(_("Họ tên tối đa 120 ký tự."), field="name")
    if report.media_url:
        parts = urlsplit(report.media_url)
        # Only a link to a web page: never javascript:, data:, file: (it is shown as a link).
        if parts.scheme not in ("http", "https") or not parts.netloc or len(report.media_url) > 500:
            raise InvalidReport(_("media_url phải là địa chỉ http(s), tối đa 500 ký tự."), field="media_url")


def _place(report: Report, cleaned: list[photos.CleanPhoto]) -> tuple[float, float]:
    if report.lon is not None and report.lat is not None:
        return report.lon, report.lat
    gps = next((p.gps for p in cleaned if p.gps), None)
    if gps:
        return gps
    address = report.address.strip()
    if address:
        # A village named in the address stands for its centre (no outside geocoder is called).
        for village in Village.objects.select_related("commune").all():
            if village.name.lower() in address.lower():
                return village.geom.x, village.geom.y
    raise InvalidReport(
        _("Hãy cho biết nơi xảy ra: chạm vào bản đồ, dùng vị trí của máy, hoặc chọn xã và thôn."), field="location"
    )


def _attributes(category: Category, given: dict) -> dict:
    try:
        return check_attributes(category.attributes or [], {str(k): str(v) for k, v in given.items()})
    except Open311Error as exc:
        raise InvalidReport(exc.description, field="attribute") from None


def new_tracking_code() -> str:
    """A short random code, hard to guess, easy to read out: PA-XXXXXXXX."""
    return "PA-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def submit(report: Report, *, idempotency: tuple[str, str] | None = None, now=None) -> tuple[Complaint, bool]:
    """Check and store a report; returns (complaint, replayed) where replayed means an earlier receipt."""
    now = now or timezone.now()
    category = category_of(report.category)
    _check_text(report)
    attributes = _attributes(category, report.attributes)
    cleaned = clean_photos(report.photos)
    lon, lat = _place(report, cleaned)
    point, commune = routing.locate(lon, lat)
    fingerprint = report.fingerprint()
    saved: list[Photo] = []
    try:
        with transaction.atomic():
            if idempotency:
                previous = _replay(idempotency, fingerprint)
                if previous is not None:
                    return previous, True
            complaint = _create(report, category, attributes, point, commune, now)
            if category.code == "no_signal":
                _coverage_point(complaint, attributes, now)
            outbox.record("complaint.received", complaint)
            if idempotency:
                IdempotencyRecord.objects.create(
                    scope=idempotency[0][:80], key=idempotency[1][:200], fingerprint=fingerprint, complaint=complaint
                )
            # Files last: they are outside the transaction, so a rollback must remove them by hand.
            for photo in cleaned:
                record = Photo(complaint=complaint, width=photo.width, height=photo.height, sha256=photo.sha256)
                name = f"{complaint.tracking_code}-{photo.sha256[:12]}.jpg"
                record.image.save(name, ContentFile(photo.jpeg), save=False)
                saved.append(record)
                record.save()
    except BaseException:
        for record in saved:
            record.image.storage.delete(record.image.name)
        raise
    return complaint, False


def _replay(idempotency: tuple[str, str], fingerprint: str) -> Complaint | None:
    scope, key = idempotency[0][:80], idempotency[1][:200]
    # Serialise the same key across workers until this transaction ends: one report, one receipt.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"feedback:{scope}:{key}"])
    record = IdempotencyRecord.objects.select_related("complaint").filter(scope=scope, key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        message = _("Idempotency-Key này đã được dùng cho một yêu cầu khác.")
        raise IdempotencyMismatch(message, field="Idempotency-Key")
    return record.complaint


def _create(report, category, attributes, point, commune, now) -> Complaint:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Complaint.objects.create(
                    tracking_code=new_tracking_code(),
                    category=category.code,
                    description=report.description.strip(),
                    status="received",
                    created_at=now,
                    updated_at=now,
                    expected_at=deadline_rules.expected_for(category, now),
                    commune=commune,
                    office=category.office,
                    agency_responsible=routing.agency(category, commune),
                    address=report.address.strip(),
                    attributes=attributes,
                    media_url=report.media_url,
                    source=report.source,
                    api_key=report.api_key,
                    reporter_name=report.reporter_name.strip(),
                    reporter_phone=report.reporter_phone.strip(),
                    reporter_email=report.reporter_email.strip(),
                    geom=point,
                )
        except IntegrityError:
            continue  # a tracking code collision: draw another
    raise RuntimeError("could not draw a free tracking code")


def _coverage_point(complaint: Complaint, attributes: dict, now) -> SignalMeasurement:
    operator = attributes.get("operator", "")
    technology = attributes.get("technology") or "4G"
    if operator not in dict(OPERATORS) or technology not in dict(TECHNOLOGIES):
        raise InvalidReport(_("Chọn nhà mạng không có sóng."), field="operator")
    return SignalMeasurement.objects.create(
        operator=operator,
        technology=technology,
        dbm=None,
        measured_at=now,
        source="complaint",
        device=f"complaint {complaint.tracking_code}",
        geom=Point(complaint.geom.x, complaint.geom.y, srid=4326),
    )


def nearby_open(category: str, lon: float, lat: float, metres: float = 50, exclude: int | None = None):
    """Open reports of the same category within ``metres``: the duplicate suggestion before submitting."""
    from django.contrib.gis.measure import D

    point = Point(lon, lat, srid=4326)
    # A degree box around the point uses the spatial index; the sphere distance then decides.
    box = metres / 90_000
    qs = Complaint.objects.filter(
        category=category,
        status__in=("received", "acknowledged", "in_progress"),
        geom__dwithin=(point, box),
        geom__distance_lte=(point, D(m=metres)),
    )
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.order_by("-created_at")[:5]

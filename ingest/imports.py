"""Import a vector file into a layer: map attributes, validate every row, write all rows or the valid ones.

The one service behind the upload endpoint and ``manage.py import_layer``. Each import is recorded
as an IngestRun; rows are written in one transaction, so a refused import leaves the layer as it was.

Modes: ``all`` (all-or-nothing: any rejected row means nothing is written) and ``valid-only``
(valid rows land, bad rows are reported). Rows are numbered from 1 in file order.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import shapely
from django.contrib.gis.db.models import GeometryField
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from geoplatform.errors import Forbidden, NotFound, PlatformError
from layers import validation
from layers.api import features
from layers.registry import registry

from . import archive, runs, vector

MODES = ("all", "valid-only")
MODE_ALIASES = {"all-or-nothing": "all", "valid": "valid-only"}
# Bookkeeping columns a file must not set: an integer optimistic-lock counter and who changed a row.
SYSTEM_FIELDS = {"version", "updated_by", "created_by"}
TRUE_WORDS = {"true", "t", "yes", "y", "1", "có", "co", "x"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "không", "khong"}
# Shapefile (dBase) field names are cut to 10 characters.
DBF_NAME_LENGTH = 10


class ImportRefused(PlatformError):
    """Nothing was written: the file or its rows were refused. Carries the report."""

    status = 400
    code = "import_rejected"

    def __init__(self, message: str, report: Report | None = None, *, field: str | None = "file"):
        super().__init__(message, field=field)
        self.report = report

    def as_dict(self) -> dict:
        """The JSON error with the report alongside it."""
        body = super().as_dict()
        if self.report is not None:
            body["report"] = self.report.as_dict()
        return body


@dataclass
class Report:
    """What an import did: rows read, accepted, written, rejected with reasons, attributes ignored."""

    layer: str
    mode: str
    dry_run: bool
    format: str = ""
    crs: str = ""
    read: int = 0
    accepted: int = 0
    written: int = 0
    rejected: list[dict] = field(default_factory=list)
    ignored_fields: list[str] = field(default_factory=list)
    run: int | None = None

    def as_dict(self) -> dict:
        """The report as plain JSON-able data."""
        return asdict(self)


def writable_fields(layer) -> dict[str, models.Field]:
    """The layer's registry fields (public and private) a file may set, by name."""
    model = layer.model_class
    found = {}
    for name in layer.public_fields + layer.private_fields:
        try:
            model_field = model._meta.get_field(name)
        except Exception:  # noqa: S112 - a registry name without a model field (e.g. computed) is skipped
            continue
        if (
            not getattr(model_field, "concrete", False)
            or not model_field.editable
            or model_field.primary_key
            or name == layer.geometry_field
            or (name in SYSTEM_FIELDS and not isinstance(model_field, models.CharField))
            or getattr(model_field, "auto_now", False)
            or getattr(model_field, "auto_now_add", False)
        ):
            continue
        found[name] = model_field
    return found


def match_attributes(names: list[str], fields: dict[str, models.Field]) -> tuple[dict[str, str], list[str]]:
    """Map file attribute names to layer fields (case-insensitive; shapefile-truncated names too)."""
    mapping, ignored, taken = {}, [], set()
    lowered = {name.lower(): name for name in fields}
    for attribute in names:
        key = attribute.strip().lower()
        target = lowered.get(key)
        if target is None and len(key) == DBF_NAME_LENGTH:
            candidates = [name for low, name in lowered.items() if low.startswith(key)]
            target = candidates[0] if len(candidates) == 1 else None
        if target is None or target in taken:
            ignored.append(attribute)
            continue
        mapping[attribute] = target
        taken.add(target)
    return mapping, ignored


def is_required(model_field: models.Field) -> bool:
    """Whether a row must give this field (not nullable, no default, not blank)."""
    return not model_field.null and not model_field.has_default() and not model_field.blank


class _ForeignKeys:
    """Resolves a foreign-key value given as id, name or code (one query per related model)."""

    def __init__(self):
        self._lookups: dict[type, dict[str, object]] = {}

    def resolve(self, model_field: models.ForeignKey, value) -> object:
        related = model_field.related_model
        if related not in self._lookups:
            keys = [f.name for f in related._meta.concrete_fields if f.unique and isinstance(f, models.CharField)]
            table: dict[str, object] = {}
            for record in related.objects.values("pk", *keys):
                table[str(record["pk"])] = record["pk"]
                for key in keys:
                    if record[key]:
                        table.setdefault(str(record[key]).strip().lower(), record["pk"])
            self._lookups[related] = table
        text = str(value).strip().lower()
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]
        if text not in self._lookups[related]:
            message = _("%(field)s: không tìm thấy %(value)s")
            raise ValueError(message % {"field": model_field.name, "value": repr(str(value)[:80])})
        return self._lookups[related][text]


def coerce(model_field: models.Field, value, foreign_keys: _ForeignKeys):
    """A file value as the field's Python value; ValueError names the field and the problem."""
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        if is_required(model_field):
            raise ValueError(_("%(field)s: cần có giá trị") % {"field": model_field.name})
        return None
    if isinstance(model_field, models.ForeignKey):
        return foreign_keys.resolve(model_field, value)
    if isinstance(model_field, models.BooleanField) and isinstance(value, str):
        word = value.lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            message = _("%(field)s: %(value)s không phải là có/không")
            raise ValueError(message % {"field": model_field.name, "value": repr(value[:40])})
        value = word in TRUE_WORDS
    if isinstance(model_field, models.IntegerField) and isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        value = model_field.clean(value, None)
    except ValidationError as exc:
        raise ValueError(f"{model_field.name}: {'; '.join(str(m) for m in exc.messages)}") from None
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        # A time without an offset is the district's local time (Asia/Ho_Chi_Minh); stored in UTC.
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _unique_keys(model) -> list[tuple[str, ...]]:
    """Field-name tuples that must be unique (unique fields and unconditional UniqueConstraints)."""
    keys = [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields and constraint.condition is None:
            keys.append(tuple(constraint.fields))
    return keys


def _attname(model, name: str) -> str:
    return model._meta.get_field(name).attname


def _existing(model, names: tuple[str, ...], keys: set[tuple]) -> set[tuple]:
    attnames = [_attname(model, n) for n in names]
    found: set[tuple] = set()
    firsts = sorted({key[0] for key in keys}, key=str)
    for start in range(0, len(firsts), 1000):
        queryset = model.objects.filter(**{f"{attnames[0]}__in": firsts[start : start + 1000]})
        found.update(tuple(v) for v in queryset.values_list(*attnames))
    return found & keys


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(
    path: str | Path,
    layer_slug: str,
    *,
    user=None,
    staff: bool = False,
    name: str | None = None,
    srs: str | None = None,
    mode: str = "all",
    dry_run: bool = False,
    source_layer: str | None = None,
    archive_caps: archive.Caps = archive.Caps(),
) -> Report:
    """Import a file into a layer and return the report; raises ImportRefused when nothing lands.

    ``staff`` is the command line's standing (no role check); otherwise ``user`` needs
    ``layer.can_edit``.
    """
    path = Path(path)
    layer = registry.get(layer_slug)
    if layer is None:
        raise NotFound(_("Không có lớp dữ liệu %(layer)s") % {"layer": repr(layer_slug)}, field="layer")
    if layer.derived:
        message = _("Lớp %(layer)s do hệ thống tự tính từ các lớp khác, không nhập dữ liệu vào được")
        raise ImportRefused(message % {"layer": repr(layer_slug)}, field="layer")
    if not staff and not layer.can_edit(user):
        message = _("Nhập dữ liệu vào lớp %(layer)s cần quyền chỉnh sửa lớp đó")
        raise Forbidden(message % {"layer": repr(layer_slug)}, field="layer")
    mode = MODE_ALIASES.get(mode, mode)
    if mode not in MODES:
        message = _("Chế độ (mode) phải là một trong: %(modes)s") % {"modes": ", ".join(MODES)}
        raise PlatformError(message, field="mode", code="bad_mode")
    report = Report(layer=layer.slug, mode=mode, dry_run=dry_run)
    run = runs.start(
        f"import:{layer.slug}",
        "vector-import",
        file_name=(name or path.name)[:300],
        sha256=_sha256(path),
        params={"mode": mode, "srs": srs or "", "dry_run": dry_run, "user": getattr(user, "username", "") or "cli"},
    )
    report.run = run.pk
    try:
        _run(path, layer, report, user=user, name=name, srs=srs, source_layer=source_layer, caps=archive_caps)
    except PlatformError as exc:
        runs.finish(run, read=report.read, new=0, duplicate=0, rejected=report.rejected)
        runs.fail(run, exc.message)
        if isinstance(exc, ImportRefused) and exc.report is None:
            exc.report = report
        raise
    runs.finish(
        run,
        read=report.read,
        new=report.written,
        duplicate=0,
        rejected=report.rejected,
        message=_("Chạy thử: không ghi gì cả") if dry_run else "",
    )
    return report


def _run(path: Path, layer, report: Report, *, user, name, srs, source_layer, caps: archive.Caps) -> None:
    dataset = vector.read(path, name=name, srs=srs, source_layer=source_layer, archive_caps=caps)
    report.format, report.crs, report.read = dataset.format, dataset.crs, len(dataset.rows)
    if not dataset.rows:
        refused = ImportRefused(_("Tệp không có đối tượng nào"))
        refused.code = "no_features"
        raise refused
    model = layer.model_class
    fields = writable_fields(layer)
    mapping, report.ignored_fields = match_attributes(dataset.fields, fields)
    parents = _SpatialParents(model)
    missing = [n for n, f in fields.items() if is_required(f) and n not in mapping.values() and n not in parents]
    if missing:
        raise ImportRefused(_("Tệp thiếu các trường bắt buộc: %(fields)s") % {"fields": ", ".join(missing)})
    unsettable = [f.name for f in _required_model_fields(model) if f.name not in fields and f.name not in parents]
    if unsettable:
        message = _("Không nhập được lớp %(layer)s từ tệp: %(fields)s không thể lấy từ tệp")
        raise ImportRefused(message % {"layer": layer.slug, "fields": ", ".join(unsettable)})

    foreign_keys = _ForeignKeys()
    rejected: list[dict] = []
    attributed: list[tuple] = []
    for row in dataset.rows:
        if row.error is not None:
            rejected.append({"row": row.number, "reason": row.error})
            continue
        try:
            values = {}
            for attribute, target in mapping.items():
                model_field, value = fields[target], row.properties.get(attribute)
                if target in parents and (value is None or str(value).strip() == ""):
                    continue  # found from the geometry below
                values[model_field.attname] = coerce(model_field, value, foreign_keys)
        except ValueError as exc:
            rejected.append({"row": row.number, "reason": str(exc)})
            continue
        attributed.append((row, values))
    # Geometry last and all at once: the checks are vectorised over the rows.
    checked = validation.validate_many([row.geometry for row, _ in attributed], layer)
    candidates: list[tuple[int, dict]] = []
    for (row, values), (geometry, reason) in zip(attributed, checked, strict=True):
        if reason is not None:
            rejected.append({"row": row.number, "reason": reason})
            continue
        values[layer.geometry_field] = geometry
        reason = parents.fill(values, geometry)
        if reason is not None:
            rejected.append({"row": row.number, "reason": reason})
            continue
        candidates.append((row.number, {k: v for k, v in values.items() if v is not None}))

    candidates = _drop_duplicates(model, candidates, rejected)
    rejected.sort(key=lambda item: item["row"])
    report.rejected, report.accepted = rejected, len(candidates)
    if report.dry_run:
        return
    if rejected and report.mode == "all":
        message = _("%(rejected)s trên %(read)s dòng bị từ chối; chưa ghi dòng nào (chế độ all: tất cả hoặc không)")
        raise ImportRefused(message % {"rejected": len(rejected), "read": report.read})
    if not candidates:
        raise ImportRefused(_("Cả %(read)s dòng đều bị từ chối; chưa ghi dòng nào") % {"read": report.read})
    extra = {}
    if user is not None and getattr(user, "is_authenticated", False) and _has_field(model, "updated_by"):
        extra["updated_by"] = user
    rules = features.rules_of(layer)
    if rules is not None:
        # A layer with write rules (parcels: overlaps, snapping, area...) takes rows one by one
        # through them, each against the rows before it, in one transaction; the file is the reason.
        _write_with_rules(model, rules, candidates, extra, report, user=user, reason=name or path.name)
        return
    try:
        with transaction.atomic():
            model.objects.bulk_create([model(**values, **extra) for _, values in candidates], batch_size=500)
    except IntegrityError as exc:
        first_line = str(exc).splitlines()[0][:200]
        message = _("Cơ sở dữ liệu từ chối các dòng; chưa ghi dòng nào: %(detail)s") % {"detail": first_line}
        raise ImportRefused(message) from None
    report.written = len(candidates)


def _write_with_rules(model, rules, candidates, extra, report: Report, *, user, reason: str) -> None:
    """Save rows through the layer's write rules: all or nothing in mode "all", refused rows skipped otherwise."""
    refused: list[dict] = []
    written = 0
    with transaction.atomic(), rules.write_context(user, reason):
        for number, values in candidates:
            obj = model(**values, **extra)
            try:
                with transaction.atomic():
                    obj.clean_fields()
                    rules.before_write(obj, user, geometry_changed=True)
                    obj.full_clean()
                    obj.save()
                written += 1
            except ValidationError as exc:
                refused.append({"row": number, "reason": "; ".join(exc.messages)})
            except PlatformError as exc:
                refused.append({"row": number, "reason": exc.message})
        report.rejected = sorted(report.rejected + refused, key=lambda item: item["row"])
        if refused and report.mode == "all":
            message = _("%(rejected)s trên %(read)s dòng bị từ chối; chưa ghi dòng nào (chế độ all: tất cả hoặc không)")
            raise ImportRefused(message % {"rejected": len(refused), "read": report.read})
        if not written:
            raise ImportRefused(_("Cả %(read)s dòng đều bị từ chối; chưa ghi dòng nào") % {"read": report.read})
    report.accepted, report.written = written, written


def _required_model_fields(model) -> list[models.Field]:
    """Model columns that need a value and get none by themselves (no default, not automatic)."""
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and not f.null
        and not f.has_default()
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
        and not isinstance(f, GeometryField)
        and not f.empty_strings_allowed  # text columns default to ""
    ]


class _SpatialParents:
    """Required foreign keys to small spatial tables (district, commune) found from the geometry.

    A village without a commune column lands in the commune that contains it; a row no parent
    contains is rejected with that reason.
    """

    MAX_PARENTS = 5000

    def __init__(self, model):
        self._fields = {}
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and not f.null:
                geometry = next(
                    (g for g in f.related_model._meta.concrete_fields if isinstance(g, GeometryField)), None
                )
                if geometry is not None and f.related_model.objects.count() <= self.MAX_PARENTS:
                    self._fields[f.name] = (f, geometry.name)
        self._trees: dict[str, tuple] = {}

    def __contains__(self, name: str) -> bool:
        return name in self._fields

    def _tree(self, name: str):
        if name not in self._trees:
            model_field, geometry_name = self._fields[name]
            rows = list(model_field.related_model.objects.values_list("pk", geometry_name))
            shapes = [shapely.from_wkb(bytes(g.wkb)) for _, g in rows]
            self._trees[name] = ([pk for pk, _ in rows], shapely.STRtree(shapes))
        return self._trees[name]

    def fill(self, values: dict, geometry) -> str | None:
        """Set the missing parents of one row from its geometry; the reason when none contains it."""
        for name, (model_field, _geometry) in self._fields.items():
            if values.get(model_field.attname) is not None:
                continue
            pks, tree = self._tree(name)
            probe = shapely.point_on_surface(shapely.from_wkb(bytes(geometry.wkb)))
            hits = sorted(pks[i] for i in tree.query(probe, predicate="intersects"))
            if not hits:
                return _parent_missing(name, model_field.related_model)
            values[model_field.attname] = hits[0]
        return None


def _parent_missing(name: str, related) -> str:
    """The reason of a row no parent contains, naming the parents' layer as the reader knows it."""
    layer = registry.for_model(related)
    title = layer.title(get_language() or "vi") if layer is not None else related._meta.verbose_name
    return _("%(field)s: không có đối tượng nào của lớp “%(layer)s” chứa vị trí này") % {"field": name, "layer": title}


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _drop_duplicates(model, candidates: list[tuple[int, dict]], rejected: list[dict]) -> list[tuple[int, dict]]:
    """Reject rows repeating a unique key within the file or matching a row already stored."""
    keep = candidates
    for names in _unique_keys(model):
        attnames = [_attname(model, n) for n in names]
        seen: dict[tuple, int] = {}
        survivors = []
        for number, values in keep:
            key = tuple(values.get(a) for a in attnames)
            if any(v is None for v in key):
                survivors.append((number, values))
            elif key in seen:
                reason = _("Trùng với dòng %(row)s (%(fields)s)") % {"row": seen[key], "fields": ", ".join(names)}
                rejected.append({"row": number, "reason": reason})
            else:
                seen[key] = number
                survivors.append((number, values))
        stored = _existing(model, tuple(names), set(seen)) if seen else set()
        keep = []
        for number, values in survivors:
            key = tuple(values.get(a) for a in attnames)
            if key in stored:
                shown = ", ".join(f"{n}={v}" for n, v in zip(names, key, strict=True))
                rejected.append({"row": number, "reason": _("Đã có trong lớp (%(values)s)") % {"values": shown}})
            else:
                keep.append((number, values))
    return keep

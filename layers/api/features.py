"""Reading and writing the features of any registered layer (the service behind REST and OGC)."""

import json
import re
from contextlib import nullcontext
from importlib import import_module

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from geoplatform.errors import Conflict, Forbidden, NotFound
from layers.registry import Layer

from . import columns, sql
from .errors import BadBody, InvalidWithPreview, PreconditionFailed, Unauthenticated, VersionConflict, VersionRequired
from .params import FeatureQuery

_ID = re.compile(r"^[1-9]\d{0,17}$")
_SCALARS = (str, int, float, bool, type(None))


def feature_id(text: str) -> int:
    """A feature id from a URL; anything but a plain positive integer is simply not found."""
    if not _ID.match(text or ""):
        raise NotFound(_("Không có đối tượng %(id)s") % {"id": repr(text[:40])}, field="id")
    return int(text)


def page(layer: Layer, user, query: FeatureQuery) -> tuple[bytes, int, int]:
    """(features JSON array as UTF-8 bytes, number returned, number matched) for one page.

    The count is skipped when the first page already holds every match.
    """
    with sql.serial():
        text, returned = sql.page(layer, columns.visible(layer, user), query, raw=True)
        if query.offset == 0 and returned < query.limit:
            matched = returned
        else:
            matched = sql.count(layer, query)
    return text, returned, matched


def get(layer: Layer, user, fid: int) -> str:
    """One feature as GeoJSON text, or NotFound."""
    text = sql.one(layer, columns.visible(layer, user), fid)
    if text is None:
        raise NotFound(
            _("Không có đối tượng %(id)s trong lớp %(layer)s") % {"id": fid, "layer": layer.slug}, field="id"
        )
    return text


def require_editor(layer: Layer, user) -> None:
    """401 for anonymous users, 403 for users without the layer's edit role."""
    if not user.is_authenticated:
        raise Unauthenticated(_("Hãy đăng nhập để chỉnh sửa lớp này"))
    if not layer.can_edit(user):
        raise Forbidden(_("Vai trò của bạn không có quyền chỉnh sửa lớp %(layer)s") % {"layer": layer.slug})


def geometry_of(value, layer: Layer):
    """A checked geometry for the layer, by the platform's one geometry validator.

    An invalid shape (a bow-tie...) is refused with its reason, its place and an ST_MakeValid
    preview the editor may look at and send back: repair is explicit, never silent.
    """
    from layers import validation

    try:
        return validation.parse_geometry(value, layer)
    except validation.InvalidGeometry as exc:
        preview = validation.make_valid_preview(validation.to_geos(validation.parse_shape(value)), layer)
        repaired = preview["geometry"]
        raise InvalidWithPreview(
            exc.message, location=exc.location, preview=json.loads(repaired.geojson) if repaired else None
        ) from None


def rules_of(layer: Layer):
    """The layer's write-rules module (see Layer.write_rules), or None."""
    return import_module(layer.write_rules) if layer.write_rules else None


def _context(layer: Layer, user, reason: str | None):
    rules = rules_of(layer)
    return rules.write_context(user, reason) if rules else nullcontext()


def _apply_rules(layer: Layer, obj, user, *, geometry_changed: bool) -> None:
    rules = rules_of(layer)
    if rules:
        _clean(obj, fields_only=True)  # the rules then see values of the right types
        rules.before_write(obj, user, geometry_changed=geometry_changed)


def _save(obj) -> None:
    """Save in a savepoint; a unique constraint lost to a concurrent writer is a 409 naming the field."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        fields = [
            c.fields
            for c in getattr(obj._meta, "constraints", [])
            if getattr(c, "name", None) == name and getattr(c, "fields", None)
        ]
        field = fields[0][-1] if fields else None
        message = _("Giá trị %(field)s vừa được người khác dùng; hãy chọn giá trị khác") % {"field": field or name}
        raise Conflict(message, field=field) from None


def _feature_parts(body) -> tuple[dict | None, dict]:
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise BadBody(_('Nội dung gửi lên phải là một Feature GeoJSON ({"type": "Feature", ...})'), field="type")
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise BadBody(_("properties phải là một đối tượng (object)"), field="properties")
    geometry = body.get("geometry")
    if geometry is not None and not isinstance(geometry, dict):
        raise BadBody(_("geometry phải là một đối tượng hình GeoJSON"), field="geometry")
    return geometry, props


def _assign(layer: Layer, obj, props: dict, *, replace: bool) -> None:
    writable = columns.editable(layer)
    for name, value in props.items():
        if name == "version":
            continue
        if name not in writable and name in layer.public_fields + layer.private_fields:
            message = _("%(name)s do máy chủ tính hoặc ghi, không nhận giá trị gửi lên; hãy bỏ nó khỏi properties")
            raise BadBody(message % {"name": name}, field=name)
        if name not in writable:
            message = _("Thuộc tính không tồn tại hoặc không được sửa: %(name)s") % {"name": str(name)[:60]}
            raise BadBody(message, field=str(name)[:60])
        if not isinstance(value, _SCALARS):
            message = _("%(name)s phải là một giá trị đơn, không phải đối tượng hay danh sách") % {"name": name}
            raise BadBody(message, field=name)
    for name, col in writable.items():
        if name in props:
            value = props[name]
        elif replace:
            value = col.field.get_default()
        else:
            continue
        if isinstance(col.field, models.ForeignKey):
            setattr(obj, col.field.attname, value)
        else:
            setattr(obj, name, value)


def _clean(obj, *, fields_only: bool = False) -> None:
    try:
        if fields_only:
            obj.clean_fields()
        else:
            obj.full_clean()
    except ValidationError as exc:
        errors = getattr(exc, "message_dict", {"__all__": exc.messages})
        name, messages = next(iter(errors.items()))
        field = None if name == "__all__" else name
        raise BadBody(f"{name}: {' '.join(str(m) for m in messages)}", field=field) from None


def _sent_version(props: dict, if_match: str | None) -> int | None:
    raw = props.get("version")
    if raw is None and if_match:
        raw = if_match.strip().removeprefix("W/").strip('"')
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise BadBody(_("version phải là số nguyên"), field="version") from None


def etag(version) -> str:
    """The strong ETag of a feature at a version."""
    return f'"{version}"'


def current_etag(layer: Layer, fid: int) -> str | None:
    """The ETag of a versioned feature now, or None for layers without versions."""
    if not columns.has_version(layer):
        return None
    version = layer.model_class.objects.filter(pk=fid).values_list("version", flat=True).first()
    return etag(version) if version is not None else None


def check_if_match(if_match: str | None, current: int) -> None:
    """412 when an If-Match header names no longer the current version (``*`` matches any)."""
    if not if_match:
        return
    tags = [t.strip() for t in if_match.split(",")]
    if "*" in tags or etag(current) in tags or f"W/{etag(current)}" in tags:
        return
    raise PreconditionFailed(current=current, sent=if_match[:40])


def create(layer: Layer, user, body, *, reason: str | None = None) -> int:
    """Create a feature from a GeoJSON Feature; returns its id."""
    require_editor(layer, user)
    geometry, props = _feature_parts(body)
    if geometry is None:
        raise BadBody(_("Đối tượng cần có hình"), field="geometry")
    model = layer.model_class
    obj = model()
    _assign(layer, obj, props, replace=True)
    setattr(obj, layer.geometry_field, geometry_of(geometry, layer))
    if columns.has_version(layer):
        obj.version = 1
    if any(f.name == "updated_by" for f in model._meta.concrete_fields):
        obj.updated_by = user
    with transaction.atomic(), _context(layer, user, reason):
        _apply_rules(layer, obj, user, geometry_changed=True)
        _clean(obj)
        _save(obj)
    return obj.pk


def update(
    layer: Layer,
    user,
    fid: int,
    body,
    *,
    partial: bool,
    if_match: str | None = None,
    require_if_match: bool = False,
    reason: str | None = None,
) -> int:
    """Replace (PUT) or patch (PATCH) a feature; a stale version is a 409 naming both versions."""
    require_editor(layer, user)
    geometry, props = _feature_parts(body)
    if not partial and geometry is None:
        message = _("PUT thay cả đối tượng: hãy gửi kèm hình của nó (hoặc dùng PATCH)")
        raise BadBody(message, field="geometry")
    checked = geometry_of(geometry, layer) if geometry is not None else None
    model = layer.model_class
    versioned = columns.has_version(layer)
    sent = _sent_version(props, if_match) if versioned else None
    if versioned and (sent is None or (require_if_match and not if_match)):
        message = _("Hãy gửi phiên bản bạn đã sửa (properties.version hoặc If-Match)")
        if require_if_match:
            message = _("Hãy gửi tiêu đề If-Match với ETag bạn đã đọc")
        raise VersionRequired(message, field="version")
    with transaction.atomic(), _context(layer, user, reason):
        obj = model.objects.select_for_update().filter(pk=fid).first()
        if obj is None:
            raise NotFound(
                _("Không có đối tượng %(id)s trong lớp %(layer)s") % {"id": fid, "layer": layer.slug}, field="id"
            )
        if versioned:
            check_if_match(if_match, obj.version)
        if versioned and obj.version != sent:
            raise VersionConflict(current=obj.version, sent=sent)
        _assign(layer, obj, props, replace=not partial)
        if checked is not None:
            setattr(obj, layer.geometry_field, checked)
        if versioned:
            obj.version += 1
        if any(f.name == "updated_by" for f in model._meta.concrete_fields):
            obj.updated_by = user
        _apply_rules(layer, obj, user, geometry_changed=checked is not None)
        _clean(obj)
        _save(obj)
    return obj.pk


def delete(layer: Layer, user, fid: int, *, if_match: str | None = None, reason: str | None = None) -> None:
    """Delete a feature; a versioned layer with write rules needs If-Match (428 without, 412 if stale)."""
    require_editor(layer, user)
    strict = columns.has_version(layer) and layer.write_rules
    try:
        with transaction.atomic(), _context(layer, user, reason):
            if strict:
                current = layer.model_class.objects.select_for_update().filter(pk=fid).values_list("version", flat=True)
                if current and not if_match:
                    raise VersionRequired(_("Hãy gửi tiêu đề If-Match với ETag bạn đã đọc"), field="version")
                if current:
                    check_if_match(if_match, current[0])
            deleted, _by_model = layer.model_class.objects.filter(pk=fid).delete()
    except models.ProtectedError:
        message = _("Đối tượng %(id)s của lớp %(layer)s vẫn đang được các đối tượng khác tham chiếu")
        raise Conflict(message % {"id": fid, "layer": layer.slug}) from None
    if not deleted:
        raise NotFound(
            _("Không có đối tượng %(id)s trong lớp %(layer)s") % {"id": fid, "layer": layer.slug}, field="id"
        )


def as_dict(text: str) -> dict:
    """Parse GeoJSON text from PostgreSQL (for callers that need to add members)."""
    return json.loads(text)

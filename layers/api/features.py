"""Reading and writing the features of any registered layer (the service behind REST and OGC)."""

import json
import re

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from geoplatform.errors import Conflict, Forbidden, NotFound
from layers.registry import Layer

from . import columns, sql
from .errors import BadBody, Unauthenticated, VersionConflict, VersionRequired
from .params import FeatureQuery

_ID = re.compile(r"^[1-9]\d{0,17}$")
_SCALARS = (str, int, float, bool, type(None))


def feature_id(text: str) -> int:
    """A feature id from a URL; anything but a plain positive integer is simply not found."""
    if not _ID.match(text or ""):
        raise NotFound(_("Không có đối tượng %(id)s") % {"id": repr(text[:40])}, field="id")
    return int(text)


def page(layer: Layer, user, query: FeatureQuery) -> tuple[str, int, int]:
    """(features JSON array text, number returned, number matched) for one page.

    The count is skipped when the first page already holds every match.
    """
    with sql.serial():
        text, returned = sql.page(layer, columns.visible(layer, user), query)
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
    """A checked geometry for the layer, by the platform's one geometry validator."""
    from layers.validation import parse_geometry

    return parse_geometry(value, layer)


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


def _clean(obj) -> None:
    try:
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


def create(layer: Layer, user, body) -> int:
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
    _clean(obj)
    with transaction.atomic():
        obj.save()
    return obj.pk


def update(layer: Layer, user, fid: int, body, *, partial: bool, if_match: str | None = None) -> int:
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
    if versioned and sent is None:
        message = _("Hãy gửi phiên bản bạn đã sửa (properties.version hoặc If-Match)")
        raise VersionRequired(message, field="version")
    with transaction.atomic():
        obj = model.objects.select_for_update().filter(pk=fid).first()
        if obj is None:
            raise NotFound(
                _("Không có đối tượng %(id)s trong lớp %(layer)s") % {"id": fid, "layer": layer.slug}, field="id"
            )
        if versioned and obj.version != sent:
            raise VersionConflict(current=obj.version, sent=sent)
        _assign(layer, obj, props, replace=not partial)
        if checked is not None:
            setattr(obj, layer.geometry_field, checked)
        if versioned:
            obj.version += 1
        if any(f.name == "updated_by" for f in model._meta.concrete_fields):
            obj.updated_by = user
        _clean(obj)
        obj.save()
    return obj.pk


def delete(layer: Layer, user, fid: int) -> None:
    """Delete a feature."""
    require_editor(layer, user)
    try:
        with transaction.atomic():
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

"""HTTP edge of ingestion: the layer import upload."""

import tempfile
from pathlib import Path

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from geoplatform import uploads
from geoplatform.errors import NotFound, PlatformError, TooLarge
from layers.jobs import services as job_services
from layers.jobs import views as job_views
from layers.registry import registry

from . import imports, vector

UPLOAD_SCHEMA = {
    "multipart/form-data": {
        "type": "object",
        "properties": {
            "file": {"type": "string", "format": "binary"},
            "srs": {"type": "string", "description": "EPSG:XXXX or +proj string when the file has no CRS"},
            "mode": {"type": "string", "enum": list(imports.MODES), "default": "all"},
            "dry_run": {"type": "boolean", "default": False},
            "source_layer": {"type": "string"},
        },
        "required": ["file"],
    }
}


class NotAuthenticated(PlatformError):
    """The request carries no logged-in user."""

    status = 401
    code = "not_authenticated"


def _flag(value) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


class LayerImportView(APIView):
    """POST a GeoJSON, GeoPackage, zipped Shapefile, KML or CSV file into a layer; answers the report."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request=UPLOAD_SCHEMA,
        responses={
            200: OpenApiTypes.OBJECT,
            201: OpenApiTypes.OBJECT,
            202: OpenApiTypes.OBJECT,
            400: OpenApiTypes.OBJECT,
        },
        summary="Import a vector file into a layer",
        description=(
            "Multipart upload of GeoJSON, GeoPackage, zipped Shapefile, KML or CSV (lon/lat or x/y + srs) in any CRS "
            "(VN-2000 EPSG:3405, EPSG:5899 TM-3 107°45', ...), reprojected to EPSG:4326. mode=all writes every row "
            "or none; mode=valid-only writes the valid rows. 201 with the report {accepted, written, rejected: "
            "[{row, reason}], ignored_fields}; 200 for a dry run; 400 with the error and the report when nothing "
            "was written; 401/403 without the layer's edit role; 413 over the upload cap. Above "
            "GEOPLATFORM_IMPORT_BACKGROUND_ABOVE features, or with ?background=1: 202 {job, status, status_url} "
            "and the report later from the status URL."
        ),
    )
    def post(self, request, slug: str):
        """Check the role and the size before reading the body, then run the import service."""
        user = request.user
        if not user.is_authenticated:
            raise NotAuthenticated(_("Hãy đăng nhập bằng tài khoản có quyền chỉnh sửa lớp này để nhập dữ liệu"))
        layer = registry.get(slug)
        if layer is None or not layer.can_read(user):
            raise NotFound(_("Không có lớp dữ liệu %(layer)s") % {"layer": repr(slug)}, field="layer")
        if not layer.can_edit(user):
            message = _("Nhập dữ liệu vào lớp %(layer)s cần quyền chỉnh sửa lớp đó") % {"layer": repr(slug)}
            raise imports.Forbidden(message, field="layer")
        cap = uploads.refuse_declared_oversize(request)
        upload = request.FILES.get("file")
        if upload is None:
            message = _("Cần gửi kèm tệp ở trường 'file' (multipart)")
            raise PlatformError(message, field="file", code="missing_file")
        if upload.size > cap:
            raise TooLarge(_("Tệp tải lên vượt quá %(cap)s byte") % {"cap": cap}, field="file")
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in vector.SUFFIX_FORMATS:
            accepted = ", ".join(sorted(vector.SUFFIX_FORMATS))
            message = _("Không hỗ trợ loại tệp %(suffix)s; chỉ nhận: %(allowed)s")
            message %= {"suffix": repr(suffix) if suffix else _("(không có đuôi)"), "allowed": accepted}
            raise PlatformError(message, field="file", code="bad_format")
        with tempfile.TemporaryDirectory(prefix="gp-upload-") as folder:
            # Our own name on disk: the client's name only lends its suffix.
            path = Path(folder) / f"upload{suffix}"
            with open(path, "wb") as sink:
                for chunk in upload.chunks():
                    sink.write(chunk)
            options = {
                "name": (upload.name or "")[-200:],
                "srs": (request.data.get("srs") or "").strip() or None,
                "mode": request.data.get("mode") or "all",
                "dry_run": _flag(request.data.get("dry_run")),
                "source_layer": request.data.get("source_layer") or None,
            }
            # Large files (counted by GDAL without reading geometries) or ?background=1: a job, 202 and a status URL.
            background = _flag(request.query_params.get("background")) or _flag(request.data.get("background"))
            if background or job_services.count_features(path, options["source_layer"]) > (
                job_services.import_background_above()
            ):
                job = job_services.start_import(layer, user, path, options)
                return job_views.accepted(request, job)
            try:
                report = imports.import_file(path, slug, user=user, **options)
            except imports.ImportRefused as exc:
                return Response(exc.as_dict(), status=exc.status)
        return Response(report.as_dict(), status=201 if report.written else 200)

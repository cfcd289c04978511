"""The API's members of the platform error family."""

from django.utils.translation import gettext as _

from geoplatform.errors import Conflict, PlatformError


class BadParameter(PlatformError):
    """A query parameter that is malformed or not allowed for this layer."""

    code = "invalid_parameter"


class BadBody(PlatformError):
    """A request body that is not strict JSON or not a GeoJSON Feature."""

    code = "invalid_body"


class Unauthenticated(PlatformError):
    """Editing needs a signed-in user."""

    status = 401
    code = "not_authenticated"


class NotAcceptable(PlatformError):
    """An output format this endpoint does not produce."""

    status = 406
    code = "not_acceptable"


class VersionRequired(PlatformError):
    """A change to a versioned feature must say which version it started from."""

    status = 428
    code = "version_required"


class VersionConflict(Conflict):
    """Someone saved the feature since this client read it; both versions are reported."""

    code = "version_conflict"

    def __init__(self, current: int, sent: int):
        super().__init__(
            _(
                "Đối tượng đang ở phiên bản %(current)s; thay đổi của bạn làm trên phiên bản %(sent)s. "
                "Hãy tải lại và thử lại."
            )
            % {"current": current, "sent": sent},
            field="version",
        )
        self.current = current
        self.sent = sent

    def as_dict(self) -> dict:
        """The error body with both versions."""
        body = super().as_dict()
        body["error"].update(current_version=self.current, your_version=self.sent)
        return body


class PreconditionFailed(PlatformError):
    """If-Match names a version that is no longer the current one (OGC API Features Part 4)."""

    status = 412
    code = "precondition_failed"

    def __init__(self, current: int, sent: str):
        message = _("Đối tượng đã được sửa sau khi bạn đọc: giờ là phiên bản %(current)s (If-Match: %(sent)s)")
        super().__init__(message % {"current": current, "sent": sent}, field="If-Match")
        self.current = current

    def as_dict(self) -> dict:
        """The error body with the current version and its ETag."""
        body = super().as_dict()
        body["error"].update(current_version=self.current, current_etag=f'"{self.current}"')
        return body


class InvalidWithPreview(PlatformError):
    """An invalid geometry refused with its place and an ST_MakeValid preview (never applied silently)."""

    code = "invalid_geometry"

    def __init__(self, message: str, *, location=None, preview=None):
        super().__init__(message, field="geometry")
        self.location = location
        self.preview = preview

    def as_dict(self) -> dict:
        """The error body with the place and the repaired preview."""
        body = super().as_dict()
        body["error"].update(location=self.location, preview=self.preview)
        return body

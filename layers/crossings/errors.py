"""The error family of the crossings app (turned into the platform's JSON error shape at the edge)."""

from geoplatform.errors import PlatformError


class CrossingError(PlatformError):
    """A reading, key or file the crossings app refuses."""

    code = "bad_reading"


class BadKey(CrossingError):
    """No gauge key, or one that is unknown or revoked."""

    status = 401
    code = "bad_api_key"

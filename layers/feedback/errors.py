"""The feedback app's error family (PlatformError subclasses, one JSON shape at the edge)."""

from geoplatform.errors import PlatformError


class FeedbackError(PlatformError):
    """Base of every refusal of a report or an action on one."""

    code = "feedback_error"


class UnknownCategory(FeedbackError):
    """The category (Open311 service_code) does not exist or is retired."""

    code = "unknown_category"


class InvalidReport(FeedbackError):
    """A field of the report is missing or malformed."""

    code = "invalid_report"


class PhotoRejected(FeedbackError):
    """A file that is not a photo, or one that cannot be decoded."""

    code = "photo_rejected"


class PhotoTooLarge(FeedbackError):
    """A photo above the byte or pixel cap."""

    status = 413
    code = "photo_too_large"


class RateLimited(FeedbackError):
    """Too many posts from one client address or API key in the current minute."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int = 60, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class IdempotencyMismatch(FeedbackError):
    """An Idempotency-Key reused with a different request body."""

    status = 422
    code = "idempotency_key_reused"


class TransitionRefused(FeedbackError):
    """A workflow step that is not allowed from the current status."""

    status = 409
    code = "transition_refused"


class BadApiKey(FeedbackError):
    """A missing, unknown or revoked Open311 API key."""

    code = "bad_api_key"

"""Fixtures of the hardening tests: the feedback district and this engineer's own broker db."""

from tests.feedback.conftest import district, fast_password_hashing, own_broker, seeded  # noqa: F401

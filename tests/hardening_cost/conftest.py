"""Fixtures of the hardening tests: the API tests' small world and per-role clients."""

from tests.api.conftest import clients, fast_password_hashing, world  # noqa: F401 - fixtures re-exported

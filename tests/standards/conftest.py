"""The API tests' small world and per-role clients, reused by the standards tests."""

from tests.api.conftest import clients, fast_password_hashing, world  # noqa: F401 - fixtures

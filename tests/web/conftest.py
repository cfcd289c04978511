"""Fixtures of the web tests: the small synthetic district in the test database."""

from pathlib import Path

import pytest
from django.conf import settings

from . import district as district_module


@pytest.fixture
def district(db):
    """The synthetic district (rows and DEM) for tests inside a transaction."""
    return district_module.build(Path(settings.DATA_DIR) / "web-tests")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users made by the tests hash their passwords cheaply (PBKDF2 costs ~0.5 s a user here)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

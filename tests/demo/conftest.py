"""Load the demo district twice per test module, inside a transaction rolled back at the end."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from ingest.models import IngestRun

SEED = 7


def _load(data_dir) -> dict:
    out = io.StringIO()
    call_command("load_demo", "--seed", str(SEED), stdout=out)
    run = IngestRun.objects.get(kind="demo", source="load_demo")
    return {"output": out.getvalue(), "run": run, "sha256": run.sha256, "rows": run.params["rows"]}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo as loaded twice with the same seed: {"first": ..., "second": ..., "data_dir": ...}."""
    data_dir = tmp_path_factory.mktemp("demo-data")
    # A fast hasher: six demo users are created per load and PBKDF2 is slow by design.
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(DATA_DIR=data_dir, PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        first = _load(data_dir)
        second = _load(data_dir)
        yield {"first": first, "second": second, "data_dir": data_dir}
        transaction.set_rollback(True)

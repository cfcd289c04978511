"""Schemathesis over the REST API's whole OpenAPI document against a live server, anonymous and with a role."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

MAX_EXAMPLES = os.environ.get("GEOPLATFORM_SCHEMATHESIS_EXAMPLES", "1")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _run(name: str, url: str, *extra: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        url,
        "--max-examples",
        MAX_EXAMPLES,
        "--generation-deterministic",
        "--phases",
        "examples,fuzzing",
        "--request-timeout",
        "20",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--exclude-checks",
        "positive_data_acceptance,ignored_auth",
        *extra,
    ]
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"schemathesis-{name}.txt").write_text(result.stdout + result.stderr)
    return result


@pytest.mark.django_db(transaction=True)
def test_the_rest_api_keeps_its_openapi_document(world, live_server, role_user):
    anonymous = _run("anonymous", f"{live_server.url}/api/schema/")
    role_user("admin", "schema_admin")
    admin = _run("admin", f"{live_server.url}/api/schema/", "--auth", "schema_admin:pw-for-tests-only")
    assert anonymous.returncode == 0, anonymous.stdout[-6000:] + anonymous.stderr[-2000:]
    assert admin.returncode == 0, admin.stdout[-6000:] + admin.stderr[-2000:]

"""Pages and tiles planned without parallel workers or JIT, with 32 MB: per connection in the web process."""

import json
import os
import subprocess
import sys

import mapbox_vector_tile
import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import QueryDict

from layers.api import mvt
from layers.registry import registry

from .conftest import TOWN
from .helpers import lonlat_tile

SHOW = (
    "SELECT current_setting('max_parallel_workers_per_gather'), current_setting('jit'),"
    " current_setting('work_mem'), current_setting('statement_timeout')"
)


@pytest.mark.django_db
def test_the_web_process_opens_its_connections_with_the_read_planning():
    db = connection.settings_dict
    url = f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    script = (
        "import json, geoplatform.wsgi\n"
        "from django.db import connection\n"
        f"cursor = connection.cursor(); cursor.execute({SHOW!r}); print(json.dumps(cursor.fetchone()))\n"
    )
    env = {**os.environ, "DATABASE_URL": url, "GEOPLATFORM_ALLOW_DEV_SECRET": "1"}
    for name in ("GEOPLATFORM_SESSION_READ_PLANNING", "GEOPLATFORM_STATEMENT_TIMEOUT_S"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["0", "off", "32MB", "30s"]


@pytest.fixture
def web_connection(settings):
    """This test's connection as the web process opens its own: the read planning set for the session."""
    settings.SESSION_READ_PLANNING = True
    with connection.cursor() as cursor:
        for name, value in settings.READ_PLANNING.items():
            cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
    yield
    connection.close()  # the session settings go with the connection


@pytest.fixture
def statements(monkeypatch):
    """Every statement sent through psycopg, with whether a transaction was open (still run for real)."""
    sent = []
    original = psycopg.Cursor.execute

    def recording(self, query, params=None, **kwargs):
        text = query if isinstance(query, str) else query.as_string(self.connection)
        sent.append((" ".join(text.split()), not self.connection.autocommit))
        return original(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", recording)
    return sent


@pytest.mark.django_db(transaction=True)
def test_a_web_tile_is_one_statement_with_no_transaction_or_set(world, web_connection, statements):
    from layers.fire.models import Hotspot

    x, y = lonlat_tile(TOWN[0] + 0.01, TOWN[1] + 0.01, 14)
    tile = mvt.tile(registry.get("fire-hotspots"), AnonymousUser(), 14, x, y)
    sent = list(statements)
    assert len(sent) == 1, sent  # no SET before it, no COMMIT after it
    assert sent[0][1] is False  # autocommit: the tile's SELECT is its own transaction
    decoded = mapbox_vector_tile.decode(tile.data)["fire-hotspots"]["features"]
    assert sorted(f["id"] for f in decoded) == sorted(Hotspot.objects.values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(SHOW)
        assert cursor.fetchone()[:3] == ("0", "off", "32MB")


@pytest.mark.django_db(transaction=True)
def test_a_web_page_sends_no_set_and_keeps_page_and_count_in_one_transaction(world, web_connection, statements):
    from layers.api import features, params

    layer = registry.get("fire-hotspots")
    query = params.parse(layer, AnonymousUser(), QueryDict("limit=1&offset=1"))
    text, returned, matched = features.page(layer, AnonymousUser(), query)
    assert (returned, matched) == (1, 3) and len(json.loads(text)) == 1
    assert not any("set_config" in sql for sql, _ in statements), statements
    assert statements and all(in_transaction for _, in_transaction in statements), statements

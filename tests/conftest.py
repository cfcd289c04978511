"""Shared fixtures: users per role, API clients, a real Celery worker process on Redis."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User

from layers import roles

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def _reseed_migration_data():
    """Put back the rows data migrations create (roles, feedback categories) if a flush removed them."""
    import importlib

    from django.apps import apps

    if Group.objects.filter(name__in=roles.ALL).count() < len(roles.ALL):
        importlib.import_module("layers.migrations.0001_roles").create_roles(apps, None)
    if not apps.get_model("feedback", "Category").objects.exists():
        importlib.import_module("layers.feedback.migrations.0003_seed_categories").seed(apps, None)
    if not apps.get_model("parcels", "LandUse").objects.exists():
        importlib.import_module("layers.parcels.migrations.0005_land_uses_and_staff_permissions").seed(apps, None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's flush (its fixtures are torn down by now), restore migration data."""
    result = yield
    if nextitem is None:
        return result  # the session's test database is already gone; nothing follows that needs the rows
    marker = item.get_closest_marker("django_db")
    flushed = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if flushed or {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _reseed_migration_data()
    return result


@pytest.fixture
def role_user(db):
    """Factory: a user holding one role (group), created on demand."""

    def make(role: str, username: str | None = None) -> User:
        user = User.objects.create_user(username or f"{role}_user", password="pw-for-tests-only")
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def users(db, role_user):
    """One user per role, keyed by role name."""
    return {role: role_user(role) for role in roles.ALL}


def redis_url_for(redis_db: int) -> str:
    """REDIS_URL (the bootstrap's private Redis when 6379 was taken) with the test's own db number."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    return urlunsplit((parts.scheme, parts.netloc, f"/{redis_db}", "", ""))


def _worker_env(redis_db: int) -> dict:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    redis_url = redis_url_for(redis_db)
    env.update(
        DATABASE_URL=f"postgis://{db['USER'] or 'postgres'}@{host}/{db['NAME']}",
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CELERY_RESULT_BACKEND=redis_url,
        GEOPLATFORM_CELERY_EAGER="0",
        DJANGO_DEBUG="1",
    )
    return env


@pytest.fixture
def celery_worker_process(transactional_db, settings):
    """A real `celery worker` subprocess on Redis, connected to the test database.

    Yields the broker URL; the test's Celery app is pointed at the same broker. Tests using it
    must commit their data (transactional_db) so that the worker sees it.
    """
    import redis

    from geoplatform.celery import app

    redis_db = int(os.environ.get("GEOPLATFORM_TEST_REDIS_DB", "9"))
    env = _worker_env(redis_db)
    broker = env["CELERY_BROKER_URL"]
    redis.Redis.from_url(broker).flushdb()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "geoplatform",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test{redis_db}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    old = (app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager)
    app.conf.broker_url = broker
    app.conf.result_backend = broker
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("celery worker exited: " + proc.stdout.read().decode(errors="replace"))
            try:
                if app.control.ping(timeout=0.5):
                    break
            except Exception:  # broker not ready yet; keep polling until the deadline
                time.sleep(0.2)
        else:
            raise RuntimeError("celery worker did not answer a ping within 60 s")
        yield broker
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager = old


# Debian's Chromium, never a downloaded browser.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module (closed before the test database is dropped: no request thread left)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts_dir():
    """Folder for screenshots and other artefacts a person may look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def offline(settings):
    """The district without internet: the online base map cannot be reached, the offline one must take over."""
    from . import journey

    settings.BASEMAP_URL = journey.DEAD_TILES
    settings.BASEMAP_DEFAULT = "online"


@pytest.fixture
def person(browser, offline):
    """Factory: a phone (390x844, touch) or desktop page in Chromium, as a person uses it (tests/journey.py), offline.

    Any console error, page error or script dialog on a page it made fails the test.
    """
    from . import journey

    pages = []

    def make(size: str = "phone", locale: str = "vi-VN", **options):
        made = journey.new_page(browser, size, locale, **options)
        pages.append(made)
        return made

    yield make
    try:
        for made in pages:
            journey.assert_clean(made)
    finally:
        for made in pages:
            made.context.close()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language (Vietnamese), as a management command or task does.

    A test client request in English leaves English active in the thread afterwards; code run outside a
    request (services, commands) would then speak English in the next test.
    """
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)

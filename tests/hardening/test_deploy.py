"""A deployment that starts: uWSGI with production settings answers its health probe and stops on SIGTERM."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k3!x9#" + "q7Zp2vL0sR8tY4wB6nM1cF5hJ3dG" * 2


def _prod_env(**extra) -> dict:
    db = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GEOPLATFORM_"))}
    env.update(
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="ioc.bactramy.example",
        DATABASE_URL=f"postgis://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}",
        GEOPLATFORM_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict | None = None):
    class Keep(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(Keep)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=30) as r:  # noqa: S310 (http)
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.mark.django_db(transaction=True)
def test_uwsgi_with_production_settings_answers_the_health_probe_and_stops_on_sigterm():
    port = _free_port()
    env = _prod_env(GEOPLATFORM_PROXY_ADDRESSES="10.99.0.10")
    uwsgi = Path(sys.executable).with_name("uwsgi")
    # deploy/uwsgi.ini as docker-compose.yml runs it; one process keeps the test short.
    proc = subprocess.Popen(
        [str(uwsgi), "--ini", "deploy/uwsgi.ini", "--http-socket", f"127.0.0.1:{port}", "--processes", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, body = _get(f"http://127.0.0.1:{port}/health/")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
                assert time.monotonic() < deadline, "uWSGI did not answer"
                time.sleep(0.3)
        # The compose healthcheck's exact request: loopback, Host 127.0.0.1, plain HTTP.
        assert status == 200, body[:300]
        assert json.loads(body)["database"] is True
        # One request per connection, and said so: a kept-alive client would otherwise write into a closed socket.
        status, headers, _ = _get(f"http://127.0.0.1:{port}/health/")
        assert headers["Connection"] == "close"
        # Anyone else still gets the production behaviour: a wrong host is refused, HTTP is sent to HTTPS.
        status, headers, _ = _get(f"http://127.0.0.1:{port}/map/", {"Host": "ioc.bactramy.example"})
        assert status == 301 and headers["Location"].startswith("https://ioc.bactramy.example/")
        # X-Forwarded-Proto from a peer that is not the proxy is not believed: still redirected.
        status, _, _ = _get(
            f"http://127.0.0.1:{port}/map/", {"Host": "ioc.bactramy.example", "X-Forwarded-Proto": "https"}
        )
        assert status == 301
        # `docker stop` signals the master alone: it must stop (uWSGI's default would reload and live on).
        proc.send_signal(15)
        assert proc.wait(30) == 0
        with pytest.raises(OSError):
            _get(f"http://127.0.0.1:{port}/health/")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait(20)


def test_the_proxy_header_is_believed_from_the_proxy_only(rf, settings):
    from geoplatform.health import EdgeMiddleware

    settings.PROXY_ADDRESSES = ["172.28.0.10"]
    seen = []
    edge = EdgeMiddleware(lambda request: seen.append(request.is_secure()) or None)
    for remote in ("172.28.0.10", "203.0.113.7"):
        edge(rf.get("/map/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=remote))
    # uWSGI sets wsgi.url_scheme from the same header: not believed from anyone else either.
    for remote in ("172.28.0.10", "203.0.113.7"):
        edge(rf.get("/map/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=remote, **{"wsgi.url_scheme": "https"}))
    assert seen == [True, False, True, False]


def _check(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_dev_secret_is_refused_for_a_served_host():
    env = _prod_env(GEOPLATFORM_ALLOW_DEV_SECRET="1")
    del env["DJANGO_SECRET_KEY"]
    refused = _check(env)
    assert refused.returncode != 0 and "GEOPLATFORM_ALLOW_DEV_SECRET is for tests and benches only" in refused.stderr
    assert "ioc.bactramy.example" in refused.stderr
    env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost"  # a bench on this machine: allowed
    assert _check(env).returncode == 0


@pytest.mark.django_db
def test_load_demo_refuses_a_database_with_real_accounts_or_debug_off(monkeypatch, settings, django_user_model):
    monkeypatch.delenv("GEOPLATFORM_I_KNOW_THIS_IS_A_DEMO", raising=False)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--i-know-this-is-a-demo"):
        call_command("load_demo", stdout=io.StringIO())
    settings.DEBUG = True
    django_user_model.objects.create_user("nguyen.van.a", "a@bactramy.gov.vn", "pw-for-tests-only")
    with pytest.raises(CommandError, match="nguyen.van.a"):
        call_command("load_demo", stdout=io.StringIO())
    assert django_user_model.objects.count() == 1  # nothing reset, nothing created


def test_compose_has_a_proxy_in_front_and_workers_by_queue():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    web, proxy = services["web"], services["proxy"]
    assert "ports" not in web and web["expose"] == ["8000"]  # the web server is reached through the proxy only
    assert proxy["ports"] == ["80:80"] and any("deploy/nginx.conf" in v for v in proxy["volumes"])
    proxy_ip = proxy["networks"]["internal"]["ipv4_address"]
    assert web["environment"]["GEOPLATFORM_PROXY_ADDRESSES"] == proxy_ip
    assert "/health/" in " ".join(web["healthcheck"]["test"])
    queues = set()
    for name, service in services.items():
        command = service.get("command") or []
        if "worker" in command:
            queues |= set(command[command.index("-Q") + 1].split(","))
            assert "healthcheck" in service, name
    assert queues == {"interactive", "notify", "ingest", "raster"} == set(settings.CELERY_TASK_QUEUES)
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "location /static/" in conf and "proxy_cache tiles" in conf and "X-Forwarded-Proto $scheme" in conf
    assert "location /media/" not in conf  # media goes to Django, which checks permissions

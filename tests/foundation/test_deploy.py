"""Production settings: check --deploy passes, DEBUG is off by default, secrets only from the environment."""

import configparser
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SECRET_KEY": "k3!x9#" + "q7Zp2vL0sR8tY4wB6nM1cF5hJ3dG" * 2,
    "DJANGO_ALLOWED_HOSTS": "ioc.bactramy.example",
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/geoplatform"),
}


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GEOPLATFORM_ALLOW"))}
    env.update(PROD_ENV)
    env.update(extra)
    return env


def _manage(*args, env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_check_deploy_passes_with_production_environment():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_is_off_unless_asked_for():
    code = "from django.conf import settings; print(settings.DEBUG, settings.SECURE_SSL_REDIRECT)"
    result = _manage("shell", "-c", code, env=_env())
    assert result.stdout.strip().splitlines()[-1].split() == ["False", "True"], result.stderr


def test_settings_refuse_to_start_without_a_secret_in_production():
    env = _env()
    del env["DJANGO_SECRET_KEY"]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_compose_services_run_this_projects_entry_points_from_one_image():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    assert services["db"]["image"].startswith("postgis/postgis:15")
    assert "healthcheck" in services["db"] and any(v.startswith("pgdata:") for v in services["db"]["volumes"])
    app_images = {services[name]["image"] for name in ("web", "worker", "beat")}
    assert app_images == {"geoplatform:latest"}, "web, worker and beat must share one image"
    assert all(services[name]["env_file"] == services["web"]["env_file"] for name in ("worker", "beat"))

    web_cmd = " ".join(services["web"]["command"])
    # exec: uWSGI's master is the process `docker stop` signals, and it stops gracefully on SIGTERM.
    assert "exec uwsgi --ini deploy/uwsgi.ini --http-socket 0.0.0.0:8000" in web_cmd
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / "deploy" / "uwsgi.ini")
    assert ini["uwsgi"]["hook-master-start"] == "unix_signal:15 gracefully_kill_them_all"
    module, attr = ini["uwsgi"]["module"].split(":")
    check = f"import importlib; m = importlib.import_module('{module}'); assert callable(m.{attr})"
    assert subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=_env()).returncode == 0
    for name in ("worker", "beat"):
        cmd = services[name]["command"]
        assert cmd[:3] == ["celery", "-A", "geoplatform"] and cmd[3] == name
    celery_check = "import geoplatform; assert geoplatform.celery_app.main == 'geoplatform'"
    assert subprocess.run([sys.executable, "-c", celery_check], cwd=ROOT, env=_env()).returncode == 0
    # The image the services share is built from this repository's Dockerfile and requirements.
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.txt" in dockerfile and "python:3.11" in dockerfile

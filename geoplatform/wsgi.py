"""WSGI entry point (gunicorn geoplatform.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoplatform.settings")
# Web requests are bounded in seconds (gunicorn would kill the worker but leave the query running).
os.environ.setdefault("GEOPLATFORM_STATEMENT_TIMEOUT_S", "30")
application = get_wsgi_application()

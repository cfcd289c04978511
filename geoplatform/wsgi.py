"""WSGI entry point (gunicorn geoplatform.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoplatform.settings")
application = get_wsgi_application()

"""WSGI entry point (uWSGI: deploy/uwsgi.ini)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoplatform.settings")
# Web requests are bounded in seconds (uWSGI's harakiri would kill the worker but leave the query running).
os.environ.setdefault("GEOPLATFORM_STATEMENT_TIMEOUT_S", "30")
# Its connections plan reads as pages and tiles need, from the start (settings.READ_PLANNING).
os.environ.setdefault("GEOPLATFORM_SESSION_READ_PLANNING", "1")
application = get_wsgi_application()

# Import every view before this worker accepts a request: the URLconf pulls in pandas, the GDAL bindings and
# every layer's views (about 2 s, 5 s on a busy box), which the first request of each worker used to wait
# for while the requests behind it queued (citizen load: p95 of seconds at 10 posts/s after a start).
get_resolver().url_patterns  # noqa: B018 - evaluated for its imports

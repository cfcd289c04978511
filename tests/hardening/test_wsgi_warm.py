"""A web worker imports every view before it accepts a request (issue 15, citizen load).

The URLconf pulls in pandas, the GDAL bindings and every layer's views: about 2 s (5 s on a busy box)
that the first request of each worker used to pay while the requests behind it queued, which put the
p95 of citizen posts at 10/s in seconds after every start.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import sys, geoplatform.wsgi\n"
    "views = ['layers.feedback.open311_views', 'layers.api.export_views', 'layers.web.views']\n"
    "print('missing:' + ','.join(v for v in views if v not in sys.modules))\n"
)


def test_loading_the_wsgi_application_imports_the_views():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(GEOPLATFORM_ALLOW_DEV_SECRET="1", DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost")
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "missing:", done.stdout

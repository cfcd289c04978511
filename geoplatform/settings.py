"""Settings, all read from the environment (see .env.example); safe defaults are production ones."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable as a list without blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("GEOPLATFORM_ALLOW_DEV_SECRET", False):
        raise RuntimeError("DJANGO_SECRET_KEY must be set (or DJANGO_DEBUG=1 for development)")
    # Development only: a fixed, obviously insecure key so sessions survive restarts.
    SECRET_KEY = "dev-insecure-key-not-for-production-" + "x" * 20

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# The fixed development key is for tests and benches on this machine, never a served site.
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", "testserver"}
if SECRET_KEY.startswith("dev-insecure-key") and not DEBUG and set(ALLOWED_HOSTS) - _LOCAL_HOSTS:
    raise RuntimeError(
        "GEOPLATFORM_ALLOW_DEV_SECRET is for tests and benches only: set DJANGO_SECRET_KEY for a site served as "
        + ", ".join(sorted(set(ALLOWED_HOSTS) - _LOCAL_HOSTS))
    )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "leaflet",
    "pgtrigger",
    "pghistory",
    "rasterstore.apps.Config",
    "layers.apps.LayersConfig",
    "layers.places",
    "layers.telecom",
    "layers.cameras",
    "layers.fire",
    "layers.parcels",
    "layers.feedback",
    "layers.flood",
    "layers.crossings",
    "layers.delivery",
    "layers.jobs.apps.Config",
    "layers.api",
    "layers.web",
    "ingest",
]

MIDDLEWARE = [
    # The loopback health probe before the host check and HTTPS redirect; X-Forwarded-Proto only from the proxy.
    "geoplatform.health.EdgeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # CORS for the public read APIs (preflights answered before CSRF and redirects), WWW-Authenticate on 401.
    "layers.api.cors.CorsMiddleware",
    "layers.api.cors.ChallengeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "geoplatform.middleware.CompressMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "geoplatform.text_guard.TextGuardMiddleware",
    "geoplatform.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "geoplatform.middleware.PlatformErrorMiddleware",
]

ROOT_URLCONF = "geoplatform.urls"
WSGI_APPLICATION = "geoplatform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "layers.web.navigation.header",
            ],
        },
    },
]

# PostGIS only: DATABASE_URL like postgis://postgres@127.0.0.1:5432/geoplatform
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/geoplatform"),
        engine="geoplatform.postgis",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# GeoDjango's PostGIS backend, its per-request health check made a socket poll (geoplatform/postgis/base.py).
DATABASES["default"]["ENGINE"] = "geoplatform.postgis"
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
# statement_timeout per kind of work: geoplatform/wsgi.py sets the web one (seconds), Celery workers set
# their task kind's soft limit per task (geoplatform/celery.py); management commands run unbounded.
STATEMENT_TIMEOUT_S = int(os.environ.get("GEOPLATFORM_STATEMENT_TIMEOUT_S", "0"))
# How PostgreSQL plans the reads of feature pages and tiles (a few thousand rows): no parallel workers (launching
# them costs more than it saves and takes the cores other requests need), no JIT (ST_AsMVTGeom's per-call cost
# put dense tiles past jit_above_cost: ~30 ms compiling a ~2 ms tile), and memory to group a cluster tile's
# ~100,000 centres in a hash (with 4 MB the planner sorted them on disk). layers/api/sql.serial() sets them per
# transaction; the web process (geoplatform/wsgi.py) has every connection opened with them instead, which
# spares each tile two round trips (the SET and the COMMIT). 32 MB is per sort or hash node of a query: four
# web workers stay well under a gigabyte.
READ_PLANNING = {"max_parallel_workers_per_gather": "0", "jit": "off", "work_mem": "32MB"}
SESSION_READ_PLANNING = env_bool("GEOPLATFORM_SESSION_READ_PLANNING")
_session_options = [f"-c statement_timeout={STATEMENT_TIMEOUT_S * 1000}"] if STATEMENT_TIMEOUT_S else []
if SESSION_READ_PLANNING:
    _session_options += [f"-c {name}={value}" for name, value in READ_PLANNING.items()]
if _session_options:
    DATABASES["default"]["OPTIONS"]["options"] = " ".join(_session_options)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first, English second; stored in UTC, shown in Asia/Ho_Chi_Minh.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# Browser libraries installed by npm (package.json), served as static files under vendor/.
STATICFILES_DIRS = [
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/markercluster", BASE_DIR / "node_modules" / "leaflet.markercluster" / "dist"),
    ("vendor/vectorgrid", BASE_DIR / "node_modules" / "leaflet.vectorgrid" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/geoman", BASE_DIR / "node_modules" / "@geoman-io" / "leaflet-geoman-free" / "dist"),
]
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)
STORAGES = {
    # A full disk is a clean 507 and leaves no partial file (geoplatform/storage.py).
    "default": {"BACKEND": "geoplatform.storage.CleanFileSystemStorage"},
    # collectstatic writes a gzip copy next to each file; WhiteNoise serves it to clients that accept gzip.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "/media/"
# Where generated and ingested files (DEM, rasters, photos) live.
DATA_DIR = Path(os.environ.get("GEOPLATFORM_DATA_DIR", BASE_DIR / "var"))
MEDIA_ROOT = DATA_DIR / "media"

# Password checks go through the failed-login limits (per account and per address, session and Basic).
AUTHENTICATION_BACKENDS = ["geoplatform.login_guard.GuardedModelBackend"]
LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("GEOPLATFORM_LOGIN_FAILURES_PER_ACCOUNT", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("GEOPLATFORM_LOGIN_FAILURES_PER_ADDRESS", "20"))
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/map/"
LOGOUT_REDIRECT_URL = "/map/"

# Request-size caps: hostile inputs are refused before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("GEOPLATFORM_MAX_BODY_BYTES", 10 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
GEOPLATFORM_MAX_UPLOAD_BYTES = int(os.environ.get("GEOPLATFORM_MAX_UPLOAD_BYTES", 200 * 1024 * 1024))
GEOPLATFORM_MAX_VERTICES = int(os.environ.get("GEOPLATFORM_MAX_VERTICES", 200_000))

# Redis and Celery. GEOPLATFORM_CELERY_EAGER=1 runs tasks in-process (no Redis could be had).
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL)
# Vector tiles shared by all web workers (layers.api.tilecache); empty turns the cache off.
TILE_CACHE_URL = os.environ.get("GEOPLATFORM_TILE_CACHE_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("GEOPLATFORM_CELERY_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queues by kind of work (interactive, ingest, raster, notify), time limits per kind (geoplatform/taskkinds.py);
# the visibility timeout is longer than the longest task, or Redis would hand a running task out again.
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_TASK_QUEUES = {q: {"exchange": q, "routing_key": q} for q in ("interactive", "ingest", "raster", "notify")}
CELERY_TASK_ROUTES = ("geoplatform.taskkinds.routes",)
CELERY_TASK_ANNOTATIONS = ("geoplatform.taskkinds.Limits",)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 3600}
CELERY_BEAT_SCHEDULE: dict = {}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "geoplatform",
    }
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "EXCEPTION_HANDLER": "geoplatform.errors.drf_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "STRICT_JSON": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "geoplatform API",
    "DESCRIPTION": "Layers of the Bắc Trà My district operations map.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# The district's bounding box (lon/lat) used to refuse swapped or projected coordinates.
DISTRICT_BBOX = tuple(
    float(v) for v in os.environ.get("GEOPLATFORM_DISTRICT_BBOX", "107.85,15.0,108.5,15.55").split(",")
)
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (15.30, 108.18),
    "DEFAULT_ZOOM": 11,
    "MIN_ZOOM": 8,
    "MAX_ZOOM": 18,
    "TILES": [],
    "RESET_VIEW": False,
}
BASEMAP_URL = os.environ.get("GEOPLATFORM_BASEMAP_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
# "online" (BASEMAP_URL, falling back to the offline one when its tiles fail) or "offline" (DEM hillshade).
BASEMAP_DEFAULT = os.environ.get("GEOPLATFORM_BASEMAP_DEFAULT", "online")
EMBED_ALLOWED_ORIGINS = env_list("EMBED_ALLOWED_ORIGINS")
FIRMS_MAP_KEY = os.environ.get("FIRMS_MAP_KEY", "")
# Hosts FIRMS files may be downloaded from (besides FIRMS_API_BASE's); never loopback or private ones in production.
FIRMS_ALLOWED_HOSTS = env_list("FIRMS_ALLOWED_HOSTS", "firms.modaps.eosdis.nasa.gov")
# Tiles the offline base map keeps on disk at most (about 20 kB each).
BASEMAP_CACHE_MAX_TILES = int(os.environ.get("GEOPLATFORM_BASEMAP_CACHE_MAX_TILES", "20000"))
FIRMS_API_BASE = os.environ.get("FIRMS_API_BASE", "https://firms.modaps.eosdis.nasa.gov")
# Fire watch: FIRMS sources polled by beat for the district box, clustering and alert settings.
FIRMS_SOURCES = env_list("FIRMS_SOURCES", "VIIRS_SNPP_NRT,VIIRS_NOAA20_NRT,VIIRS_NOAA21_NRT,MODIS_NRT")
FIRE_CLUSTER_DISTANCE_M = float(os.environ.get("FIRE_CLUSTER_DISTANCE_M", "1500"))
FIRE_CLUSTER_WINDOW_HOURS = float(os.environ.get("FIRE_CLUSTER_WINDOW_HOURS", "24"))
FIRE_EVENT_OUT_AFTER_HOURS = float(os.environ.get("FIRE_EVENT_OUT_AFTER_HOURS", "48"))
FIRE_DIGEST_THRESHOLD = int(os.environ.get("FIRE_DIGEST_THRESHOLD", "3"))
FIRE_WEBHOOK_SECRET = os.environ.get("FIRE_WEBHOOK_SECRET", "")
CELERY_BEAT_SCHEDULE.update(
    {
        "fire-poll-firms": {"task": "ingest.firms_tasks.poll_all_firms", "schedule": 15 * 60},
        "fire-refresh-events": {"task": "layers.fire.tasks.refresh_events", "schedule": 10 * 60},
        "fire-flush-outbox": {"task": "layers.fire.tasks.flush_outbox", "schedule": 5 * 60},
        "feedback-relay-outbox": {"task": "layers.feedback.tasks.relay_outbox", "schedule": 60},
        "feedback-escalate-overdue": {"task": "layers.feedback.tasks.escalate_overdue", "schedule": 5 * 60},
    }
)

# The site's public address, for links in mails and webhooks (relative links when unset).
SITE_URL = os.environ.get("GEOPLATFORM_SITE_URL", "").rstrip("/")
# Citizen feedback: reverse proxies whose X-Forwarded-For is believed when rate-limiting per
# client address (addresses or CIDRs, comma-separated).
FEEDBACK_TRUSTED_PROXIES = env_list("FEEDBACK_TRUSTED_PROXIES")

# Cameras and field sensors (layers.cameras): the networks cameras may be on (the platform's own
# database, Redis and mail relay, and link-local/metadata addresses, are refused whatever this says),
# probe limits, failed checks in a row before "offline", and when an outage is told to operators.
CAMERAS_NETWORKS = env_list("CAMERAS_NETWORKS", "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.0/8,::1/128")
CAMERAS_REFUSED_ENDPOINTS = env_list("CAMERAS_REFUSED_ENDPOINTS")  # more host:port never probed
CAMERAS_CHECK_TIMEOUT_S = float(os.environ.get("CAMERAS_CHECK_TIMEOUT_S", "5"))
CAMERAS_MAX_SNAPSHOT_BYTES = int(os.environ.get("CAMERAS_MAX_SNAPSHOT_BYTES", 5 * 1024 * 1024))
CAMERAS_OFFLINE_AFTER = int(os.environ.get("CAMERAS_OFFLINE_AFTER", "3"))
# Posts a minute the device APIs (heartbeats, gauge readings) take from one device and from one address.
DEVICE_POSTS_PER_MINUTE = int(os.environ.get("DEVICE_POSTS_PER_MINUTE", "30"))
DEVICE_POSTS_PER_ADDRESS = int(os.environ.get("DEVICE_POSTS_PER_ADDRESS", "300"))
CAMERAS_SNAPSHOT_EVERY_S = int(os.environ.get("CAMERAS_SNAPSHOT_EVERY_S", "300"))  # keep a new picture at most so often
CAMERAS_CHECK_EVERY_S = int(os.environ.get("CAMERAS_CHECK_EVERY_S", "60"))
CAMERAS_ALERT_AFTER_MIN = float(os.environ.get("CAMERAS_ALERT_AFTER_MIN", "15"))
CAMERAS_ALERT_MODE = os.environ.get("CAMERAS_ALERT_MODE", "each")  # "each" change, or one "digest" a day
CAMERAS_DIGEST_HOUR = int(os.environ.get("CAMERAS_DIGEST_HOUR", "7"))  # local hour of the daily digest
# Which villages are cut off also follows a crossing's status edited by hand; a refresh every few minutes.
CELERY_BEAT_SCHEDULE["village-access"] = {"task": "layers.crossings.tasks.refresh_village_access", "schedule": 300}
CELERY_BEAT_SCHEDULE["cameras-check"] = {"task": "layers.cameras.tasks.check_round", "schedule": CAMERAS_CHECK_EVERY_S}

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "ioc@bactramy.example")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
# A mail server that accepts and never answers must not hold a worker: every send gives up after this.
EMAIL_TIMEOUT = float(os.environ.get("DJANGO_EMAIL_TIMEOUT", "10"))
# The shared outbox (layers.delivery): attempts before a message is dead, first backoff, webhook timeout.
DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", "6"))
DELIVERY_BACKOFF_S = float(os.environ.get("DELIVERY_BACKOFF_S", "30"))
DELIVERY_WEBHOOK_TIMEOUT = float(os.environ.get("DELIVERY_WEBHOOK_TIMEOUT", "10"))
CELERY_BEAT_SCHEDULE["delivery-sweep"] = {"task": "layers.delivery.tasks.sweep", "schedule": 60}
CELERY_BEAT_SCHEDULE["ingest-reap-runs"] = {"task": "layers.delivery.tasks.reap_runs", "schedule": 120}
# Background exports and imports (layers.jobs): row cap of an export file, how long it stays, import size
# above which an upload runs as a job; the sweep removes expired files and resends lost jobs.
GEOPLATFORM_EXPORT_JOB_MAX_ROWS = int(os.environ.get("GEOPLATFORM_EXPORT_JOB_MAX_ROWS", "2000000"))
GEOPLATFORM_JOB_FILE_TTL_S = int(os.environ.get("GEOPLATFORM_JOB_FILE_TTL_S", str(24 * 3600)))
GEOPLATFORM_IMPORT_BACKGROUND_ABOVE = int(os.environ.get("GEOPLATFORM_IMPORT_BACKGROUND_ABOVE", "20000"))
CELERY_BEAT_SCHEDULE["jobs-sweep"] = {"task": "layers.jobs.tasks.sweep", "schedule": 600}

# Security: framing refused everywhere but the embed pages (which set their own CSP).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The reverse proxy's addresses: the only peers whose X-Forwarded-Proto is believed (geoplatform.health).
PROXY_ADDRESSES = env_list("GEOPLATFORM_PROXY_ADDRESSES", "127.0.0.1,::1")

# GDAL 3.6 is older than GeoDjango's preferred minimum; harmless here.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GEOPLATFORM_LOG_LEVEL", "INFO")},
}

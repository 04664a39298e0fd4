"""Settings for the claim-provenance tracker, read from the environment.

Development needs no variables at all (embedded SQLite under ``var/``, a throwaway secret).
``DJANGO_ENV=production`` switches to the hardened profile: it refuses to start without
``DJANGO_SECRET_KEY`` and passes ``manage.py check --deploy``.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable; anything but a known word is a configuration error."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated environment variable as a list (unset or empty: ``default``)."""
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development").strip().lower()
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production")
    # A fixed, obviously unsafe key is fine for a local checkout; production refuses it above.
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django.contrib.postgres",
    "simple_history",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "factcheck.apps.FactcheckConfig",
    "sources",
    "claims",
    # Login limits on /admin/login/ and /login/ (docs/security.md).
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # JSON 404/405 under /api/; invalid UTF-8 bodies refused before any view reads them.
    "factcheck.middleware.APIErrorsAsJSONMiddleware",
    "factcheck.middleware.InvalidUTF8BodyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the request's user on every history row written during the request.
    "simple_history.middleware.HistoryRequestMiddleware",
    "factcheck.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes' backend first: it refuses a locked-out username + address before the
# password is checked, so the right password fails too until the lock ends or is reset.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "factcheck.backends.ModelBackend",  # one query for a user's permissions
]

ROOT_URLCONF = "factcheck.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "factcheck" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "factcheck.wsgi.application"
ASGI_APPLICATION = "factcheck.asgi.application"

# DATABASE_URL picks the database; unset, the embedded SQLite file under var/.
_default_sqlite = f"sqlite:///{BASE_DIR / 'var' / 'factcheck.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or _default_sqlite,
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: PostgreSQL compiles a plan once its estimated cost is high, which for this
    # app's queries (index walks, per-claim subqueries in the CSV export) only adds compile
    # time: 675 ms of the disputed claims' CSV at a million claims (bench/RESULTS.md).
    # No synchronized scans: a capped count ("at least 1,000") that scans the table stops
    # after 1,001 matches, and with them on each such scan starts where the last one
    # stopped, sometimes in a stretch of empty pages (after a migration rewrote every row):
    # 400 ms for a count that otherwise takes 2 ms at a million claims (bench/RESULTS.md).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = " ".join(
        filter(None, [options.get("options"), "-c jit=off -c synchronize_seqscans=off"])
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)
    # A writer waits for a lock instead of failing at once when the dev server and a
    # management command touch the file together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
if not PRODUCTION:
    # whitenoise warns about a missing STATIC_ROOT until collectstatic has run; in a
    # checkout the app serves from the finders anyway.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "factcheck" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "/"

# Request size limits: a claim with its hops is a few kilobytes; anything near these is abuse.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# A change that reaches many claims (renaming Reuters) re-projects them in a background job
# once it reaches more than this many; up to it, in the change's own transaction, as every
# other write does. 2,000 claims take about 3 s on PostgreSQL (docs/architecture.md).
_limit = os.environ.get("FACTCHECK_INLINE_REFRESH_LIMIT", "").strip() or "2000"
if not _limit.isdigit():
    raise ImproperlyConfigured(
        f"FACTCHECK_INLINE_REFRESH_LIMIT must be a whole number of claims, not {_limit!r}"
    )
FACTCHECK_INLINE_REFRESH_LIMIT = int(_limit)

# Background jobs (django-tasks, docs/architecture.md "Background jobs"). "database" (the
# default): jobs are rows in this database, written in the same transaction as the change
# that needs them, and run by `manage.py db_worker` (`make demo` starts one).
# "immediate": no worker; a job runs in the writing process right after the commit.
FACTCHECK_TASKS_BACKEND = os.environ.get("FACTCHECK_TASKS_BACKEND", "database").strip().lower()
_task_backends = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if FACTCHECK_TASKS_BACKEND not in _task_backends:
    raise ImproperlyConfigured(
        f"FACTCHECK_TASKS_BACKEND must be database or immediate, not {FACTCHECK_TASKS_BACKEND!r}"
    )
TASKS = {"default": {"BACKEND": _task_backends[FACTCHECK_TASKS_BACKEND], "QUEUES": ["default"]}}

# Reports need a login unless this is on.
FACTCHECK_PUBLIC_REPORTS = env_bool("FACTCHECK_PUBLIC_REPORTS", default=False)
# On: the report page of a claim with an editors' verdict (not unrated) is readable without
# logging in, since it is the url of the tracker's ClaimReview and carries its JSON-LD; every
# other page and the API still need a login. On in the demo (scripts/demo.py).
FACTCHECK_PUBLISH_VERDICTS = env_bool("FACTCHECK_PUBLISH_VERDICTS", default=False)

# The default cache holds the API's throttle counters (factcheck/throttling.py), so it must
# be one cache for every worker and server: Redis when REDIS_URL is set (production), else
# the database (table factcheck_cache, made after every `migrate`, factcheck/apps.py). A
# per-process cache let each worker count on its own.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    _shared_cache = {
        # django-redis, with a throttle counter that costs one round trip.
        "BACKEND": "factcheck.throttling.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "factcheck",
        # A stalled Redis must not hold a worker for long.
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    }
else:
    _shared_cache = {
        # Django's database cache with an increment that two workers cannot both win.
        "BACKEND": "factcheck.throttling.DatabaseCache",
        "LOCATION": "factcheck_cache",
    }
CACHES = {"default": _shared_cache}
# Spreadsheet import/export in the admin needs the model's add (import) / view (export) right.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# The organisation that publishes verdicts (ClaimReview author).
FACTCHECK_PUBLISHER_NAME = os.environ.get("FACTCHECK_PUBLISHER_NAME", "Claim-provenance tracker")
FACTCHECK_PUBLISHER_URL = os.environ.get("FACTCHECK_PUBLISHER_URL", "")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's, plus a limit on failures per client address, and a message naming the
        # Token scheme to clients that send another one (factcheck/throttling.py).
        "factcheck.throttling.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["factcheck.api.ReadAuthenticatedWriteModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": ["factcheck.api.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "factcheck.api.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "factcheck.api.CSVRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "factcheck.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        # Fixed-window counters: DRF's own keep a list of every request of the last hour.
        "factcheck.throttling.AnonThrottle",
        "factcheck.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("FACTCHECK_THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("FACTCHECK_THROTTLE_USER", "100000/hour"),
        # Requests with a bad token, per client address; past it, 429 until the window ends.
        "auth_failure": os.environ.get("FACTCHECK_THROTTLE_AUTH_FAILURES", "10/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Claim-provenance tracker API",
    "DESCRIPTION": (
        "Claims, every hop of who said it citing whom, disputes and verdicts. "
        "Reading needs a token or session; writing needs the model permission."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No call to the public validator service: the docs work offline and under our CSP.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Three choice sets share the field name "kind"; name each after what it classifies.
    "ENUM_NAME_OVERRIDES": {
        "SourceKindEnum": "sources.choices.SourceKind",
        "DocumentKindEnum": "sources.choices.DocumentKind",
        "DisputeKindEnum": "claims.choices.DisputeKind",
    },
}

# Proxies whose X-Forwarded-For is believed (IPs or CIDRs, comma-separated), e.g. the
# reverse proxy in front of gunicorn. Empty (the default): the client is the connection's
# peer and the header is ignored, so a client cannot pick its own address. One function
# reads it: factcheck.security.client_address (throttles, login limits, security log).
FACTCHECK_TRUSTED_PROXIES = env_list("FACTCHECK_TRUSTED_PROXIES", [])
for _proxy in FACTCHECK_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"FACTCHECK_TRUSTED_PROXIES: {_error}") from None

# Login limits (django-axes) on both login pages: 5 failures for one username from one
# address lock that pair out for 15 minutes; the right password is refused meanwhile.
# How an admin unlocks an account: docs/security.md.
AXES_FAILURE_LIMIT = int(os.environ.get("FACTCHECK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("FACTCHECK_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "factcheck.security.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# A successful login forgets earlier failures of that username and address.
AXES_RESET_ON_SUCCESS = True

# Content-Security-Policy on every response, in development too, so a page that would
# break under it breaks in the tests first. Scripts only from our own origin (the API docs
# use drf-spectacular's split view, which serves its start-up script as a file). Inline
# *styles* stay allowed: the admin's widgets and Swagger UI set style attributes, and a
# style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logs are JSON lines in production (one object per event: easy to ship and query) and
# plain text in development. ``factcheck.security`` records every failed login, admin or
# API token, with the client address and what was tried (never the password).
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "factcheck.security": {"level": "INFO"},
    },
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    SESSION_COOKIE_HTTPONLY = True

"""factreg settings, read from environment variables.

Production needs SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and
CSRF_TRUSTED_ORIGINS; DEBUG is off unless set. DATABASE_REPLICA_URLS adds
PostgreSQL read replicas (factreg/routers.py). The Makefile supplies the
development values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable (1/true/yes/on)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise SystemExit(
        "factreg: set the SECRET_KEY environment variable "
        "(for development, `make run` sets one for you)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "simple_history",
    "claims",
    "csp",
    "axes",  # last, as django-axes asks
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost after security: a database that cannot be reached anywhere below
    # (sessions, views) is a 503 with a plain message, never a 500.
    "claims.failures.DatabaseUnavailableMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "claims.headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it turns a lockout into its response
]

ROOT_URLCONF = "factreg.urls"
WSGI_APPLICATION = "factreg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

POSTGRESQL = "django.db.backends.postgresql"
# JIT compilation cost more than half a second per list query at 100,000 claims
# and saved nothing measurable on these short queries.
POSTGRESQL_OPTIONS = "-c jit=off"
SQLITE = "django.db.backends.sqlite3"
# SQLite for a small team: readers never block the writer (WAL), a writer waits up
# to 20 s for another instead of failing at once, and a write transaction takes the
# write lock when it begins (IMMEDIATE), so two editors' saves queue rather than
# deadlock half-way and fail with "database is locked".
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def database_settings(environ: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """DATABASES and DATABASE_ROUTERS from DATABASE_URL and DATABASE_REPLICA_URLS."""
    conn_max_age = int(environ.get("CONN_MAX_AGE", "60"))
    url = environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    # As dj_database_url.config(): an empty DATABASE_URL leaves Django to complain.
    primary = (
        dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
        if url
        else {}
    )
    if primary.get("ENGINE") == POSTGRESQL:
        primary.setdefault("OPTIONS", {})["options"] = POSTGRESQL_OPTIONS
    elif primary.get("ENGINE") == SQLITE:
        primary["OPTIONS"] = {**SQLITE_OPTIONS, **primary.get("OPTIONS", {})}
    databases = {"default": primary}
    replica_urls = [item.strip() for item in environ.get("DATABASE_REPLICA_URLS", "").split(",")]
    if not any(replica_urls):
        return databases, []
    if primary.get("ENGINE") != POSTGRESQL:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URLS is set, but DATABASE_URL is not a PostgreSQL database: "
            "read replicas need a PostgreSQL primary (streaming replication)."
        )
    for number, replica_url in enumerate(replica_urls, start=1):
        # Never echo the URL: it may carry a password into logs.
        where = f"DATABASE_REPLICA_URLS, entry {number} of {len(replica_urls)}"
        if not replica_url:
            raise ImproperlyConfigured(f"{where} is empty (a stray comma?).")
        try:
            replica = dj_database_url.parse(
                replica_url,
                conn_max_age=conn_max_age,
                conn_health_checks=True,
                # Under the test runner a replica is the test database itself.
                test_options={"MIRROR": "default"},
            )
        except ValueError as error:
            raise ImproperlyConfigured(f"{where} is not a database URL: {error}") from None
        if replica["ENGINE"] != POSTGRESQL:
            raise ImproperlyConfigured(
                f"{where} is not a PostgreSQL URL (postgres://user:pass@host:5432/name): "
                "a replica must be a PostgreSQL streaming replica of the primary."
            )
        if not replica.get("NAME"):
            raise ImproperlyConfigured(f"{where} names no database (the path after host:port).")
        replica.setdefault("OPTIONS", {})["options"] = POSTGRESQL_OPTIONS
        databases[f"replica{number}"] = replica
    return databases, ["factreg.routers.PrimaryReplicaRouter"]


DATABASES, DATABASE_ROUTERS = database_settings(os.environ)

if DATABASE_ROUTERS:
    # Early, so that every read of the request (session and user included) is routed;
    # after WhiteNoise, which answers static files without the database.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
        "factreg.routers.PrimaryPinningMiddleware",
    )

# A client's reads go to the primary for this long after its last write, so that
# it sees its own writes however far the replicas lag (factreg/routers.py).
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "10"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Content-Security-Policy (django-csp). Public pages load only the site's own
# stylesheet: no scripts, no inline styles, nothing from elsewhere, and no framing.
# The admin (claims/headers.py) adds its own scripts and Django's inline style
# attributes ('unsafe-inline' for styles only; never for scripts).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "script-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
# Permissions-Policy (django-permissions-policy): the site uses no browser feature.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "sync-xhr",
        "usb",
        "xr-spatial-tracking",
    )
}

# Login throttling (django-axes): after 5 failed logins for one username from one
# address, that pair is locked out for an hour, before the password is even hashed,
# so guessers neither get in nor tie up the workers. `manage.py axes_reset_username
# <name>` (or `axes_reset_ip`, `axes_reset`) lifts a lockout at once.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SEEDS_DIR = BASE_DIR / "seeds"

# Reverting from a history page would change public content without review.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Transport security: on unless DEBUG. A proxy that terminates TLS sets
# SECURE_PROXY_SSL_HEADER=1 so Django trusts its X-Forwarded-Proto header.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain HTTP inside the network: /healthz answers them there.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Adding sources (claims/services.py): the largest original accepted, and how the
# server fetches a URL an editor typed. Private, loopback and link-local addresses
# are refused unless SOURCE_FETCH_ALLOW_PRIVATE is set (the tests serve pages on
# 127.0.0.1).
SOURCE_MAX_BYTES = int(os.environ.get("SOURCE_MAX_BYTES", str(20 * 1024 * 1024)))
SOURCE_FETCH_ALLOW_PRIVATE = env_bool("SOURCE_FETCH_ALLOW_PRIVATE")
SOURCE_FETCH_TIMEOUT = (5.0, 15.0)  # seconds: connect, read
# A pasted text arrives as a form field, so the form limit must admit the largest.
DATA_UPLOAD_MAX_MEMORY_SIZE = SOURCE_MAX_BYTES + 1024 * 1024

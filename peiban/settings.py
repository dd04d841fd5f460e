"""Peiban's settings: everything comes from the environment (docs/configuration.md lists it all)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP  # type: ignore[import-not-found,unused-ignore]
from django.utils.translation import gettext_lazy as _

from peiban.env import data_dir, env_bool, env_int, env_list, env_str, stored_secret

BASE_DIR = Path(__file__).resolve().parent

MODE = env_str("PEIBAN_MODE", "embedded").lower()
if MODE not in {"embedded", "production"}:
    raise ImproperlyConfigured(f"PEIBAN_MODE must be 'embedded' or 'production'; it is {MODE!r}.")
PRODUCTION = MODE == "production"

DEBUG = env_bool("PEIBAN_DEBUG", default=False)
DATA_DIR = data_dir("PEIBAN_DATA_DIR", "./var")


def _key(name: str, filename: str) -> str:
    value = env_str(name)
    if value:
        if len(value) < 32:
            raise ImproperlyConfigured(f"{name} must be at least 32 characters long.")
        return value
    if PRODUCTION and not DEBUG:
        raise ImproperlyConfigured(
            f"{name} must be set when PEIBAN_MODE is 'production' (see docs/configuration.md)."
        )
    return stored_secret(DATA_DIR / filename)


SECRET_KEY = _key("PEIBAN_SECRET_KEY", "secret-key")
FIELD_KEY = _key("PEIBAN_FIELD_KEY", "field-key")
FIELD_KEYS_OLD = env_list("PEIBAN_FIELD_KEYS_OLD", [])
ALLOWED_HOSTS = env_list("PEIBAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("PEIBAN_CSRF_TRUSTED_ORIGINS", [])
for origin in CSRF_TRUSTED_ORIGINS:
    if not origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"PEIBAN_CSRF_TRUSTED_ORIGINS entries must start with http:// or https://; "
            f"{origin!r} does not."
        )

INSTALLED_APPS = [
    "peiban.core",
    "peiban.places",
    "peiban.needs",
    "peiban.activities",
    "peiban.ledger",
    "peiban.network",
    "peiban.groups",
    "peiban.chats",
    "peiban.councils",
    "peiban.surveys",
    "peiban.indicators",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "peiban.urls"
WSGI_APPLICATION = "peiban.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "peiban.core.context_processors.shell",
            ],
        },
    },
]

# Database: embedded SQLite in the data folder unless DATABASE_URL names another.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        _database = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {error}") from None
    if _database.get("ENGINE") not in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }:
        raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL or SQLite database.")
else:
    _database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "peiban.sqlite3")}
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login rate limit: this many failures per username or per address within the window.
LOGIN_MAX_FAILURES = env_int("PEIBAN_LOGIN_MAX_FAILURES", default=5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("PEIBAN_LOGIN_LOCKOUT_MINUTES", default=15, minimum=1)

# Sessions end after this many hours, and when the browser closes.
SESSION_COOKIE_AGE = env_int("PEIBAN_SESSION_HOURS", default=8, minimum=1, maximum=720) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Behind HTTPS (usually a reverse proxy): secure cookies, HSTS and redirects.
HTTPS = env_bool("PEIBAN_HTTPS", default=PRODUCTION)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "peiban_language"
TIME_ZONE = env_str("PEIBAN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request when it is missing
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "uploads"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# E-mail: printed to the console unless an SMTP host is configured.
_email_host = env_str("PEIBAN_EMAIL_HOST")
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int("PEIBAN_EMAIL_PORT", default=587, minimum=1, maximum=65535),
                "username": env_str("PEIBAN_EMAIL_USER"),
                "password": env_str("PEIBAN_EMAIL_PASSWORD"),
                "use_tls": env_bool("PEIBAN_EMAIL_TLS", default=True),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("PEIBAN_EMAIL_FROM", "peiban@localhost")

# Background work: Django's tasks framework with a database-backed worker (`peiban worker`).
TASKS: dict[str, dict[str, Any]]
if env_bool("PEIBAN_TASKS_IMMEDIATE", default=False):
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("PEIBAN_LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.server": {"level": "INFO"}},
}
if LOGGING["root"]["level"] not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured("PEIBAN_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL.")

SITE_NAME = _("Peiban")

# Where to find Noto CJK fonts for PDFs (letters, certificates, reports) if not in the system's.
CJK_FONT_DIR = env_str("PEIBAN_CJK_FONT_DIR")

# Size of the fictional demo compound, in buildings (20 gives about 3,800 dwellings).
DEMO_BUILDINGS = env_int("PEIBAN_DEMO_BUILDINGS", default=20, minimum=1, maximum=200)

# How long chat messages proposed as needs wait for review before they are purged (hours).
CHAT_RETENTION_HOURS = env_int("PEIBAN_CHAT_RETENTION_HOURS", default=72, minimum=1, maximum=720)

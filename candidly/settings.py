"""The one settings module. Everything that differs between machines comes from the environment."""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from candidly.lib.env import database_from_url, envbool, envint, envlist

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CANDIDLY_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("DEBUG", True)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: generate a key once and keep it in var/ so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "candidly.accounts",
    "candidly.people",
    "candidly.pipeline",
    "candidly.activity",
    "candidly.obligations",
    "candidly.reminders",
    "candidly.mail",
    "candidly.calendars",
    "candidly.calls",
    "candidly.candidate_import",
    "candidly.demo",
    "candidly.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "candidly.urls"
WSGI_APPLICATION = "candidly.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "candidly" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "candidly.sqlite3")),
            # Persistent connections keep the PRAGMAs below from running on every request.
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                # Writers take the lock when the transaction starts, so two writers never
                # deadlock upgrading a read lock; readers wait instead of failing at once.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-65536;"
                    "PRAGMA temp_store=MEMORY;"
                    "PRAGMA mmap_size=268435456;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "candidate_list"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "candidly" / "static"]
STATIC_ROOT = VAR_DIR / "static"

# The database's sessions and the model backend, each with its per-request read compiled once
# (candidly/accounts/requests.py).
SESSION_ENGINE = "candidly.accounts.requests"
AUTHENTICATION_BACKENDS = ["candidly.accounts.requests.Backend"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# Numbers without a country code are read as numbers of this region.
PHONE_DEFAULT_REGION = os.environ.get("PHONE_DEFAULT_REGION", "US")
CANDIDATES_PER_PAGE = envint("CANDIDATES_PER_PAGE", 25)

# Background tasks live in the database: `candidly worker` runs them (see candidly/reminders).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Outgoing mail. Without EMAIL_HOST, messages are printed to the console (development).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Candidly <candidly@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the app is reached: links in emails start with this.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Mail import (candidly/mail): attachments up to this size are kept with the message; larger
# ones are recorded by name, type and size only.
MAIL_ATTACHMENT_MAX_BYTES = envint("MAIL_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)

# Mailbox sync and sending (candidly/mail: imap.py, sending.py, tasks.py).
# A CA certificate file to trust besides the system's, for IMAP servers with a private CA.
MAIL_IMAP_CA_FILE = os.environ.get("MAIL_IMAP_CA_FILE", "")
# Allow mailbox connections without TLS (a password sent in the clear): only for local tests.
MAIL_IMAP_ALLOW_PLAIN = envbool("MAIL_IMAP_ALLOW_PLAIN", False)
MAIL_IMAP_TIMEOUT = envint("MAIL_IMAP_TIMEOUT", 60)  # seconds
# Messages larger than this are left on the server (and reported) rather than fetched.
MAIL_SYNC_MAX_MESSAGE_BYTES = envint("MAIL_SYNC_MAX_MESSAGE_BYTES", 25 * 1024 * 1024)
# How often the worker's periodic pass syncs each mailbox.
MAIL_SYNC_EVERY_MINUTES = envint("MAIL_SYNC_EVERY_MINUTES", 5)

# Call logs (candidly/calls): the shared secret that signs telephony webhook deliveries to
# /calls/webhook/. Unset, the webhook answers 503.
CALLS_WEBHOOK_SECRET = os.environ.get("CALLS_WEBHOOK_SECRET", "")

# Candidate import (candidly/candidate_import): the largest file the upload page reads.
CANDIDATE_IMPORT_MAX_BYTES = envint("CANDIDATE_IMPORT_MAX_BYTES", 20 * 1024 * 1024)

# Calendars (candidly/calendars): the largest .ics file the upload page reads.
CALENDAR_UPLOAD_MAX_BYTES = envint("CALENDAR_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)

# Functions the worker's periodic pass runs besides the reminders (candidly/reminders'
# `candidly worker`); the mail app's queues a sync of each mailbox connection that is due.
PERIODIC_PASSES = ["candidly.mail.tasks.queue_mail_syncs"]

# Calendars (candidly/calendars): prep sessions imported from a calendar before they happened
# are logged by the worker's periodic pass once their time has come.
PERIODIC_PASSES = [*PERIODIC_PASSES, "candidly.calendars.services.calendar_prep_record_due"]

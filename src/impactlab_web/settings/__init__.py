"""Settings. Fail closed (see environment.py): a server needs DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and
DATABASE_URL and never runs with DEBUG; development (`make run`, `make test`, pytest) gets DEBUG, a random
per-checkout key and SQLite under ./var/ unless DATABASE_URL names another database."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from impactlab_web.settings import environment, oidc

# Files this app writes (the SQLite database, snapshots, uploads, reports, keys) are its owner's only: 0600 / 0700.
os.umask(0o077)

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("IMPACTLAB_VAR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
WORKSPACE_DIR = Path(os.environ.get("IMPACTLAB_HOME", VAR_DIR / "workspace"))

DEVELOPMENT = environment.development()
if DEVELOPMENT:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or environment.development_key(BASE_DIR / "var" / "dev-secret-key")
    DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
    ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
else:
    SECRET_KEY, ALLOWED_HOSTS = environment.server_settings()
    DEBUG = False

INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig",  # our own site (admin.py), no autodiscovery
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_q",
    "impactlab_web.core",
    "impactlab_web.organisations",
    "impactlab_web.programmes",
    "impactlab_web.data",
    "impactlab_web.jobs",
    "impactlab_web.fieldwork",
    "impactlab_web.qualitative",
    "impactlab_web.dashboards",
    "impactlab_web.review",
    "impactlab_web.accounts",
    "impactlab_web.notifications",
    "impactlab_web.api",
]
# Background jobs: the task queue is django-q2 with its ORM broker, in this same database (no server to run);
# `manage.py run_jobs` starts a worker cluster (several may run, on several machines). See jobs/runner.py.
# Eager mode (tests, tiny installs) runs a job right after the request's transaction commits.
IMPACTLAB_JOBS_EAGER = os.environ.get("IMPACTLAB_JOBS_EAGER", "0") == "1"
IMPACTLAB_JOB_ATTEMPTS = int(os.environ.get("IMPACTLAB_JOB_ATTEMPTS", "2"))  # a job whose worker died: tries
IMPACTLAB_JOB_HEARTBEAT_SECONDS = float(os.environ.get("IMPACTLAB_JOB_HEARTBEAT_SECONDS", "5"))
IMPACTLAB_JOB_STALE_SECONDS = float(os.environ.get("IMPACTLAB_JOB_STALE_SECONDS", "30"))  # no heartbeat: dead
_JOB_TIME_LIMIT = int(os.environ.get("IMPACTLAB_JOB_TIME_LIMIT", "1800"))
Q_CLUSTER = {
    "name": "impactlab",
    "orm": "default",  # the ORM broker: a lease per task, in the app's own database
    "workers": int(os.environ.get("IMPACTLAB_WORKERS", "2")),
    "timeout": _JOB_TIME_LIMIT,  # time limit of one task; its worker process is replaced after it
    "retry": _JOB_TIME_LIMIT + 120,  # lease: a task not acknowledged by then is given to another worker
    "max_attempts": 3,
    "ack_failures": True,
    "save_limit": 200,
    "poll": float(os.environ.get("IMPACTLAB_QUEUE_POLL", "0.5")),
    "catch_up": False,
    "recycle": 200,
    "label": "Jobs queue",
}

# Django 6 ships a CSP middleware; on Django 5.2 (Python 3.11) our small stand-in reads the same setting.
CSP_MIDDLEWARE = (
    "django.middleware.csp.ContentSecurityPolicyMiddleware"
    if importlib.util.find_spec("django.middleware.csp")
    else "impactlab_web.core.csp.ContentSecurityPolicyMiddleware"
)

MIDDLEWARE = [
    "impactlab_web.core.middleware.NoStoreMiddleware",
    "django.middleware.security.SecurityMiddleware",
    CSP_MIDDLEWARE,
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "impactlab_web.accounts.middleware.SessionIndexMiddleware",
    "impactlab_web.core.middleware.UserLanguageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "impactlab_web.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "impactlab_web.core.audit.RequestMiddleware",
]

ROOT_URLCONF = "impactlab_web.urls"
WSGI_APPLICATION = "impactlab_web.wsgi.application"

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
                "impactlab_web.notifications.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'impactlab.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several writers at once (threaded server, worker, simultaneous submits): writers take the lock when a
    # transaction starts and wait for it, instead of failing with "database is locked"; WAL lets readers go on.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file of their own too (an in-memory database locks whole tables between threads).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "programmes:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Login throttling (django-axes, in the database): this many failures for one account, or from one address,
# lock that account or address for AXES_COOLOFF_TIME; a success resets the count. Attempts are serialised per
# account and address (accounts/views.py), so parallel guesses cannot slip past the count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Single sign-on through OpenID Connect (mozilla-django-oidc), off unless IMPACTLAB_OIDC_* name a provider; named
# in part it refuses to start (settings/oidc.py). It logs into existing active accounts only (accounts/oidc.py).
IMPACTLAB_OIDC = oidc.from_environment(os.environ, development=DEVELOPMENT)
if IMPACTLAB_OIDC is not None:
    globals().update(IMPACTLAB_OIDC.django_settings())
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, oidc.BACKEND]
AXES_FAILURE_LIMIT = int(os.environ.get("IMPACTLAB_LOGIN_MAX_FAILURES", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("IMPACTLAB_LOGIN_LOCK_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "impactlab_web.core.client.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "impactlab_web.accounts.views.lockout"
# Two-factor login (django-otp, TOTP): the name authenticator apps show; a wrong code doubles the wait (1 s, 2 s..).
OTP_TOTP_ISSUER = "impactlab"
OTP_TOTP_THROTTLE_FACTOR = 1
# The installation's own address, for links in e-mails sent outside a request (notifications of jobs).
IMPACTLAB_BASE_URL = os.environ.get("IMPACTLAB_BASE_URL", "http://127.0.0.1:8000")
# A "forgot password" link works once, for two hours.
PASSWORD_RESET_TIMEOUT = 2 * 3600
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Nederlands"))]
FORMAT_MODULE_PATH = ["impactlab_web.formats"]  # English dates as 25 Nov 2026, not the US 11/25/2026
LOCALE_PATHS = [Path(__file__).resolve().parents[1] / "locale"]
USE_I18N = True
USE_THOUSAND_SEPARATOR = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Limits on every input (impactlab.limits.Limits: unzipped_bytes, xml_part_bytes, cells, columns, text_chars,
# pdf_pages, csv_bytes, yaml_bytes, yaml_depth, model_bytes, model_outcomes, ...), checked before any parser
# builds something big; each can be set as IMPACTLAB_LIMIT_<NAME> in the environment (e.g. IMPACTLAB_LIMIT_CELLS).
IMPACTLAB_LIMITS = {
    name.removeprefix("IMPACTLAB_LIMIT_").lower(): int(value)
    for name, value in os.environ.items() if name.startswith("IMPACTLAB_LIMIT_")
}
# Rate limits per person on expensive endpoints (impactlab_web.core.ratelimits.RATES): "n/seconds" per bucket, e.g.
# IMPACTLAB_RATE_MODEL_CHECK=60/60 (buckets model.check, model.save, dashboard.compute). Counted in the database.
IMPACTLAB_RATE_LIMITS = {
    name.removeprefix("IMPACTLAB_RATE_").lower().replace("_", ".", 1): value
    for name, value in os.environ.items() if name.startswith("IMPACTLAB_RATE_") and "/" in value
}
# Above these sizes a computation runs as a background job with progress instead of in the request: a model text
# checked in the editor (bytes), and dashboard figures (outcomes of the model, or rows of the datasets it reads).
IMPACTLAB_INLINE_MODEL_BYTES = int(os.environ.get("IMPACTLAB_INLINE_MODEL_BYTES", str(150 * 1024)))
IMPACTLAB_INLINE_OUTCOMES = int(os.environ.get("IMPACTLAB_INLINE_OUTCOMES", "60"))
IMPACTLAB_INLINE_ROWS = int(os.environ.get("IMPACTLAB_INLINE_ROWS", "50000"))
# A form may have one field per column of an uploaded file (the column mapping): room for the column limit.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2_500

# E-mail (invitations): printed to the console on a laptop; production.py sends over SMTP.
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "impactlab <impactlab@localhost>")
IMPACTLAB_INVITATION_DAYS = int(os.environ.get("IMPACTLAB_INVITATION_DAYS", "7"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

"""Production settings: secrets from the environment, HTTPS only. `manage.py check --deploy` is clean."""

from __future__ import annotations

import os

from impactlab_web.settings import *  # noqa: F403
from impactlab_web.settings import environment

DEBUG = False
SECRET_KEY, ALLOWED_HOSTS = environment.server_settings()  # never a fallback, not even in a test run

SECURE_SSL_REDIRECT = True
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # load balancers probe over plain HTTP inside the network
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

# E-mail over SMTP (invitations): DJANGO_EMAIL_HOST, _PORT (587), _HOST_USER, _HOST_PASSWORD, STARTTLS unless
# DJANGO_EMAIL_USE_TLS=0; the sender in DJANGO_DEFAULT_FROM_EMAIL.
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("DJANGO_EMAIL_USE_TLS", "1") == "1"
EMAIL_TIMEOUT = 20

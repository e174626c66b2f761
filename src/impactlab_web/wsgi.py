"""WSGI entry point (gunicorn impactlab_web.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "impactlab_web.settings")
application = get_wsgi_application()

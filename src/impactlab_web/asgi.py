"""ASGI entry point (e.g. uvicorn impactlab_web.asgi:application): production settings unless told otherwise."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "impactlab_web.settings.production")
application = get_asgi_application()

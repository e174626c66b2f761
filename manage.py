#!/usr/bin/env python
"""Django's command-line utility for the impactlab web app.

Production settings unless told otherwise: a server without DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and
DATABASE_URL refuses to start. `make run` asks for development (IMPACTLAB_DEVELOPMENT=1 and
DJANGO_SETTINGS_MODULE=impactlab_web.settings). Compiling translations reads only files and needs no settings.
"""

import os
import sys

FILE_COMMANDS = {"compilemessages", "makemessages"}

if __name__ == "__main__":
    if sys.argv[1:2] and sys.argv[1] in FILE_COMMANDS:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "impactlab_web.settings.production")
    if not os.environ["DJANGO_SETTINGS_MODULE"]:
        del os.environ["DJANGO_SETTINGS_MODULE"]
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)

"""The app's settings plus the chaos app (used only by the chaos test's worker processes)."""

from impactlab_web.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests_web.chaos"]  # noqa: F405

"""Where the settings come from: fail closed.

Development (DEBUG, a development secret key, localhost) only when asked for: ``IMPACTLAB_DEVELOPMENT=1``
(``make run`` and ``make test`` set it) or a pytest run (pytest sets ``PYTEST_VERSION``). Anything else is a
server: it refuses to start without a secret key, the host names and a database URL from the environment.
The development key is random per checkout (``var/dev-secret-key``, mode 0600), never a published constant.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# The key this project once shipped as its default: known to everyone, so never accepted.
PUBLISHED_KEYS = {"dev-only-insecure-key-change-me-in-production-0123456789"}
MIN_KEY_LENGTH = 50


def development() -> bool:
    return os.environ.get("IMPACTLAB_DEVELOPMENT") == "1" or "PYTEST_VERSION" in os.environ


def development_key(path: Path) -> str:
    """A random key kept in ``path`` (made once, owner-only), so even a laptop's links cannot be forged."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    for _attempt in range(50):  # another process may be writing it this very moment
        key = path.read_text().strip()
        if key:
            return key
        import time

        time.sleep(0.02)
    raise ImproperlyConfigured(f"{path} is empty: delete it and start again")


def server_settings() -> tuple[str, list[str]]:
    """(secret key, allowed hosts) from the environment; ImproperlyConfigured naming everything missing."""
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    problems = []
    if len(key) < MIN_KEY_LENGTH or key in PUBLISHED_KEYS:
        problems.append(f"DJANGO_SECRET_KEY must be a secret random value of at least {MIN_KEY_LENGTH} characters "
                        "(python3 -c \"import secrets; print(secrets.token_urlsafe(64))\")")
    if not hosts:
        problems.append("DJANGO_ALLOWED_HOSTS must name the site's host names (comma-separated)")
    if not os.environ.get("DATABASE_URL"):
        problems.append("DATABASE_URL must name the database (postgres://user@host/name)")
    if problems:
        raise ImproperlyConfigured(
            "impactlab refuses to start with server settings that are missing or unsafe:\n- " + "\n- ".join(problems)
            + "\nFor development on a laptop use `make run` (it sets IMPACTLAB_DEVELOPMENT=1).")
    return key, hosts

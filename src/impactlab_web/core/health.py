"""`/health/`: for a load balancer or monitor. Says whether the database answers and the snapshot folder is
writable; names nothing about the data, the users or the version."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from impactlab_web.core.permissions import public


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _storage() -> bool:
    folder = Path(settings.WORKSPACE_DIR)
    probe = folder / f".health-{secrets.token_hex(4)}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return False
    return True


@public
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 with {"status": "ok", ...} when every check passes, else 503 naming the failing check."""
    checks = {"database": _database(), "storage": _storage()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "failing", **{k: "ok" if v else "failing" for k, v in checks.items()}}
    return JsonResponse(body, status=200 if healthy else 503)

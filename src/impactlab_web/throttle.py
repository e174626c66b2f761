"""Login throttling: after LOGIN_MAX_FAILURES failures, a username+address pair is locked for a while."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from impactlab_web.models import LoginThrottle


def client_ip(request: HttpRequest) -> str:
    """The peer address (behind a proxy, configure the proxy to set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(username: str) -> str:
    return username.strip().lower()[:150]


def locked_until(username: str, ip: str) -> dt.datetime | None:
    """When the lock of this pair ends, or None when it is not locked."""
    row = LoginThrottle.objects.filter(username=_key(username), ip=ip).first()
    if row and row.locked_until and row.locked_until > timezone.now():
        return row.locked_until
    return None


def record_failure(username: str, ip: str) -> None:
    row, _ = LoginThrottle.objects.get_or_create(username=_key(username), ip=ip)
    LoginThrottle.objects.filter(pk=row.pk).update(failures=F("failures") + 1)
    row.refresh_from_db()
    if row.failures >= settings.LOGIN_MAX_FAILURES:
        until = timezone.now() + dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        LoginThrottle.objects.filter(pk=row.pk).update(failures=0, locked_until=until)


def reset(username: str, ip: str) -> None:
    LoginThrottle.objects.filter(username=_key(username), ip=ip).delete()

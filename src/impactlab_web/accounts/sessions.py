"""The index of signed-in sessions per person: recorded at login, refreshed while used, ended on request.

Ending a person's sessions deletes exactly the sessions the index names, through the configured session engine
(no scan or decoding of every session). Sessions older than the index (made before an upgrade) are indexed at
their next request and expire within SESSION_COOKIE_AGE anyway.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import user_logged_in, user_logged_out
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone

from impactlab_web.accounts.models import UserSession
from impactlab_web.core.client import axes_client_ip

SEEN_KEY = "_impactlab_seen"  # when this session last refreshed its index row (epoch seconds)
REFRESH_SECONDS = 300


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="impactlab-session-index-in")
    user_logged_out.connect(_logged_out, dispatch_uid="impactlab-session-index-out")


def _logged_in(sender, request: HttpRequest, user: AbstractBaseUser, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        touch(request, user, force=True)


def _logged_out(sender, request: HttpRequest, user: AbstractBaseUser | None, **kwargs) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def touch(request: HttpRequest, user: AbstractBaseUser, force: bool = False) -> None:
    """Index this request's session under `user` (at most once per REFRESH_SECONDS, or now when `force`)."""
    session = request.session
    now = timezone.now()
    if not force and now.timestamp() - session.get(SEEN_KEY, 0) < REFRESH_SECONDS:
        return
    if session.session_key is None:
        session.save()
    session[SEEN_KEY] = now.timestamp()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={"user": user, "last_seen": now, "ip": axes_client_ip(request),
                  "user_agent": request.headers.get("User-Agent", "")[:200]},
    )


def active(user: AbstractBaseUser) -> list[UserSession]:
    """The person's sessions that have not expired, newest use first."""
    rows = list(UserSession.objects.filter(user=user))
    store = _store()
    alive = [row for row in rows if store(row.session_key).exists(row.session_key)]
    gone = [row.pk for row in rows if row not in alive]
    if gone:
        UserSession.objects.filter(pk__in=gone).delete()
    return alive


def end(user: AbstractBaseUser, keep: str | None = None, only: str | None = None) -> int:
    """End the person's sessions (all, all but `keep`, or only the one `only`); returns how many ended."""
    rows = UserSession.objects.filter(user=user)
    if keep:
        rows = rows.exclude(session_key=keep)
    if only:
        rows = rows.filter(session_key=only)
    keys = list(rows.values_list("session_key", flat=True))
    store = _store()
    for key in keys:
        store(key).delete(key)
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore

"""Personal access tokens: made and revoked by their owner on the account pages, shown once, kept as a hash.

A token is ``ilp_`` and 43 characters of ``secrets.token_urlsafe(32)`` (256 random bits). Only its SHA-256 is
stored (``AccessToken.digest``): a token is a random key, not a password, so a fast hash is enough (nobody can
try 2**256 values) and lets the API find the token by an index. Making and revoking a token is written to the
audit trail of each organisation the person belongs to (``token.create``, ``token.revoke``; the token's first
characters, scopes and expiry: never the secret, nor the name its owner typed).

A token carries the person's own rights, never more: each API call checks the person's roles with
``impactlab_web.core.permissions`` as the pages do, and the token's scopes narrow what it may be used for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db.models import F
from django.utils import timezone

from impactlab_web.api.models import AccessToken, Scope
from impactlab_web.core import audit
from impactlab_web.organisations.models import Membership, Organisation

PREFIX = "ilp_"
MAX_DAYS = 366
DEFAULT_DAYS = 90
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_used_at is written at most this often per token


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _organisations(user: Any) -> list[Organisation | None]:
    """The organisations whose audit trail hears of this person's tokens (each one they belong to)."""
    ids = set(Membership.objects.filter(user=user, organisation__isnull=False).values_list("organisation", flat=True))
    ids |= set(Membership.objects.filter(user=user, programme__isnull=False)
               .values_list("programme__lead", flat=True))
    return list(Organisation.objects.filter(pk__in=ids).order_by("pk")) or [None]


def _audit(request: Any, action: audit.Action, token: AccessToken) -> None:
    detail = {"token": token.prefix, "scopes": token.scopes,
              "expires": token.expires_at.date().isoformat()}
    for organisation in _organisations(token.user):
        audit.record(request, action, token, detail=detail, user=token.user, organisation=organisation)


def make(user: Any, name: str, scopes: list[str], days: int = DEFAULT_DAYS, request: Any = None
         ) -> tuple[AccessToken, str]:
    """A new token of ``user`` and its secret (to show once). Unknown scopes or an expiry out of range: ValueError."""
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown or not scopes:
        raise ValueError(f"unknown or no scopes: {unknown}")
    if not 1 <= int(days) <= MAX_DAYS:
        raise ValueError(f"a token lives 1 to {MAX_DAYS} days")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user, name=name.strip()[:100] or "token", prefix=secret[:12], digest=digest(secret),
        scopes=[s for s in Scope.values if s in scopes], expires_at=timezone.now() + dt.timedelta(days=int(days)))
    _audit(request, audit.Action.TOKEN_CREATE, token)
    return token, secret


def revoke(token: AccessToken, request: Any = None) -> None:
    """Revoke a token at once (it is kept, revoked, so the account page and the audit trail can name it)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _audit(request, audit.Action.TOKEN_REVOKE, token)


def find(secret: str) -> AccessToken | None:
    """The active token with this secret, of an active person; None for anything else (unknown, expired,
    revoked, a deactivated account). Notes when it was last used."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = AccessToken.objects.select_related("user").filter(digest=digest(secret)).first()
    if token is None or not token.active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def mine(user: Any) -> list[AccessToken]:
    """The person's tokens, newest first (revoked and expired ones too, marked)."""
    return list(AccessToken.objects.filter(user=user).order_by(F("revoked_at").desc(nulls_first=True), "-created_at"))

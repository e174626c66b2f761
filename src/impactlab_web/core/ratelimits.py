"""Rate limits per user on expensive endpoints: one function decides (``hit``), every limited view calls it.

A bucket (``model.check``, ``model.save``, ``dashboard.compute``) allows ``n`` requests per person in a fixed
window of ``seconds``; the next one is answered 429 with a page (or, for HTMX, a fragment) that says when to
try again. The defaults are in ``RATES``; ``IMPACTLAB_RATE_LIMITS`` in the settings overrides them
(``{"model.check": "60/60"}``: 60 per 60 seconds).

The counts are rows of ``RateCount`` in the app's own database, incremented with one atomic
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (SQLite 3.35+ and PostgreSQL): every web process and every
machine sharing the database sees the same count, and parallel requests cannot slip past it.

Why not django-ratelimit: it counts in Django's cache and needs an atomic increment there, and its own system
check refuses the two caches an install without a cache server has (the per-process memory cache is not shared,
the database cache's ``incr`` is a read and a write, not atomic; django_ratelimit.E003). Requiring Redis or
memcached would break ``make run`` with nothing to install; the database the app already has is shared and
atomic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from impactlab_web.core.client import client_ip

# bucket -> (requests, seconds): per person
RATES: dict[str, tuple[int, int]] = {
    "model.check": (60, 60),  # the editor's live check (as you type, after a pause of 400 ms)
    "model.save": (30, 60),  # saves, imports and the structured editor's changes
    "dashboard.compute": (20, 60),  # dashboard figures computed afresh (cached figures are never counted)
    "password-reset-ip": (10, 3600),  # "forgot password" requests per address
    "password-reset-email": (3, 3600),  # and per e-mail address
    "email-change": (5, 3600),  # links sent to confirm a new e-mail address, per person
    "email-change-address": (3, 3600),  # and per new address (whoever asks)
    "api": (120, 60),  # JSON API calls per person (every token of theirs together)
}


@dataclass(frozen=True)
class Usage:
    bucket: str
    count: int
    limit: int
    seconds: int
    reset: float  # when the window ends (epoch seconds)

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def retry_after(self) -> int:
        return max(1, int(self.reset - time.time() + 0.999))


def rate(bucket: str) -> tuple[int, int]:
    """(requests, seconds) of a bucket: the setting ``IMPACTLAB_RATE_LIMITS`` ("n/seconds"), else ``RATES``."""
    configured = getattr(settings, "IMPACTLAB_RATE_LIMITS", {}).get(bucket)
    if configured:
        n, _sep, seconds = str(configured).partition("/")
        return int(n), int(seconds or 60)
    return RATES[bucket]


def who(request: HttpRequest) -> str:
    """The person a request counts for: the signed-in user, else the client's address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def hit(bucket: str, person: str, limit: int | None = None, seconds: int | None = None) -> Usage:
    """Count one request of ``person`` in ``bucket`` (atomically, in the database); the usage after it."""
    if limit is None:
        limit, seconds = rate(bucket)
    seconds = seconds or 60
    now = time.time()
    window = int(now // seconds)
    key = f"{bucket}:{person}"[:200]
    table = connection.ops.quote_name("impactlab_web_ratecount")
    column = connection.ops.quote_name("window")
    # one statement, atomic in SQLite and PostgreSQL (a savepoint inside a request's transaction)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, {column}, count) VALUES (%s, %s, 1) "
            f"ON CONFLICT (key, {column}) DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [key, window])
        count = cursor.fetchone()[0]
        if count == 1:  # the first hit of a new window: the older windows of this key are done with
            cursor.execute(f"DELETE FROM {table} WHERE key = %s AND {column} < %s", [key, window])
    return Usage(bucket, count, limit, seconds, (window + 1) * seconds)


def too_many(request: HttpRequest, usage: Usage) -> HttpResponse:
    """429 with a page that says what was limited and when to try again (an HTMX request gets the fragment
    for the element it targets, which htmx swaps in: see ``responseHandling`` in base.html)."""
    context = {"usage": usage, "retry_after": usage.retry_after,
               "target": getattr(getattr(request, "htmx", None), "target", None) or ""}
    htmx = bool(getattr(request, "htmx", False))
    template = "impactlab_web/_rate_limited.html" if htmx else "429.html"
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(usage.retry_after)
    return response


def limited(bucket: str, methods: tuple[str, ...] = ("POST",)) -> Callable[[Callable[..., HttpResponse]],
                                                                          Callable[..., HttpResponse]]:
    """View decorator: requests with one of ``methods`` count in ``bucket`` per person; over the limit, 429.
    Put it below ``requires`` (rights first: a refused request is not counted)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                usage = hit(bucket, who(request))
                if not usage.allowed:
                    return too_many(request, usage)
            return view(request, *args, **kwargs)

        wrapper.rate_limit = bucket  # type: ignore[attr-defined]
        return wrapper

    return decorate


def check(request: HttpRequest, bucket: str) -> HttpResponse | None:
    """Count one request in ``bucket`` from inside a view (where only some requests are expensive): None when
    allowed, else the 429 response."""
    usage = hit(bucket, who(request))
    return None if usage.allowed else too_many(request, usage)

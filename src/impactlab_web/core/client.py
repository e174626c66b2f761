"""Who is asking: the peer address, the same for the audit trail, login throttling (django-axes) and rate limits."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The peer address (behind a proxy, configure the proxy to set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def axes_client_ip(request: HttpRequest) -> str | None:
    """The same address for django-axes, None when unknown (its address column holds only real addresses)."""
    return request.META.get("REMOTE_ADDR") or None

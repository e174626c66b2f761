"""The number of unread notifications, for the header of every page."""

from __future__ import annotations

from django.http import HttpRequest

from impactlab_web.notifications.notify import unread


def notifications(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {"unread_notifications": (lambda: unread(user)) if user is not None else 0}

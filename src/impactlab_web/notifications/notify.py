"""Telling a person something: a row in their in-app list and, where they have an address, an e-mail.

Texts are made in the person's own language (their profile), contain no personal data of clients (names of
programmes, reports and jobs only), and the e-mail leaves only after the transaction that caused it commits.
E-mail goes through Django's mail settings: the console in development, SMTP in production (docs/deploy.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from impactlab_web.notifications.models import Notification

log = logging.getLogger(__name__)
Kind = Notification.Kind


def language_of(user: AbstractBaseUser) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", None) or settings.LANGUAGE_CODE


def notify(users: Iterable[AbstractBaseUser | None], kind: str, title: Callable[[], str], link: str = "",
           base_url: str = "", email: bool = True, skip: AbstractBaseUser | None = None) -> list[Notification]:
    """Notify each active person in `users` (not `skip`, the one who caused it): `title()` is called in each
    person's language; `link` is a path in the app (made absolute with `base_url` in the e-mail)."""
    made = []
    seen: set[int] = set()
    for user in users:
        if user is None or not user.is_active or user.pk in seen or (skip is not None and user.pk == skip.pk):
            continue
        seen.add(user.pk)
        with translation.override(language_of(user)):
            text = str(title())[:200]
            made.append(Notification.objects.create(user=user, kind=kind, title=text, link=link[:300]))
            if email and user.email:
                body = render_to_string("notifications/email.txt", {"user": user, "title": text,
                                                                    "url": f"{base_url}{link}" if link else ""})
                subject = f"impactlab: {text}"[:150]
                transaction.on_commit(lambda s=subject, b=body, to=user.email: _mail(s, b, to))
    return made


def mail(user: AbstractBaseUser, to: str, subject: Callable[[], str], template: str, context: dict) -> None:
    """An e-mail about `user` to the address `to` (not necessarily theirs yet: a new address to confirm), made in
    the person's language and sent after the transaction commits; never kept in the app (it may hold a link)."""
    with translation.override(language_of(user)):
        text = f"impactlab: {subject()}"[:150]
        body = render_to_string(template, {"user": user, **context})
    transaction.on_commit(lambda: _mail(text, body, to))


def _mail(subject: str, body: str, to: str) -> None:
    try:
        send_mail(subject, body, None, [to])
    except OSError:  # the mail server is down: the in-app notification stands
        log.warning("notification e-mail not sent", exc_info=True)


def unread(user: AbstractBaseUser) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count() if user.is_authenticated else 0


def base_url() -> str:
    """The installation's own address for links in e-mails sent outside a request (IMPACTLAB_BASE_URL)."""
    return getattr(settings, "IMPACTLAB_BASE_URL", "").rstrip("/")

"""Changing one's own e-mail address: it takes effect only through a one-time link sent to the new address.

The address is where password-reset links go and what single sign-on matches a provider's verified e-mail to
(oidc.py), so an unconfirmed address must never be in force: a typo would lock the person out, and an address
set to someone else's would receive that person's single sign-on. So a request (made with the password, on the
profile page) is kept in ``EmailChange`` and the account's address stays as it is until the person, logged in as
themselves, opens the link. The link's token is Django's password-reset token machinery with its own salt; it
hashes the account's password and address and the request, so it works once, for PASSWORD_RESET_TIMEOUT, and
stops working when the address or the password changes, or a newer request or a cancel replaces the request.
The old address gets a notice ("if this was not you ..."). Sending is throttled per person and per new address.

Organisation administrators cannot set anyone's address (the people pages invite by e-mail, and accepting an
invitation needs the invited address): the profile is the one path, and it goes through ``request``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from impactlab_web.accounts.models import EmailChange
from impactlab_web.accounts.throttle import throttled
from impactlab_web.core import audit
from impactlab_web.notifications.notify import Kind, mail, notify


class EmailChangeError(Exception):
    """A request or a link the rules refuse; the message is for the person."""


class Throttled(EmailChangeError):
    """Too many links sent in the last hour."""


def taken_message() -> str:
    """The one answer for an address another account uses: it names no account."""
    return _("This e-mail address cannot be used for your account. Choose another one.")


class EmailChangeTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset tokens, salted for e-mail changes and bound to the pending request."""

    key_salt = "impactlab_web.accounts.email_change.EmailChangeTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        change = EmailChange.objects.filter(user=user).first()
        request = f"{change.pk}:{change.email.lower()}:{change.requested.timestamp()}" if change else "none"
        return f"{user.pk}{user.password}{(user.email or '').lower()}{request}{timestamp}"


tokens = EmailChangeTokenGenerator()


def pending(user: User) -> EmailChange | None:
    return EmailChange.objects.filter(user=user).first()


def linked(user: User, token: str) -> EmailChange | None:
    """The pending request `token` is a valid link of, else None."""
    change = pending(user)
    return change if change is not None and tokens.check_token(user, token) else None


def taken(email: str, user: User) -> bool:
    """Whether another account uses `email` (case-insensitive)."""
    return User.objects.filter(email__iexact=email.strip()).exclude(pk=user.pk).exists()


def _throttle(user: User, email: str) -> None:
    if throttled("email-change", f"user:{user.pk}") or throttled("email-change-address", email.lower()):
        raise Throttled(_("Too many e-mails sent for a change of address. Try again in an hour."))


def _send_link(user: User, change: EmailChange, absolute: Callable[[str], str]) -> None:
    url = absolute(reverse("accounts:email_confirm", kwargs={"email_token": tokens.make_token(user)}))
    mail(user, change.email, lambda: _("Confirm your new e-mail address"), "accounts/email_change_email.txt",
         {"url": url, "email": change.email})


def request(user: User, email: str, absolute: Callable[[str], str]) -> EmailChange:
    """Ask to change `user`'s address to `email` (the caller has checked the password): a link to the new
    address, a notice to the old one. Replaces an earlier request. Raises EmailChangeError when refused (an
    address another account uses, in any case) and Throttled when too many were sent."""
    email = email.strip()
    _throttle(user, email)  # outside the transaction: refusals count too, so nobody probes for accounts
    if taken(email, user):
        raise EmailChangeError(taken_message())
    with transaction.atomic():
        change, _created = EmailChange.objects.update_or_create(
            user=user, defaults={"email": email, "requested": timezone.now()})
        _send_link(user, change, absolute)
        notify([user], Kind.ACCOUNT, lambda: _(  # the warning first: a title is cut at 200 characters
            "Your e-mail address is being changed. Not you? Cancel it on your profile and change your password. "
            "New address: %(email)s") % {"email": email},
            link=reverse("accounts:profile"), base_url=absolute("/").rstrip("/"))
    return change


def resend(user: User, absolute: Callable[[str], str]) -> EmailChange:
    """A new link for the pending request (earlier links of that request keep working until they expire)."""
    change = pending(user)
    if change is None:
        raise EmailChangeError(_("There is no change of e-mail address waiting."))
    _throttle(user, change.email)
    _send_link(user, change, absolute)
    return change


def cancel(user: User) -> bool:
    """Drop the pending request (its links stop working); whether there was one."""
    return EmailChange.objects.filter(user=user).delete()[0] > 0


def _serialise(email: str) -> None:
    """Wait for any other confirmation of the same address (until this transaction ends), so that two accounts
    cannot both take it (PostgreSQL: an advisory lock; SQLite: one writer at a time already)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"email:{email.lower()}"])


@transaction.atomic
def confirm(user: User, token: str) -> str:
    """Put the pending address in force for `user` (the person logged in) if `token` is a valid link of the
    pending request; the address now in force. Raises EmailChangeError for any other link."""
    user = User.objects.select_for_update().get(pk=user.pk)
    change = EmailChange.objects.select_for_update().filter(user=user).first()
    if change is None or not tokens.check_token(user, token):
        raise EmailChangeError(_("This link does not work (any more): it was used already, it expired, or a "
                                 "newer request replaced it. Ask for a new link on your profile."))
    _serialise(change.email)
    if taken(change.email, user):
        raise EmailChangeError(taken_message())
    user.email = change.email
    user.save(update_fields=["email"])
    change.delete()
    audit.record(None, audit.Action.ACCOUNT_EMAIL, user, user=user, detail={"person": user.pk})
    return user.email

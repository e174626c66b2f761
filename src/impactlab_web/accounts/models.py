"""A person's signed-in sessions (to list them and log out elsewhere) and an organisation's two-factor rule."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(models.Model):
    """One signed-in session of a person: which session, since when, last seen, from where, with what browser.

    Django's session store cannot be searched by user; this index can, so that ending someone's sessions (log out
    elsewhere, a deactivated account) deletes exactly their sessions and nothing is decoded.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.user} since {self.created:%Y-%m-%d %H:%M}"


class TwoFactorRule(models.Model):
    """An organisation's rule: every person whose role there sees personal data must log in with a second factor."""

    organisation = models.OneToOneField("organisations.Organisation", on_delete=models.CASCADE,
                                        related_name="two_factor_rule")
    required = models.BooleanField(_("two-factor login required"), default=False)
    changed = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    def __str__(self) -> str:
        return f"{self.organisation}: {'required' if self.required else 'optional'}"


class EmailChange(models.Model):
    """A person's requested new e-mail address, waiting for the link sent to it (one per person: a new request
    replaces the old one, whose links stop working). Until confirmed, the account's own address stays in force."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_change")
    email = models.EmailField(_("new e-mail address"))
    requested = models.DateTimeField(_("requested"))

    def __str__(self) -> str:
        return f"{self.user} → {self.email}"

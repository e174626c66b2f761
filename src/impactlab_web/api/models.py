"""Personal access tokens: a person's key to the JSON API, with scopes and an expiry; only a hash is kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a token may be used for. A scope never adds rights: the person's roles still decide."""

    PROGRAMMES = "programmes:read", _("programmes, model versions and valuation results")
    DATA = "data:read", _("dataset metadata and aggregates that pass disclosure control")
    RESPONSES = "responses:read", _("questionnaire responses (pseudonymised), for roles allowed to export them")


class AccessToken(models.Model):
    """One personal access token. The secret itself is shown once, when made; ``digest`` is its SHA-256."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, help_text="the first characters of the token, to recognise it")
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def scope_labels(self) -> list[str]:
        return [Scope(s).label for s in self.scopes if s in Scope.values]

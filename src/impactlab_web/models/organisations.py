"""Organisations, people's profiles and their roles per organisation and per programme."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    RESEARCHER = "researcher", _("Researcher")
    PROFESSIONAL = "professional", _("Professional")
    REVIEWER = "reviewer", _("Stakeholder reviewer")
    VIEWER = "viewer", _("Viewer")


class Organisation(models.Model):
    """A partner organisation: it owns its datasets and its people's organisation roles."""

    class Kind(models.TextChoices):
        WELFARE = "welfare", _("Welfare organisation")
        MUNICIPALITY = "municipality", _("Municipality")
        UNIVERSITY = "university", _("University")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """Per-user preferences (the preferred language of the interface)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")

    def __str__(self) -> str:
        return f"{self.user} ({self.language})"


class Membership(models.Model):
    """A role of one person in one organisation (all its programmes) or in one programme only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    programme = models.ForeignKey(
        "impactlab_web.Programme", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, programme__isnull=True)
                | Q(organisation__isnull=True, programme__isnull=False),
                name="membership_in_organisation_xor_programme",
            ),
            models.UniqueConstraint(fields=["user", "role", "organisation"], name="unique_organisation_role"),
            models.UniqueConstraint(fields=["user", "role", "programme"], name="unique_programme_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.organisation or self.programme}"

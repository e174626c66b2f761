"""Organisations, people's profiles, their roles per organisation and per programme, and invitations (a one-time,
expiring link by e-mail that lets a person join an organisation with a role)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
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
        db_table = "impactlab_web_organisation"  # the table keeps the name it had before the app was split off
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """Per-user preferences (the preferred language of the interface)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")

    class Meta:
        db_table = "impactlab_web_profile"  # the table keeps the name it had before the app was split off

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
        "programmes.Programme", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )

    class Meta:
        db_table = "impactlab_web_membership"  # the table keeps the name it had before the app was split off
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


def token_hash(token: str) -> str:
    """Only the sha256 of an invitation token is stored: a copy of the database cannot be used to join."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An invitation to join `organisation` with `role`; valid until `expires`, usable once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="nl")
    token_sha256 = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    sent_count = models.PositiveSmallIntegerField(default=1)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "email"],
                                    condition=Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                                    name="one_open_invitation_per_address"),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation} ({self.role})"

    @staticmethod
    def lifetime() -> timedelta:
        return timedelta(days=getattr(settings, "IMPACTLAB_INVITATION_DAYS", 7))

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.cancelled_at:
            return self.Status.CANCELLED
        if self.expires <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

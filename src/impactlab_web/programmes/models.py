"""Programmes (a network of partner organisations) and their impact model, one stored version per save.

A programme's partners are organisations that *consented*: a ``Partnership`` is invited (to a named
administrator's e-mail address, or through a one-time code), then accepted or declined by that organisation's
administrator, and ended by either side. Only accepted partnerships count (``Partnership.objects.accepted()``,
the one queryset every caller uses, through ``Programme.partners`` and the permission policy).

A saved version is a *draft* until it is published (``modelling.publish``); who sees drafts and which version
each person's figures come from is decided in ``impactlab_web.core.evidence.version_for``."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from impactlab_web.organisations.models import Organisation


class Programme(models.Model):
    """A programme run by a lead organisation together with partners (a programme network)."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    lead = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="led_programmes",
                             verbose_name=_("lead organisation"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archived_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        db_table = "impactlab_web_programme"  # the table keeps the name it had before the app was split off
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def partners(self) -> models.QuerySet[Organisation]:
        """The partner organisations that accepted (never the invited, declined or ended ones)."""
        accepted = Partnership.objects.accepted().filter(programme=self).values("organisation")
        return Organisation.objects.filter(pk__in=accepted).exclude(pk=self.lead_id)

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def organisations(self) -> list[Organisation]:
        """The lead and every accepted partner: the organisations whose roles count in the programme."""
        return [self.lead, *self.partners]

    def latest_version(self) -> ImpactModelVersion | None:
        """The newest saved version, draft or not (for saving and merging; figures go through ``version_for``)."""
        return self.versions.order_by("-number").first()

    def published_version(self) -> ImpactModelVersion | None:
        """The version published last: the one whose figures everyone sees (None: nothing published yet)."""
        return self.versions.filter(published_at__isnull=False).order_by("-published_at", "-number").first()


class ImpactModelVersion(models.Model):
    """One saved impact model: the YAML text as written, validated by the core, with its key figures."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    document = models.JSONField(help_text="the validated model as a JSON document")
    figures = models.JSONField(default=dict, help_text="key figures of the valuation at save time")
    message = models.CharField(_("message"), max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("published by"))

    class Meta:
        db_table = "impactlab_web_impactmodelversion"  # the table keeps the name it had before the app was split off
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["programme", "number"], name="unique_version_number")]

    def __str__(self) -> str:
        return f"{self.programme} v{self.number}"

    @property
    def is_draft(self) -> bool:
        """Never published: its figures are not results."""
        return self.published_at is None


def code_hash(code: str) -> str:
    """Only the sha256 of an invitation code is stored (normalised: case, spaces and dashes do not matter)."""
    normal = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


class PartnershipQuerySet(models.QuerySet):
    def accepted(self) -> PartnershipQuerySet:
        """The partnerships that count: accepted and not ended. Every caller asks this one question."""
        return self.filter(state=Partnership.State.ACCEPTED, organisation__isnull=False)

    def open(self) -> PartnershipQuerySet:
        """Invitations that can still be answered: invited and not expired."""
        return self.filter(state=Partnership.State.INVITED, expires__gt=timezone.now())


class Partnership(models.Model):
    """An organisation's part in a programme, with its consent: invited, then accepted or declined, then ended.

    The invitation goes to a named administrator's e-mail address (``email``) or is a one-time code (only its
    hash, ``code_sha256``); ``organisation`` is the one whose administrator accepted (unknown until then, so the
    inviter never learns which organisations exist).
    """

    class State(models.TextChoices):
        INVITED = "invited", _("invited")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        ENDED = "ended", _("ended")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="partnerships")
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="partnerships", verbose_name=_("organisation"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.INVITED)
    email = models.EmailField(_("administrator's e-mail address"), blank=True)
    code_sha256 = models.CharField(max_length=64, null=True, blank=True, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        db_table = "impactlab_web_partnership"  # the table keeps the name it had before the app was split off
        ordering = ["-invited_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "organisation"], condition=Q(state="accepted"),
                                    name="one_accepted_partnership"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} <- {self.organisation or self.email or 'code'} ({self.state})"

    @staticmethod
    def lifetime() -> timedelta:
        return timedelta(days=getattr(settings, "IMPACTLAB_PARTNERSHIP_DAYS", 14))

    @property
    def expired(self) -> bool:
        return self.state == self.State.INVITED and self.expires <= timezone.now()

    @property
    def by_code(self) -> bool:
        return self.code_sha256 is not None

    def state_label(self) -> str:
        return str(_("expired")) if self.expired else str(self.State(self.state).label)

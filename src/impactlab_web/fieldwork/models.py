"""Questionnaires (a validated core document per programme), waves, drafts, responses and support registrations.

Privacy: a response or draft is keyed by the random respondent key from the wave link, never by a person.
A registration names its client by a pseudonymised code that the professional's organisation keeps.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from impactlab.fieldwork.questionnaire import Questionnaire as CoreQuestionnaire
from impactlab.fieldwork.questionnaire import localise, questionnaire_from_data
from impactlab_web.programmes.models import Programme


def _public_id() -> str:
    return secrets.token_urlsafe(9)


SLUG_LENGTH = 100  # the longest questionnaire id (a form_id of an XLSForm; the builder's own: 40)
_COMPILED: dict[tuple[int, int, float], CoreQuestionnaire] = {}


def _compiled(questionnaire: Questionnaire) -> CoreQuestionnaire:
    """Parse once per process, revision and save (a document changed in code without a new revision still
    has a new `updated_at`); at most 256 kept."""
    stamp = questionnaire.updated_at.timestamp() if questionnaire.updated_at else 0.0
    key = (questionnaire.pk or 0, questionnaire.revision, stamp)
    found = _COMPILED.get(key)
    if found is None or questionnaire.pk is None:
        found = questionnaire_from_data(questionnaire.document)
        if len(_COMPILED) >= 256:
            _COMPILED.clear()
        _COMPILED[key] = found
    return found


class Questionnaire(models.Model):
    """A questionnaire of a programme: the core document (instrument blocks and own questions) as JSON."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="questionnaires")
    public_id = models.CharField(max_length=24, unique=True, default=_public_id, editable=False)
    # the document's id (the name in the data), kept in a column of its own so the database holds it unique
    slug = models.CharField(max_length=SLUG_LENGTH, editable=False)
    document = models.JSONField(help_text="the validated core questionnaire document")
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["programme", "slug"], name="unique_questionnaire_id")]

    def __str__(self) -> str:
        return self.title()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.slug = str(self.document.get("id", ""))
        if kwargs.get("update_fields") is not None and "document" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "slug"}
        super().save(*args, **kwargs)

    @property
    def core(self) -> CoreQuestionnaire:
        """The core Questionnaire (parsed once per process and revision)."""
        return _compiled(self)

    def title(self, language: str = "nl") -> str:
        return localise(self.core.title, language) or self.document.get("id", "")

    def locked(self) -> bool:
        """Once responses exist, the questions stay as they were (the data must keep its meaning)."""
        return self.responses.exists()


class Wave(models.Model):
    """One measurement moment (T0, T1...) of a questionnaire; its links carry the wave's name."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="waves")
    name = models.CharField(_("wave"), max_length=20)
    valid_days = models.PositiveIntegerField(_("links valid for (days)"), default=120)
    closed = models.BooleanField(_("closed"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "name"], name="unique_wave_name")]

    def __str__(self) -> str:
        return f"{self.questionnaire.slug} {self.name}"


class RevokedLink(models.Model):
    """A wave link that may no longer be used: a personal link (its respondent key) or an anonymous link (its
    link id, which also stops every personal link handed out from it). Links themselves are never stored."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("personal link")
        ANONYMOUS = "anonymous", _("anonymous link")

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="revoked_links")
    link_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-revoked_at"]
        constraints = [models.UniqueConstraint(fields=["wave", "link_id"], name="unique_revoked_link")]

    def __str__(self) -> str:
        return f"{self.wave} {self.kind} {self.link_id[:6]}…"


class Draft(models.Model):
    """Answers saved halfway (save-and-resume), one per wave link."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="drafts")
    respondent_key = models.CharField(max_length=64)
    answers = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wave", "respondent_key"], name="unique_draft")]


class Response(models.Model):
    """A submitted questionnaire: stored once per respondent key, questionnaire and wave (idempotent)."""

    class Channel(models.TextChoices):
        LINK = "link", _("link")
        VISIT = "visit", _("visit")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="responses")
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    respondent_key = models.CharField(max_length=64)
    answers = models.JSONField(default=dict)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.LINK)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submitted_at"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "wave", "respondent_key"],
                                               name="unique_response_per_link")]


class Registration(models.Model):
    """Support given to one client (a pseudonymised code) on one day: formal or informal, hours or contacts."""

    class Support(models.TextChoices):
        FORMAL = "formal", _("formal (professional)")
        INFORMAL = "informal", _("informal (volunteer or carer)")

    class Kind(models.TextChoices):
        PRACTICAL = "practical", _("practical help")
        SOCIAL = "social", _("social contact")
        EMOTIONAL = "emotional", _("emotional support")
        ADVICE = "advice", _("information and advice")
        COORDINATION = "coordination", _("coordination")
        OTHER = "other", _("other")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="registrations")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    client = models.CharField(_("client code"), max_length=20)
    provider = models.CharField(_("volunteer or professional code"), max_length=20, blank=True)
    support = models.CharField(_("support"), max_length=10, choices=Support.choices)
    kind = models.CharField(_("kind of support"), max_length=20, choices=Kind.choices)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2, null=True, blank=True)
    contacts = models.PositiveIntegerField(_("contacts"), null=True, blank=True)
    team = models.CharField(_("team"), max_length=60, blank=True)
    neighbourhood = models.CharField(_("neighbourhood"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # one per rendered entry form: a form sent twice (double tap, resend after a timeout) is stored once
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-date", "-created_at"]
        indexes = [models.Index(fields=["programme", "date"])]
        constraints = [models.UniqueConstraint(fields=["recorded_by", "idempotency_key"],
                                               name="unique_registration_submission")]

    def __str__(self) -> str:
        return f"{self.date} {self.client} {self.support}"

    def row(self) -> dict[str, Any]:
        """The registration as a row of the core's registrations table (the provider defaults to the recorder)."""
        return {"date": self.date, "client": self.client, "provider": self.provider or f"user-{self.recorded_by_id}",
                "support": self.support, "kind": self.kind,
                "hours": None if self.hours is None else float(self.hours), "contacts": self.contacts,
                "team": self.team or None, "neighbourhood": self.neighbourhood or None}

"""Qualitative coding, stored per programme: documents (extracted, scrubbed text), a hierarchical codebook,
codings by several coders (character offsets into the stored text), memos and links from codes or single
codings to outcomes of the impact model. Every calculation on them is a call into `impactlab.qualitative`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from impactlab_web.programmes.models import Programme

COLOUR = RegexValidator(r"^#[0-9A-Fa-f]{6}$", _("Use a colour as #RRGGBB."))


class Document(models.Model):
    """A transcript or story. Only the extracted, scrubbed text is kept, never the uploaded file or its name;
    the source is known by a pseudonymised label."""

    class Kind(models.TextChoices):
        TEXT = "text", _("plain text")
        DOCX = "docx", _("Word document")
        PDF = "pdf", _("PDF")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="qualitative_documents")
    label = models.CharField(_("source label"), max_length=40)
    group = models.CharField(_("stakeholder group"), max_length=100, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sha256 = models.CharField(max_length=64)
    text = models.TextField()
    memo = models.TextField(_("memo"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "label"], name="qualitative_unique_label"),
            models.UniqueConstraint(fields=["programme", "sha256"], name="qualitative_unique_upload"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def core_id(self) -> str:
        return f"d{self.pk}"


class Code(models.Model):
    """A code of the programme's codebook; `parent` nests it."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="qualitative_codes")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent code"))
    name = models.CharField(_("name"), max_length=100)
    definition = models.TextField(_("definition"), blank=True)
    colour = models.CharField(_("colour"), max_length=7, default="#fde047", validators=[COLOUR])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def core_id(self) -> str:
        return f"c{self.pk}"


class Coding(models.Model):
    """Characters `start` (inclusive) to `end` (exclusive) of a document's text, coded by one coder."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="codings")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    memo = models.TextField(_("memo"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "start", "end", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "code", "coder", "start", "end"],
                                    name="qualitative_unique_coding"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="qualitative_coding_range"),
        ]

    def __str__(self) -> str:
        return f"{self.document} {self.start}-{self.end} {self.code}"

    @property
    def text(self) -> str:
        return self.document.text[self.start:self.end]


class OutcomeLink(models.Model):
    """Supporting evidence for an outcome of the impact model: every quote of a code (and its sub-codes),
    or one coding."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="qualitative_links")
    outcome = models.CharField(_("outcome"), max_length=100)
    code = models.ForeignKey(Code, null=True, blank=True, on_delete=models.CASCADE, related_name="outcome_links")
    coding = models.ForeignKey(Coding, null=True, blank=True, on_delete=models.CASCADE, related_name="outcome_links")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["outcome", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(code__isnull=False, coding__isnull=True)
                                   | Q(code__isnull=True, coding__isnull=False), name="qualitative_link_one_target"),
            models.UniqueConstraint(fields=["programme", "outcome", "code"], name="qualitative_unique_code_link"),
            models.UniqueConstraint(fields=["programme", "outcome", "coding"], name="qualitative_unique_coding_link"),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} <- {self.code or self.coding}"

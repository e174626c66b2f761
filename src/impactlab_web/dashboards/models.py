"""An upload on its way to a snapshot, the dashboard's simulation per model version, and a small result cache.

Nothing here holds personal data: the raw file lives on disk only until its import has run (then it is
deleted), the validation report stored with an upload masks the values of the respondent-id and
date-of-birth columns and every value that looks like an identifier (the core's validation masks them), the
preview masks identifier-like values too, and cached figures are disclosure-controlled aggregates. The file's
own name (``Upload.filename``) is shown to its uploader only: never in audit detail or snapshot metadata.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Upload(models.Model):
    """A data file uploaded for import into a programme; visible to its uploader only."""

    class State(models.TextChoices):
        READING = "reading", _("reading the file")
        MAPPING = "mapping", _("waiting for the column mapping")
        IMPORTING = "importing", _("importing")
        IMPORTED = "imported", _("imported")
        REJECTED = "rejected", _("rejected")
        FAILED = "failed", _("failed")
        DISCARDED = "discarded", _("discarded")
        EXPIRED = "expired", _("expired: not mapped within a day")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    programme = models.ForeignKey("impactlab_web.Programme", on_delete=models.CASCADE, related_name="uploads")
    owner = models.ForeignKey("impactlab_web.Organisation", on_delete=models.CASCADE, related_name="uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(_("file"), max_length=200)
    format = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField(default=0)
    path = models.CharField(max_length=500, blank=True, help_text="the raw file until it is imported")
    dataset = models.CharField(_("dataset"), max_length=64, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    on_error = models.CharField(max_length=12, default="reject")
    state = models.CharField(max_length=12, choices=State.choices, default=State.MAPPING)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    report = models.JSONField(default=dict, blank=True)
    preview = models.JSONField(default=dict, blank=True, help_text="columns and a few masked rows, read in a job")
    record = models.ForeignKey("impactlab_web.DatasetRecord", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.state})"


class Simulation(models.Model):
    """The dashboard's Monte Carlo simulation of one model version with the evidence it reads (run once per key,
    as a background job). ``key`` covers the model text, the snapshot ids and instrument definitions of its
    evidence quantities, the engine version, draws and seed; ``snapshots`` are the ids the job may read."""

    version = models.ForeignKey("impactlab_web.ImpactModelVersion", on_delete=models.CASCADE,
                                related_name="dashboard_simulations")
    key = models.CharField(max_length=64, unique=True)
    snapshots = models.JSONField(default=list, blank=True)
    draws = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    @property
    def done(self) -> bool:
        return bool(self.result)


class CachedFigures(models.Model):
    """Figures that are expensive and immutable for their key (a model version, a set of snapshot ids)."""

    key = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=32)
    value = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

"""An upload on its way to a snapshot, the dashboard's simulation per model version, and a small result cache.

Nothing here holds personal data: the raw file lives on disk only until its import has run (then it is
deleted), the validation report stored with an upload masks the values of the respondent-id and
date-of-birth columns and every value that looks like an identifier (the core's validation masks them), the
preview masks identifier-like values too, and cached figures are disclosure-controlled aggregates. The file's
own name (``Upload.filename``) is shown to its uploader only: never in audit detail or snapshot metadata.
"""

from __future__ import annotations

from django.db import models


class Simulation(models.Model):
    """The dashboard's Monte Carlo simulation of one model version with the evidence it reads (run once per key,
    as a background job). ``key`` covers the model text, the snapshot ids and instrument definitions of its
    evidence quantities, the engine version, draws and seed; ``snapshots`` are the ids the job may read."""

    version = models.ForeignKey("programmes.ImpactModelVersion", on_delete=models.CASCADE,
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

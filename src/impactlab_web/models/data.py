"""Datasets owned by an organisation (the Parquet stays in the core's Workspace) and data-sharing agreements."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from impactlab_web.models.organisations import Organisation
from impactlab_web.models.programmes import Programme


class DatasetRecord(models.Model):
    """A dataset snapshot in the Workspace store, owned by one organisation and used in one programme."""

    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="datasets")
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(_("dataset"), max_length=64)
    snapshot_id = models.CharField(_("snapshot"), max_length=64, unique=True)
    source_sha256 = models.CharField(_("source hash"), max_length=64)
    n = models.PositiveIntegerField(_("rows"))
    origin = models.CharField(_("origin"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.snapshot_id[:12]})"


class DataSharingAgreement(models.Model):
    """Lets a partner organisation's researchers use a dataset, for a purpose, until a date; can be withdrawn."""

    dataset = models.ForeignKey(DatasetRecord, on_delete=models.CASCADE, related_name="agreements")
    partner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="received_agreements")
    purpose = models.CharField(_("purpose"), max_length=300)
    valid_until = models.DateField(_("valid until"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.dataset} -> {self.partner}"

    def is_active(self, today: dt.date | None = None) -> bool:
        return self.withdrawn_at is None and self.valid_until >= (today or timezone.localdate())

    @classmethod
    def active(cls, today: dt.date | None = None) -> models.QuerySet[DataSharingAgreement]:
        return cls.objects.filter(withdrawn_at__isnull=True, valid_until__gte=today or timezone.localdate())

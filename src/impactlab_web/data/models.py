"""Datasets owned by an organisation (the Parquet stays in the core's Workspace) and data-sharing agreements."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from impactlab_web.organisations.models import Organisation
from impactlab_web.programmes.models import Programme


def end_of(day: dt.date) -> dt.datetime:
    """The moment a day ends (midnight after it, in the installation's time zone)."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


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
        db_table = "impactlab_web_datasetrecord"  # the table keeps the name it had before the app was split off
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

    class Meta:
        db_table = "impactlab_web_datasharingagreement"  # the table keeps the name it had before the app was split off
        # one agreement in force per dataset and partner (an expired one is closed before a new one is made)
        constraints = [models.UniqueConstraint(fields=["dataset", "partner"], condition=Q(withdrawn_at__isnull=True),
                                               name="unique_active_agreement")]

    def __str__(self) -> str:
        return f"{self.dataset} -> {self.partner}"

    @classmethod
    def make(cls, dataset: DatasetRecord, partner: Organisation, user: Any = None,
             **fields: Any) -> DataSharingAgreement | None:
        """A new agreement, or None while the partner has one in force for this dataset. The database's unique
        constraint decides (a doubled or concurrent submit makes one); an expired agreement is first closed at
        the end of its last valid day."""
        same = cls.objects.filter(dataset=dataset, partner=partner, withdrawn_at__isnull=True)
        for expired in same.filter(valid_until__lt=timezone.localdate()):
            closed = end_of(expired.valid_until)
            cls.objects.filter(pk=expired.pk, withdrawn_at__isnull=True).update(withdrawn_at=closed)
        try:
            with transaction.atomic():
                return cls.objects.create(dataset=dataset, partner=partner, created_by=user, **fields)
        except IntegrityError:
            if not same.exists():
                raise
            return None

    def is_active(self, today: dt.date | None = None) -> bool:
        return self.withdrawn_at is None and self.valid_until >= (today or timezone.localdate())

    @classmethod
    def active(cls, today: dt.date | None = None) -> models.QuerySet[DataSharingAgreement]:
        return cls.objects.filter(withdrawn_at__isnull=True, valid_until__gte=today or timezone.localdate())


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
    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="uploads")
    owner = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="uploads")
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
    record = models.ForeignKey("data.DatasetRecord", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "dashboards_upload"  # the table keeps the name it had before the app was split off
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.state})"

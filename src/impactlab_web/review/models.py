"""Learning cycles and their phases, report versions (files under VAR_DIR), shares and review comments."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from impactlab_web.data.models import DatasetRecord
from impactlab_web.programmes.models import ImpactModelVersion, Programme


class CycleLocked(Exception):
    """A finished cycle (or an already frozen model version) cannot change."""


def _finished(cycle_id: int | None) -> bool:
    """Is the cycle finished *in the database* (not as an unsaved object in memory says)?"""
    return cycle_id is not None and Cycle.objects.filter(pk=cycle_id, status=Cycle.Status.FINISHED).exists()


class Cycle(models.Model):
    """One learning cycle of a programme: phases, a frozen model version, snapshots, reports, conclusions."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        RUNNING = "running", _("in progress")
        FINISHED = "finished", _("finished")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="cycles")
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=120)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    model_version = models.ForeignKey(ImpactModelVersion, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="cycles", verbose_name=_("frozen model version"))
    frozen_at = models.DateTimeField(null=True, blank=True)
    datasets = models.ManyToManyField(DatasetRecord, blank=True, related_name="cycles",
                                      verbose_name=_("dataset snapshots"))
    question = models.TextField(_("question"), blank=True)
    conclusions = models.TextField(_("conclusions"), blank=True)
    change_note = models.TextField(_("what changed since the previous cycle, and why"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "number"]
        constraints = [models.UniqueConstraint(fields=["programme", "number"], name="unique_cycle_number")]

    def __str__(self) -> str:
        return f"{self.programme} cycle {self.number}"

    @property
    def label(self) -> str:
        return f"{self.number} ({self.title})" if self.title else str(self.number)

    @property
    def frozen(self) -> bool:
        return self.model_version_id is not None

    def previous(self) -> Cycle | None:
        return self.programme.cycles.filter(number__lt=self.number).order_by("-number").first()

    @property
    def finished(self) -> bool:
        return self.status == self.Status.FINISHED

    def save(self, *args, **kwargs) -> None:
        """A finished cycle is read-only: no path (form, service, admin, shell) saves a change to it."""
        if not self._state.adding and _finished(self.pk):
            raise CycleLocked("a finished cycle cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if _finished(self.pk):
            raise CycleLocked("a finished cycle cannot be deleted")
        return super().delete(*args, **kwargs)


class Phase(models.Model):
    """A phase of a cycle: question and role articulation (problem analysis, fieldwork, analysis) and
    co-creation (reporting, sharing)."""

    class Kind(models.TextChoices):
        PROBLEM_ANALYSIS = "problem_analysis", _("Problem analysis")
        FIELDWORK = "fieldwork", _("Fieldwork")
        ANALYSIS = "analysis", _("Analysis")
        REPORTING = "reporting", _("Reporting")
        SHARING = "sharing", _("Sharing")

    class Status(models.TextChoices):
        TODO = "todo", _("to do")
        ACTIVE = "active", _("in progress")
        DONE = "done", _("done")

    ARTICULATION = (Kind.PROBLEM_ANALYSIS, Kind.FIELDWORK, Kind.ANALYSIS)
    CO_CREATION = (Kind.REPORTING, Kind.SHARING)
    ORDER = [*ARTICULATION, *CO_CREATION]

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.TODO)
    started = models.DateField(_("started"), null=True, blank=True)
    finished = models.DateField(_("finished"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["cycle", "position"]
        constraints = [models.UniqueConstraint(fields=["cycle", "kind"], name="unique_cycle_phase")]

    def __str__(self) -> str:
        return f"{self.cycle}: {self.kind} ({self.status})"

    @property
    def group(self) -> str:
        return "articulation" if self.kind in self.ARTICULATION else "co_creation"

    def save(self, *args, **kwargs) -> None:
        if _finished(self.cycle_id):
            raise CycleLocked("a finished cycle cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if _finished(self.cycle_id):
            raise CycleLocked("a finished cycle cannot change")
        return super().delete(*args, **kwargs)


@receiver(m2m_changed, sender=Cycle.datasets.through)
def _datasets_of_a_finished_cycle(sender, instance, action: str, **kwargs) -> None:
    """The snapshots a finished cycle used stay as they were (``cycle.datasets.set/add/remove/clear``)."""
    if action.startswith("pre_") and isinstance(instance, Cycle) and _finished(instance.pk):
        raise CycleLocked("a finished cycle cannot change")


class ReportVersion(models.Model):
    """One generated report of a cycle: a language, the model version it was made from, and its files."""

    class Status(models.TextChoices):
        PENDING = "pending", _("being generated")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    FORMATS = ("html", "pdf", "xlsx")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="reports")
    number = models.PositiveIntegerField()
    lang = models.CharField(_("language"), max_length=2, choices=[("nl", "Nederlands"), ("en", "English")])
    formats = models.JSONField(default=list)
    model_version = models.ForeignKey(ImpactModelVersion, on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    draws = models.PositiveIntegerField(default=100_000)
    seed = models.IntegerField(default=0)
    files = models.JSONField(default=dict, help_text="format -> file name in the report folder")
    summary = models.JSONField(default=dict, help_text="title, key figures, section and outcome outline")
    snapshots = models.JSONField(default=list, help_text="snapshot ids of the respondent data used")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "-number"]
        constraints = [models.UniqueConstraint(fields=["cycle", "number"], name="unique_report_number")]

    def __str__(self) -> str:
        return f"{self.cycle} report {self.number} ({self.lang})"

    def save(self, *args, **kwargs) -> None:
        """No new report version in a finished cycle (one already being made still gets its files)."""
        if self._state.adding and _finished(self.cycle_id):
            raise CycleLocked("a finished cycle cannot change")
        super().save(*args, **kwargs)

    @property
    def programme(self) -> Programme:
        return self.cycle.programme

    @property
    def folder(self) -> Path:
        """Where the files live: VAR_DIR/reports/<programme>/<cycle>/<report>/ (never in the database)."""
        return (Path(settings.VAR_DIR) / "reports" / str(self.cycle.programme_id) / str(self.cycle_id)
                / str(self.pk))

    def path(self, fmt: str) -> Path | None:
        name = self.files.get(fmt)
        return self.folder / name if name else None

    @property
    def has_respondent_data(self) -> bool:
        return bool(self.snapshots)

    def earlier(self) -> models.QuerySet[ReportVersion]:
        """Earlier report versions of the same programme (any cycle), newest first."""
        return ReportVersion.objects.filter(cycle__programme_id=self.cycle.programme_id,
                                            created_at__lt=self.created_at).exclude(pk=self.pk)


class Share(models.Model):
    """A report version shared with the programme's reviewers (by role) or one person (a personal link)."""

    class Kind(models.TextChoices):
        ROLE = "role", _("stakeholder reviewers of the programme")
        LINK = "link", _("personal link")

    report = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="shares")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(_("name of the reviewer"), max_length=120, blank=True)
    nonce = models.CharField(max_length=32, default="", blank=True)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        # one active share per report version and reviewer: the role's, or one personal link per name (any case)
        constraints = [models.UniqueConstraint(F("report"), F("kind"), Lower("name"),
                                               condition=Q(revoked_at__isnull=True), name="unique_active_share")]

    def __str__(self) -> str:
        return f"{self.report}: {self.kind} {self.name}"

    def save(self, *args, **kwargs) -> None:
        if self.kind == self.Kind.LINK and not self.nonce:
            self.nonce = secrets.token_urlsafe(16)
        super().save(*args, **kwargs)

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Comment(models.Model):
    """A reviewer's comment on a section or outcome of one report version (and so of one model version),
    or the team's answer to it (``parent``)."""

    class Target(models.TextChoices):
        SECTION = "section", _("section")
        OUTCOME = "outcome", _("outcome")

    class Verdict(models.TextChoices):
        NONE = "", _("comment only")
        AGREE = "agree", _("I recognise this outcome")
        DISAGREE = "disagree", _("I do not recognise this outcome")
        SUGGEST = "suggest", _("I suggest a change")

    report = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="comments")
    model_version = models.ForeignKey(ImpactModelVersion, on_delete=models.PROTECT, related_name="+")
    target = models.CharField(max_length=8, choices=Target.choices)
    target_id = models.CharField(max_length=120)
    verdict = models.CharField(_("verdict"), max_length=8, choices=Verdict.choices, blank=True, default="")
    text = models.TextField(_("comment"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    author_name = models.CharField(max_length=150)
    share = models.ForeignKey(Share, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author_name} on {self.target} {self.target_id}: {self.verdict or 'comment'}"

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


class Tombstone(models.Model):
    """What was removed from the data of a frozen or finished cycle, when and by whom: a snapshot, a whole
    dataset, or one respondent's rows (right to erasure; the snapshot was rewritten as ``replaced_by``).

    Written by ``impactlab_web.data.datalife`` in the transaction that removes the data; the cycle itself does not
    change (its snapshot list loses the deleted record), so a finished cycle stays read-only."""

    class Kind(models.TextChoices):
        SNAPSHOT = "snapshot", _("snapshot deleted")
        DATASET = "dataset", _("dataset deleted")
        ERASURE = "erasure", _("one respondent erased")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="tombstones")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    dataset = models.CharField(_("dataset"), max_length=64)
    snapshot_id = models.CharField(_("snapshot"), max_length=64)
    replaced_by = models.CharField(max_length=64, blank=True)
    rows = models.PositiveIntegerField(_("rows removed"), default=0)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    removed_by_name = models.CharField(max_length=150, blank=True)
    removed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "removed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.cycle}: {self.kind} {self.dataset} {self.snapshot_id[:12]}"

"""The web app's answers to "which model, which evidence, which disclosure rule" for a user in a programme.

Every page, job and export that values a model or shows respondent data asks here; the rules themselves live
in the core (``impactlab.evidence.rows.dataset_rows``, ``impactlab.evidence.disclosure.programme_policy``):

* ``version_for(user, programme)``: the model version whose figures this user sees: the latest version, draft
  included, for those who may see drafts (``permissions.Action.MODEL_DRAFTS``: those who may edit the model),
  the version published last for everyone else (None before anything is published), every version for the
  system itself; ``versions_for`` lists the versions a user may open, ``may_see`` asks about one;
  ``job_version`` names the version a background job computes figures of (the policy hides a job of a draft
  from those who may not see drafts: ``permissions.Policy.may_see_job``);
* ``usable_snapshots(user, programme)``: the snapshot ids the user may use under the data-sharing rules
  (``permissions.usable_datasets``); ``scope_for`` wraps them with the workspace for the core;
* ``policy_for(programme, version)``: the programme's disclosure rule (``IMPACTLAB_MIN_CELL``, raised by the
  model's ``valuation.min_cell``, never lowered; the strictest of the version shown, the latest and the published).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from impactlab.evidence.disclosure import DisclosurePolicy, programme_policy
from impactlab.evidence.rows import EvidenceScope
from impactlab_web.data.models import DatasetRecord
from impactlab_web.programmes.models import ImpactModelVersion, Programme


def installation_min_cell() -> int | None:
    """``settings.IMPACTLAB_MIN_CELL`` when set; None lets the core read the environment (default 10)."""
    value = getattr(settings, "IMPACTLAB_MIN_CELL", None)
    return None if value is None else int(value)


def sees_drafts(user: Any, programme: Programme) -> bool:
    """Does ``user`` see unpublished versions? Those who may edit the model do; None (the system itself) too."""
    from impactlab_web.core import permissions

    return user is None or permissions.can(user, permissions.Action.MODEL_DRAFTS, programme)


def version_for(user: Any, programme: Programme) -> ImpactModelVersion | None:
    """The model version whose figures ``user`` sees in ``programme`` (overview, editor, dashboard, charts,
    cycles, reports): the latest, draft or not, for those who see drafts; else the version published last."""
    return programme.latest_version() if sees_drafts(user, programme) else programme.published_version()


def versions_for(user: Any, programme: Programme) -> QuerySet[ImpactModelVersion]:
    """The versions ``user`` may open (list, show, compare, export): all, or those ever published."""
    versions = programme.versions.all()
    return versions if sees_drafts(user, programme) else versions.filter(published_at__isnull=False)


def may_see(user: Any, version: ImpactModelVersion) -> bool:
    """May ``user`` see this version's figures (a published one, or a draft for those who see drafts)?"""
    return not version.is_draft or sees_drafts(user, version.programme)


def job_version(job: Any) -> ImpactModelVersion | None:
    """The model version whose figures a job computes (a simulation, dashboard figures, a report), or None for a
    job of no saved version (an import, an export, a check of unsaved text)."""
    params = job.params or {}
    if job.kind == "simulate" and params.get("version") is not None:
        return ImpactModelVersion.objects.filter(programme_id=job.programme_id, number=params["version"]).first()
    if job.kind == "dashboard.figures" and params.get("version") is not None:
        return ImpactModelVersion.objects.filter(pk=params["version"]).first()
    if job.kind == "dashboard.simulate" and params.get("simulation") is not None:
        from impactlab_web.dashboards.models import Simulation

        found = Simulation.objects.filter(pk=params["simulation"]).select_related("version").first()
        return found.version if found is not None else None
    if job.kind == "report" and params.get("report") is not None:
        from impactlab_web.review.models import ReportVersion

        report = ReportVersion.objects.filter(pk=params["report"]).select_related("model_version").first()
        return report.model_version if report is not None else None
    return None


def policy_for(programme: Programme, version: ImpactModelVersion | None = None) -> DisclosurePolicy:
    """The programme's disclosure rule: the strictest of the version shown, the latest version and the one
    published. Fails closed: a draft that raises ``min_cell`` protects at once; a lower one waits until it is
    published and the latest version."""
    versions = {v.pk: v for v in (version, programme.latest_version(), programme.published_version()) if v}
    installation = installation_min_cell()
    policies = [programme_policy(v.document, installation) for v in versions.values()]
    return max(policies, key=lambda p: p.min_cell, default=programme_policy(None, installation))


def usable_snapshots(user: Any, programme: Programme) -> frozenset[str]:
    """Snapshot ids of the programme that ``user`` may use (own organisation's, or shared and still active)."""
    from impactlab_web.core import permissions

    if user is None:  # the system itself (demo seeding, maintenance commands): every snapshot of the programme
        return frozenset(DatasetRecord.objects.filter(programme=programme).values_list("snapshot_id", flat=True))
    return frozenset(permissions.usable_datasets(user, programme).values_list("snapshot_id", flat=True))


def scope_for(user: Any, programme: Programme, only: frozenset[str] | None = None) -> EvidenceScope:
    """The workspace and the snapshots ``user`` may use (narrowed to ``only`` when given), for the core."""
    allowed = usable_snapshots(user, programme)
    if only is not None:
        allowed &= only
    return EvidenceScope(settings.WORKSPACE_DIR, allowed, installation_min_cell())

"""The web app's answers to "which model, which evidence, which disclosure rule" for a user in a programme.

Every page, job and export that values a model or shows respondent data asks here; the rules themselves live
in the core (``impactlab.evidence.rows.dataset_rows``, ``impactlab.evidence.disclosure.programme_policy``):

* ``version_for(user, programme)``: the model version whose figures this user sees (one place to adapt when
  drafts and published versions are told apart);
* ``usable_snapshots(user, programme)``: the snapshot ids the user may use under the data-sharing rules
  (``permissions.usable_datasets``); ``scope_for`` wraps them with the workspace for the core;
* ``policy_for(programme, version)``: the programme's disclosure rule (``IMPACTLAB_MIN_CELL``, raised by the
  model's ``valuation.min_cell``, never lowered).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from impactlab.evidence.disclosure import DisclosurePolicy, programme_policy
from impactlab.evidence.rows import EvidenceScope
from impactlab_web.models import DatasetRecord, ImpactModelVersion, Programme


def installation_min_cell() -> int | None:
    """``settings.IMPACTLAB_MIN_CELL`` when set; None lets the core read the environment (default 10)."""
    value = getattr(settings, "IMPACTLAB_MIN_CELL", None)
    return None if value is None else int(value)


def version_for(user: Any, programme: Programme) -> ImpactModelVersion | None:
    """The model version whose figures ``user`` sees in ``programme`` (dashboard, charts, reports)."""
    return programme.latest_version()


def policy_for(programme: Programme, version: ImpactModelVersion | None = None) -> DisclosurePolicy:
    """The programme's disclosure rule, from the model version shown (default: the latest)."""
    version = version if version is not None else programme.latest_version()
    return programme_policy(version.document if version is not None else None, installation_min_cell())


def usable_snapshots(user: Any, programme: Programme) -> frozenset[str]:
    """Snapshot ids of the programme that ``user`` may use (own organisation's, or shared and still active)."""
    from impactlab_web import permissions

    if user is None:  # the system itself (demo seeding, maintenance commands): every snapshot of the programme
        return frozenset(DatasetRecord.objects.filter(programme=programme).values_list("snapshot_id", flat=True))
    return frozenset(permissions.usable_datasets(user, programme).values_list("snapshot_id", flat=True))


def scope_for(user: Any, programme: Programme, only: frozenset[str] | None = None) -> EvidenceScope:
    """The workspace and the snapshots ``user`` may use (narrowed to ``only`` when given), for the core."""
    allowed = usable_snapshots(user, programme)
    if only is not None:
        allowed &= only
    return EvidenceScope(settings.WORKSPACE_DIR, allowed, installation_min_cell())

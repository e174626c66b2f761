"""Bring evidence-based quantities into a model before it is valued (see impactlab.evidence.quantities)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from impactlab.model.schema import EvidenceQuantity, ImpactModel

if TYPE_CHECKING:
    from impactlab.evidence.rows import EvidenceScope


def has_evidence(model: ImpactModel) -> bool:
    return any(isinstance(o.quantity, EvidenceQuantity) for o in model.outcomes)


def with_evidence(model: ImpactModel, workspace: EvidenceScope | Path | str | None = None
                  ) -> tuple[ImpactModel, list[dict[str, Any]]]:
    """The model with evidence quantities resolved, and their trail.

    ``workspace`` is a folder (every snapshot in it: the command line) or an ``EvidenceScope`` (a folder and
    the snapshots the caller may use: the web app). Rows come from ``impactlab.evidence.rows.dataset_rows``.
    """
    if not has_evidence(model):
        return model, []
    from impactlab.evidence.disclosure import programme_policy
    from impactlab.evidence.quantities import resolve_evidence
    from impactlab.evidence.rows import EvidenceScope

    scope = EvidenceScope.of(workspace)
    return resolve_evidence(model, scope.store(), programme_policy(model, scope.min_cell), scope.allowed)

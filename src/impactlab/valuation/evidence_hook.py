"""Bring evidence-based quantities into a model before it is valued (see impactlab.evidence.quantities)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from impactlab.model.schema import EvidenceQuantity, ImpactModel


def has_evidence(model: ImpactModel) -> bool:
    return any(isinstance(o.quantity, EvidenceQuantity) for o in model.outcomes)


def with_evidence(model: ImpactModel, workspace: Path | str | None = None) -> tuple[ImpactModel, list[dict[str, Any]]]:
    """The model with evidence quantities resolved from the workspace's snapshots, and their trail."""
    if not has_evidence(model):
        return model, []
    from impactlab.evidence.quantities import resolve_evidence
    from impactlab.evidence.workspace import Workspace

    return resolve_evidence(model, Workspace(workspace).store())

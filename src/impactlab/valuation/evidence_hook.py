"""Bring evidence-based quantities into a model before it is valued (see impactlab.evidence)."""

from __future__ import annotations

from pathlib import Path

from impactlab.errors import UserError
from impactlab.model.schema import EvidenceQuantity, ImpactModel


def resolve_model_evidence(model: ImpactModel, model_path: Path | None = None) -> ImpactModel:
    """The model with every evidence quantity replaced by a number (with its range and trail)."""
    pending = [o.id for o in model.outcomes if isinstance(o.quantity, EvidenceQuantity)]
    if not pending:
        return model
    raise UserError(f"outcomes {', '.join(pending)} take their quantity from a dataset; "
                    "evidence resolution is not available in this version")

"""Learning cycles: creating them with their phases, freezing a model version, and comparing two cycles.

The comparison reuses ``modelling.compare`` (key figures and the YAML diff) and adds a structured diff of the
model documents: every assumption that changed, as (part, item, field, old, new).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from impactlab import parse_model
from impactlab.errors import UserError
from impactlab.valuation import value
from impactlab_web.programmes import modelling
from impactlab_web.programmes.models import ImpactModelVersion, Programme
from impactlab_web.review.models import Cycle, CycleLocked, Phase

__all__ = ["CycleLocked", "create_cycle", "finish", "freeze", "update_phase"]


@transaction.atomic
def create_cycle(programme: Programme, title: str, user: Any = None, question: str = "") -> Cycle:
    """The programme's next cycle with its five phases (all to do)."""
    Programme.objects.select_for_update().filter(pk=programme.pk).first()  # serialise cycle numbers
    last = programme.cycles.order_by("-number").values_list("number", flat=True).first() or 0
    cycle = Cycle.objects.create(programme=programme, number=last + 1, title=title[:120], question=question,
                                 created_by=user if user is not None and user.is_authenticated else None)
    Phase.objects.bulk_create([Phase(cycle=cycle, kind=kind, position=k) for k, kind in enumerate(Phase.ORDER)])
    return cycle


def freeze(cycle: Cycle, version: ImpactModelVersion | None = None) -> Cycle:
    """Freeze the model version the cycle works with (default: the published one). Only a published version
    is frozen: everyone who follows the cycle (partners, viewers) sees its figures, and a draft's are not
    results. A finished cycle keeps its version; a later save of the model makes a new version and never
    touches the frozen one."""
    if cycle.status == Cycle.Status.FINISHED:
        raise CycleLocked("a finished cycle keeps its model version")
    version = version or cycle.programme.published_version()
    if version is None or version.programme_id != cycle.programme_id:
        raise CycleLocked("the programme has no published model version to freeze")
    if version.is_draft:
        raise CycleLocked("a draft model version is not frozen: publish it first")
    cycle.model_version = version
    cycle.frozen_at = timezone.now()
    cycle.save(update_fields=["model_version", "frozen_at"])
    return cycle


def update_phase(phase: Phase, status: str, notes: str | None = None, started: dt.date | None = None,
                 finished: dt.date | None = None) -> Phase:
    """Set a phase's status (dates follow: started when it becomes active, finished when done)."""
    if phase.cycle.status == Cycle.Status.FINISHED:
        raise CycleLocked("a finished cycle cannot change")
    today = timezone.localdate()
    phase.status = status
    if status in (Phase.Status.ACTIVE, Phase.Status.DONE):
        phase.started = started or phase.started or today
    if status == Phase.Status.DONE:
        phase.finished = finished or phase.finished or today
    else:
        phase.finished = None
    if notes is not None:
        phase.notes = notes
    phase.save()
    cycle = phase.cycle
    if cycle.status == Cycle.Status.PLANNED and status != Phase.Status.TODO:
        cycle.status = Cycle.Status.RUNNING
        cycle.save(update_fields=["status"])
    return phase


def finish(cycle: Cycle) -> Cycle:
    """Close a cycle: it needs a frozen model version and every phase done."""
    if not cycle.frozen:
        raise CycleLocked("freeze a model version first")
    if cycle.phases.exclude(status=Phase.Status.DONE).exists():
        raise CycleLocked("every phase must be done")
    if cycle.status == Cycle.Status.FINISHED:
        return cycle
    cycle.status = Cycle.Status.FINISHED
    cycle.save(update_fields=["status"])
    return cycle


# --- comparison --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AssumptionChange:
    """One changed value of the model document: ``part`` (e.g. outcomes), ``item`` (its id), ``field``
    (a dotted path such as ``deadweight.base``), the old and the new value (None: absent)."""

    part: str
    item: str
    label: str
    field: str
    old: Any
    new: Any

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted paths; lists of scalars stay whole; None values are dropped."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if value is None:
        return {}
    return {prefix: value}


def _items(part: Any) -> dict[str, dict] | None:
    """A list of items with ids as a dict by id (None when the part is not such a list)."""
    if isinstance(part, list) and all(isinstance(x, dict) and "id" in x for x in part):
        return {str(x["id"]): x for x in part}
    return None


def _label(item: dict | None) -> str:
    if not item:
        return ""
    return str(item.get("description") or item.get("name") or item.get("id") or "")


def assumption_diff(old: dict[str, Any], new: dict[str, Any]) -> list[AssumptionChange]:
    """Every value that differs between two model documents, per part, item and field, in document order."""
    changes: list[AssumptionChange] = []
    for part in dict.fromkeys([*old, *new]):
        a, b = old.get(part), new.get(part)
        items_a, items_b = _items(a if a is not None else []), _items(b if b is not None else [])
        if items_a is not None and items_b is not None:
            for item in dict.fromkeys([*items_a, *items_b]):
                label = _label(items_b.get(item) or items_a.get(item))
                fa, fb = _flatten(items_a.get(item, {})), _flatten(items_b.get(item, {}))
                if item not in items_a or item not in items_b:
                    changes.append(AssumptionChange(part, item, label, "", fa or None, fb or None))
                    continue
                for field in dict.fromkeys([*fa, *fb]):
                    if fa.get(field) != fb.get(field):
                        changes.append(AssumptionChange(part, item, label, field, fa.get(field), fb.get(field)))
            continue
        fa, fb = _flatten(a, ""), _flatten(b, "")
        for field in dict.fromkeys([*fa, *fb]):
            if fa.get(field) != fb.get(field):
                changes.append(AssumptionChange(part, "", "", field, fa.get(field), fb.get(field)))
    return changes


@dataclass
class OutcomeChange:
    id: str
    description: str
    old: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old


@dataclass
class CycleComparison:
    old: Cycle
    new: Cycle
    versions: modelling.Comparison | None
    outcomes: list[OutcomeChange]
    assumptions: list[AssumptionChange]


def outcome_values(version: ImpactModelVersion) -> dict[str, tuple[str, float]]:
    """Present value per outcome of a stored version (a call into the core's valuation)."""
    try:
        result = value(parse_model(version.text))
    except UserError:
        return {}
    return {o.id: (o.description, float(o.present_value)) for o in result.outcomes}


def compare_cycles(old: Cycle, new: Cycle) -> CycleComparison:
    """Two cycles side by side: key figures, per-outcome present values and every changed assumption."""
    if not (old.model_version and new.model_version):
        return CycleComparison(old, new, None, [], [])
    versions = modelling.compare(old.model_version, new.model_version)
    before, after = outcome_values(old.model_version), outcome_values(new.model_version)
    outcomes = [OutcomeChange(k, (after.get(k) or before.get(k))[0], before.get(k, (None, None))[1],
                              after.get(k, (None, None))[1]) for k in dict.fromkeys([*before, *after])]
    changes = assumption_diff(document(old.model_version), document(new.model_version))
    return CycleComparison(old, new, versions, outcomes, changes)


def document(version: ImpactModelVersion) -> dict[str, Any]:
    """The model as a document in the order the core's schema gives (PostgreSQL's jsonb does not keep the
    stored document's key order, and a diff should read in the model's own order)."""
    try:
        return parse_model(version.text).model_dump(mode="json")
    except UserError:
        return version.document

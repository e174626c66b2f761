"""Evidence for a report: change statistics of a dataset snapshot, every figure through disclosure control."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from impactlab.errors import UserError
from impactlab.evidence.change import change_from_long
from impactlab.evidence.datasets import DatasetStore
from impactlab.evidence.disclosure import DisclosurePolicy
from impactlab.evidence.instruments import load_instrument, score
from impactlab.model.schema import ImpactModel


@dataclass
class DataSource:
    """One snapshot used by the report, its change statistics (already disclosure-controlled) and outcome."""

    dataset: str
    snapshot_id: str
    source_name: str
    instrument: str | None
    instrument_name: str | None
    pre_wave: str
    post_wave: str
    rows: int | None
    change: dict[str, Any]
    outcome: str | None = None
    by: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_pairs(self) -> int | None:
        return self.change.get("n_pairs")

    @property
    def suppressed(self) -> bool:
        return bool(self.change.get("suppressed"))


def _match_outcome(model: ImpactModel, instrument_id: str) -> str | None:
    """The outcome whose indicator or description names the instrument (e.g. 'DJG-11'), if exactly one."""
    hits = [o.id for o in model.outcomes
            if instrument_id.lower() in f"{o.indicator or ''} {o.description}".lower()]
    return hits[0] if len(hits) == 1 else None


def _waves(frame: pl.DataFrame) -> tuple[str, str]:
    waves = sorted(str(w) for w in frame["wave"].drop_nulls().unique().to_list())
    if len(waves) < 2:
        raise UserError(f"the dataset has {len(waves)} wave(s) ({', '.join(waves) or 'none'}); "
                        "change needs two (e.g. T0 and T1)")
    return waves[0], waves[-1]


def source_from_frame(frame: pl.DataFrame, *, dataset: str, snapshot_id: str, source_name: str,
                      instrument_id: str, model: ImpactModel, policy: DisclosurePolicy,
                      outcome: str | None = None, by: str | None = None) -> DataSource:
    """Score ``frame`` (columns respondent, wave, the instrument's items) and compute its change."""
    if outcome is not None and outcome not in {o.id for o in model.outcomes}:
        raise UserError(f"--data names outcome {outcome!r}, which is not in the model "
                        f"(outcomes: {', '.join(o.id for o in model.outcomes)})")
    instrument = load_instrument(instrument_id)
    scored = score(instrument, frame, invalid="missing")
    reliability = next((r.value for r in instrument.reliability if r.score == "total"), None)
    pre, post = _waves(scored)
    change = change_from_long(
        scored, id="respondent", wave="wave", score=instrument.id, pre=pre, post=post, by=by,
        reliability=reliability, higher_is_better=bool(instrument.scoring.higher_is_better), policy=policy,
    )
    rows = frame.height if policy.allows(frame.height) else None
    return DataSource(dataset, snapshot_id, source_name, instrument.id, instrument.name.en or instrument.id,
                      pre, post, rows, change, outcome or _match_outcome(model, instrument.id), by)


def source_from_store(store: DatasetStore, reference: str, model: ImpactModel,
                      policy: DisclosurePolicy | None = None) -> DataSource:
    """A snapshot named ``name``, ``name@id`` or ``name=outcome_id`` (to tie it to one outcome)."""
    name, _, outcome = reference.partition("=")
    info = store.get(name)
    instrument_id = info.mapping.get("instrument")
    if not instrument_id:
        raise UserError(f"dataset {info.dataset}: its mapping names no instrument, so no score can be computed")
    groups = [g for g in info.mapping.get("group", []) if g != "group"]
    return source_from_frame(
        store.read(name), dataset=info.dataset, snapshot_id=info.snapshot_id, source_name=info.source.name,
        instrument_id=instrument_id, model=model, policy=policy or DisclosurePolicy(model.valuation.min_cell),
        outcome=outcome or None, by=groups[0] if groups else None,
    )

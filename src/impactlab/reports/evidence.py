"""Evidence for a report: change statistics of a dataset snapshot, every figure through disclosure control."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from impactlab.errors import UserError
from impactlab.evidence.change import change_from_long
from impactlab.evidence.datasets import DatasetStore
from impactlab.evidence.disclosure import DisclosurePolicy
from impactlab.evidence.instruments import score
from impactlab.evidence.scored import RESPONDENT, WAVE, score_spec, scored_frame
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
    rows: int | None  # distinct respondents (None when below min_cell)
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
    """Change statistics of ``frame`` (columns respondent, wave and the instrument's items or score)."""
    if outcome is not None and outcome not in {o.id for o in model.outcomes}:
        raise UserError(f"--data names outcome {outcome!r}, which is not in the model "
                        f"(outcomes: {', '.join(o.id for o in model.outcomes)})")
    spec = score_spec(instrument_id)
    scored = frame if spec.column in frame.columns else score(spec.instrument, frame, invalid="missing")
    pre, post = _waves(scored)
    change = change_from_long(
        scored, id=RESPONDENT, wave=WAVE, score=spec.column, pre=pre, post=post, by=by,
        reliability=spec.reliability, higher_is_better=spec.higher_is_better, norms=spec.norms, policy=policy,
    )
    people = frame[RESPONDENT].n_unique()  # respondents, not rows: one row per wave would double them
    rows = people if policy.allows(people) else None
    instrument = spec.instrument
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
    frame, info = scored_frame(store, name, score_spec(instrument_id))
    groups = [g for g in info.mapping.get("group", []) if g != "group"]
    return source_from_frame(
        frame, dataset=info.dataset, snapshot_id=info.snapshot_id, source_name=info.source.name,
        instrument_id=instrument_id, model=model, policy=policy or DisclosurePolicy(model.valuation.min_cell),
        outcome=outcome or None, by=groups[0] if groups else None,
    )

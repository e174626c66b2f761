"""Evidence for a report: change statistics of a dataset snapshot, every figure through disclosure control."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from impactlab.errors import UserError
from impactlab.evidence.change import WaveChange, change_from_long
from impactlab.evidence.datasets import DatasetStore
from impactlab.evidence.disclosure import DisclosurePolicy, programme_policy
from impactlab.evidence.instruments import score
from impactlab.evidence.rows import DatasetRows, dataset_rows
from impactlab.evidence.scored import RESPONDENT, WAVE, score_spec
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
    change: WaveChange
    outcome: str | None = None
    by: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_pairs(self) -> int | None:
        return self.change.overall.n_pairs

    @property
    def suppressed(self) -> bool:
        return self.change.suppressed


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


def source_from_rows(rows: DatasetRows, instrument_id: str, model: ImpactModel, policy: DisclosurePolicy,
                     outcome: str | None = None) -> DataSource:
    """Change statistics of a dataset's rows (``impactlab.evidence.rows.dataset_rows``) with one instrument,
    broken down by the first group column its mappings name."""
    spec = score_spec(instrument_id)
    groups = rows.groups()
    return source_from_frame(
        rows.scored(spec.instrument, spec.column), dataset=rows.dataset, snapshot_id="+".join(rows.snapshot_ids),
        source_name=", ".join(rows.source_names), instrument_id=instrument_id, model=model, policy=policy,
        outcome=outcome, by=groups[0] if groups else None,
    )


def source_from_store(store: DatasetStore, reference: str, model: ImpactModel,
                      policy: DisclosurePolicy | None = None, allowed: Iterable[str] | None = None) -> DataSource:
    """A dataset named ``name`` (its snapshots), ``name@id`` (one snapshot) or ``name=outcome_id`` (to tie it to
    one outcome). The instrument is the one the newest snapshot's mapping names."""
    name, _, outcome = reference.partition("=")
    rows = dataset_rows(store, name, allowed)
    instruments = rows.instruments()
    if not instruments:
        raise UserError(f"dataset {rows.dataset}: its mapping names no instrument, so no score can be computed")
    return source_from_rows(rows, instruments[0], model, policy or programme_policy(model), outcome or None)


def sources_from_snapshots(store: DatasetStore, snapshot_ids: Iterable[str], model: ImpactModel,
                           policy: DisclosurePolicy | None = None) -> list[DataSource]:
    """Change statistics of every dataset among these snapshots (read together per dataset name, newest
    snapshot winning per respondent and wave), one source per instrument their mappings name."""
    allowed = frozenset(snapshot_ids)
    infos = [info for info in store.list() if info.snapshot_id in allowed]  # ids not in the store give no rows
    names = sorted({i.dataset for i in infos if i.mapping.get("instrument")})  # surveys, not registrations
    policy = policy or programme_policy(model)
    sources = []
    for name in names:
        rows = dataset_rows(store, name, allowed)
        sources += [source_from_rows(rows, instrument, model, policy) for instrument in rows.instruments()]
    return sources

"""Scores of an instrument in a dataset snapshot, and what the instrument says about its score.

The bridge between snapshots (rows per respondent and wave), the instrument library (scoring,
direction, reliability, norms) and the statistics of change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl

from impactlab.errors import UserError
from impactlab.evidence.datasets import ColumnInfo, DatasetStore, SnapshotInfo
from impactlab.evidence.instruments import Instrument, load_instrument, score
from impactlab.evidence.rows import RESPONDENT, WAVE, DatasetRows, dataset_rows

__all__ = ["RESPONDENT", "WAVE", "ScoreSpec", "score_spec", "scored_frame", "write_scored"]


@dataclass(frozen=True)
class ScoreSpec:
    """One score of an instrument: its column name and what is known about it."""

    instrument: Instrument
    column: str
    higher_is_better: bool
    reliability: float | None
    norms: dict[str, dict[str, float]] | None

    @property
    def score_name(self) -> str:
        return self.column.split(".", 1)[1] if "." in self.column else "total"


def score_spec(instrument: Instrument | str, score_name: str | None = None) -> ScoreSpec:
    """The total (or the named subscale) of an instrument, with direction, reliability and norms."""
    if isinstance(instrument, str):
        instrument = load_instrument(instrument)
    names = instrument.score_names()
    name = score_name or ("total" if "total" in names else None)
    if name is None or name not in names:
        raise UserError(f"instrument {instrument.id} has scores {', '.join(names)}: name one with --score")
    if name == "total":
        column, higher = instrument.id, instrument.scoring.higher_is_better
    else:
        column = f"{instrument.id}.{name}"
        higher = next(s.higher_is_better for s in instrument.subscales if s.id == name)
    reliability = next((r.value for r in instrument.reliability if r.score == name), None)
    norms = {n.kind: {"mean": n.mean, "sd": n.sd} for n in instrument.norms
             if n.score == name and n.kind in ("functional", "dysfunctional") and n.sd}
    return ScoreSpec(instrument, column, bool(higher), reliability, norms or None)


def snapshot_format(info: SnapshotInfo, instrument: Instrument) -> str | None:
    """The answer format the snapshot's mapping declared for this instrument (None: the default)."""
    mapping = info.mapping or {}
    return mapping.get("answer_format") if mapping.get("instrument") == instrument.id else None


def score_snapshot(frame: pl.DataFrame, info: SnapshotInfo, instrument: Instrument | str) -> pl.DataFrame:
    """One snapshot's rows with the instrument's scores, in the answer format its own mapping declared.

    Score each snapshot before combining several: one may hold three-point and another five-point answers.
    """
    if isinstance(instrument, str):
        instrument = load_instrument(instrument)
    if instrument.id in frame.columns or not all(i.code in frame.columns for i in instrument.items):
        return frame
    return score(instrument, frame, invalid="missing", answer_format=snapshot_format(info, instrument))


def scored_frame(store: DatasetStore, dataset: str, spec: ScoreSpec,
                 allowed: Iterable[str] | None = None) -> tuple[pl.DataFrame, DatasetRows]:
    """The dataset's rows (``impactlab.evidence.rows.dataset_rows``: the snapshots the caller may use, newest
    snapshot wins per respondent and wave) with the score column."""
    rows = dataset_rows(store, dataset, allowed)
    return rows.scored(spec.instrument, spec.column), rows


def write_scored(store: DatasetStore, dataset: str, instrument: Instrument | str) -> tuple[SnapshotInfo, bool]:
    """A new snapshot of ``dataset``: its latest rows plus every score of the instrument."""
    if isinstance(instrument, str):
        instrument = load_instrument(instrument)
    info = store.get(dataset)
    frame = store.read(dataset)
    scored = score(instrument, frame, invalid="missing", answer_format=snapshot_format(info, instrument))
    added = [c for c in scored.columns if c not in frame.columns]
    columns = [*info.columns, *(ColumnInfo(name=c, type=str(scored.schema[c]), role="score",
                                           label=f"{instrument.id} score") for c in added)]
    meta: dict[str, Any] = info.model_dump(include={"source", "rows", "mapping", "mapping_sha256", "key_version"})
    meta["warnings"] = [*info.warnings, f"scores of {instrument.id} added to snapshot {info.short_id}"]
    return store.write(info.dataset, scored, None, columns=columns, derived_from=info.snapshot_id,
                       derivation=f"score {instrument.id}", **meta)

"""Which rows of which snapshots make up a dataset for an analysis: the one definition.

Every path that reads respondent data for an analysis (the CLI's ``change`` and ``value``, evidence
quantities, report evidence, the web dashboards and reports) calls :func:`dataset_rows`; none reads
snapshots on its own. The policy, stated once:

* **Which snapshots.** A dataset *name* means every snapshot of that name that the caller may use
  (``allowed``: a set of snapshot ids; ``None`` means every snapshot in the store, which is what the
  command line uses for its own workspace; the web app passes the snapshots the user may use under the
  data-sharing rules). ``name@id`` or a bare snapshot id (6+ characters) names exactly that snapshot, and
  only if it is allowed.
* **Which rows.** Rows are keyed by respondent and wave. Within one snapshot a key occurs at most once
  (the importer sets duplicates apart); a snapshot holding a key twice is refused with a message. Across
  snapshots the **newest snapshot wins** for a repeated key (snapshots ordered by creation time, then
  id): a re-import (a corrected file, a changed mapping, scores added) replaces the rows it holds, and the
  rows it does not hold stay as the older snapshots have them. How many rows were replaced is reported
  (``DatasetRows.replaced``, ``describe()``). Rows without a respondent id are kept as they are.
* **Which score.** :meth:`DatasetRows.scored` adds an instrument's score, computed from the items for the
  rows of every snapshot that does not already hold that score column.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from impactlab.errors import UserError
from impactlab.evidence.datasets import DATASET_NAME, DatasetStore, SnapshotInfo

RESPONDENT, WAVE = "respondent", "wave"
_SNAPSHOT = "\x00impactlab.snapshot"  # a column name no imported file can carry


@dataclass(frozen=True)
class EvidenceScope:
    """Where an analysis reads evidence: a workspace folder and the snapshots the caller may use.

    ``allowed=None`` means every snapshot in the workspace (the command line); the web app passes the
    snapshot ids the user may use. ``min_cell`` is the installation's minimum cell size (None: the
    ``IMPACTLAB_MIN_CELL`` environment variable, default 10).
    """

    root: Path
    allowed: frozenset[str] | None = None
    min_cell: int | None = None

    @classmethod
    def of(cls, workspace: EvidenceScope | Path | str | None) -> EvidenceScope:
        if isinstance(workspace, EvidenceScope):
            return workspace
        from impactlab.evidence.workspace import Workspace

        return cls(Workspace(workspace).root)

    def store(self) -> DatasetStore:
        return DatasetStore(self.root / "datasets")


@dataclass
class DatasetRows:
    """The rows of one dataset for one analysis, and where they came from."""

    dataset: str
    snapshots: list[SnapshotInfo]  # the snapshots that supply rows, oldest first
    frame: pl.DataFrame  # one row per respondent and wave (plus rows without an id); internal column dropped
    replaced: int = 0  # rows of older snapshots replaced by a newer snapshot's row for the same key
    _tagged: pl.DataFrame | None = field(default=None, repr=False)

    @property
    def snapshot_ids(self) -> list[str]:
        return [info.snapshot_id for info in self.snapshots]

    @property
    def latest(self) -> SnapshotInfo:
        return self.snapshots[-1]

    @property
    def source_names(self) -> list[str]:
        return list(dict.fromkeys(info.source.name for info in self.snapshots))

    def instruments(self) -> list[str]:
        """The instruments the snapshots' mappings name, newest snapshot first."""
        names = [info.mapping.get("instrument") for info in reversed(self.snapshots)]
        return list(dict.fromkeys(n for n in names if n))

    def groups(self) -> list[str]:
        """Group columns the mappings name (newest snapshot first), other than the generic 'group'."""
        found = [g for info in reversed(self.snapshots) for g in info.mapping.get("group", []) or []]
        return [g for g in dict.fromkeys(found) if g in self.frame.columns]

    @property
    def label(self) -> str:
        """``name snapshot abc123def456`` or ``name snapshots abc…, def…`` for trails and messages."""
        ids = ", ".join(info.short_id for info in self.snapshots)
        return f"{self.dataset} snapshot{'s' if len(self.snapshots) > 1 else ''} {ids}"

    def describe(self) -> str:
        text = f"{self.label}: {self.frame.height} rows"
        if self.replaced:
            text += f" ({self.replaced} rows of older snapshots replaced by newer ones)"
        return text

    def scored(self, instrument, column: str) -> pl.DataFrame:
        """The rows with the instrument's score ``column``: taken from snapshots that hold it, else computed."""
        from impactlab.evidence.instruments import load_instrument, score
        from impactlab.evidence.scored import snapshot_format

        if isinstance(instrument, str):
            instrument = load_instrument(instrument)

        tagged = self._tagged if self._tagged is not None else self.frame.with_columns(pl.lit(0).alias(_SNAPSHOT))
        holding = [k for k, info in enumerate(self.snapshots) if column in {c.name for c in info.columns}]
        if column in tagged.columns and len(holding) == len(self.snapshots):
            return tagged.drop(_SNAPSHOT)
        parts = []
        for k in range(len(self.snapshots)):
            part = tagged.filter(pl.col(_SNAPSHOT) == k)
            if k not in holding or column not in part.columns:
                part = score(instrument, part.drop([c for c in (column,) if c in part.columns]), invalid="missing",
                             answer_format=snapshot_format(self.snapshots[k], instrument))  # its own format
            parts.append(part)
        return pl.concat(parts, how="diagonal_relaxed").sort(_SNAPSHOT, maintain_order=True).drop(_SNAPSHOT)


def select_snapshots(store: DatasetStore, reference: str, allowed: Iterable[str] | None = None) -> list[SnapshotInfo]:
    """The snapshots a dataset reference means for a caller who may use ``allowed`` (None: all), oldest first."""
    permitted = None if allowed is None else set(allowed)
    name, _, ref = reference.partition("@")
    if not ref and DATASET_NAME.match(name) and (store.root / name).is_dir():
        infos = [i for i in store.list(name) if permitted is None or i.snapshot_id in permitted]
        if infos:
            return infos
        if permitted is None or not store.list(name):
            raise UserError(f"dataset {name!r} has no snapshots in {store.root}.")
        raise UserError(f"dataset {name!r}: none of its snapshots is available to you (data-sharing agreements).")
    try:
        info = store.get(reference)
    except UserError:
        if permitted is not None:  # never say more about data the caller may not use
            raise UserError(f"no dataset or snapshot {reference!r} available to you.") from None
        raise
    if permitted is not None and info.snapshot_id not in permitted:
        raise UserError(f"no dataset or snapshot {reference!r} available to you.")
    return [info]


def dataset_rows(store: DatasetStore, reference: str, allowed: Iterable[str] | None = None) -> DatasetRows:
    """The rows of dataset ``reference`` for an analysis: see the module's policy (newest snapshot wins)."""
    infos = sorted(select_snapshots(store, reference, allowed), key=lambda i: (i.created, i.snapshot_id))
    parts = []
    for k, info in enumerate(infos):
        frame = pl.read_parquet(store.path(info))
        missing = [c for c in (RESPONDENT, WAVE) if c not in frame.columns]
        if missing:
            raise UserError(f"dataset {info.dataset}, snapshot {info.short_id}: no column "
                            f"{' or '.join(repr(c) for c in missing)}; import it with a mapping that names "
                            "the respondent id and the wave")
        keyed = frame.filter(pl.col(RESPONDENT).is_not_null())
        twice = keyed.group_by(RESPONDENT, WAVE).len().filter(pl.col("len") > 1)
        if twice.height:
            raise UserError(f"dataset {info.dataset}, snapshot {info.short_id}: {twice.height} respondent(s) have "
                            "more than one row for a wave; import the file again so that duplicates are set apart")
        parts.append(frame.with_columns(pl.col(WAVE).cast(pl.String), pl.lit(k).alias(_SNAPSHOT)))
    tagged = pl.concat(parts, how="diagonal_relaxed") if len(parts) > 1 else parts[0]
    replaced = 0
    if len(parts) > 1:
        keyed = tagged.filter(pl.col(RESPONDENT).is_not_null())
        newest = keyed.sort(_SNAPSHOT, maintain_order=True).unique([RESPONDENT, WAVE], keep="last",
                                                                    maintain_order=True)
        replaced = keyed.height - newest.height
        tagged = pl.concat([newest, tagged.filter(pl.col(RESPONDENT).is_null())], how="vertical_relaxed")
        tagged = tagged.sort(_SNAPSHOT, maintain_order=True)
    # the snapshots that supply rows: one whose every row a newer snapshot replaced is not part of the figures
    used = sorted(set(tagged[_SNAPSHOT].unique().to_list())) if tagged.height else [len(infos) - 1]
    renumber = {old: new for new, old in enumerate(used)}
    tagged = tagged.with_columns(pl.col(_SNAPSHOT).replace_strict(renumber, default=0))
    return DatasetRows(infos[0].dataset, [infos[k] for k in used], tagged.drop(_SNAPSHOT), replaced, tagged)


def evidence_fingerprint(references: Iterable[str], store: DatasetStore, allowed: Iterable[str] | None,
                         instruments: Iterable[str] = ()) -> dict[str, object]:
    """What figures computed from these dataset references depend on: the snapshot ids each resolves to
    (metadata only, no data read) and a hash of each instrument definition. Part of a cache key."""
    allowed = None if allowed is None else frozenset(allowed)
    snapshots = {}
    for reference in sorted(set(references)):
        try:
            snapshots[reference] = [i.snapshot_id for i in select_snapshots(store, reference, allowed)]
        except UserError as error:
            snapshots[reference] = ["missing", *error.messages]
    return {"snapshots": snapshots, "instruments": {i: instrument_hash(i) for i in sorted(set(instruments))}}


def instrument_hash(instrument_id: str) -> str:
    """A hash of an instrument's definition (scoring, reliability, norms): changes when the definition does."""
    from impactlab.evidence.instruments import load_instrument

    try:
        data = load_instrument(instrument_id).model_dump(mode="json")
    except UserError as error:
        return "missing: " + "; ".join(error.messages)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


"""Removing data: a snapshot's files, and one respondent from snapshots (the right to erasure, GDPR art. 17).

Snapshots are immutable: erasing a respondent writes a new snapshot of each affected one without their rows
(`derived_from` names the old snapshot, `derivation` says why) and then deletes the old files. The respondent
is named by their id as it stood in the source file; the workspace key turns it into the pseudonym the
snapshots hold, so the id itself is never stored. Nothing is half-done: every new snapshot is written before
any old file is deleted, and a failure removes the new ones again. Quarantined (set-aside) rows hold the same
pseudonym and go too; the new data file names the snapshot it was derived from (``DERIVED_FROM``), so its id (the
sha256 of the data file) differs from the old one even when only quarantined rows were removed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from impactlab.errors import UserError
from impactlab.evidence.datasets import DatasetStore, SnapshotInfo
from impactlab.io.pseudonymise import normalise_id, pseudonym_series, pseudonyms

RESPONDENT = "respondent"
# the columns that name the respondent: `respondent` (imports, questionnaire exports), `client` (support registrations)
RESPONDENT_COLUMNS = (RESPONDENT, "client")
DERIVATION = "erasure of one respondent (GDPR art. 17)"
DERIVED_FROM = "impactlab.derived_from"  # Parquet metadata of a rewritten data file: the old snapshot id


def pseudonym_of(raw_id: str, key: bytes) -> str:
    """The pseudonym that an import with this key gave to the id `raw_id` (normalised as at import)."""
    text = str(raw_id).strip()
    if not text:
        raise UserError("Give the respondent's id as it stands in the source file.")
    normalised = pl.DataFrame({"id": [text]}).select(normalise_id("id")).to_series()
    return pseudonyms(normalised, key)[0]


def matching_ids(ids: Iterable[str], pseudonym: str, key: bytes) -> set[str]:
    """The ids among these that an import with this key turns into `pseudonym` (e.g. the respondent keys of
    stored questionnaire answers, or the client codes of registrations, before they are exported)."""
    values = sorted(set(ids))
    if not values:
        return set()
    codes = pseudonym_series(pl.DataFrame({"id": values}, schema={"id": pl.String}), "id", key)
    return {value for value, code in zip(values, codes.to_list(), strict=True) if code == pseudonym}


def delete_snapshot(store: DatasetStore, snapshot_id: str) -> SnapshotInfo:
    """Delete a snapshot's files (data, quarantine, metadata last-but-first: the metadata goes first, so a
    crash halfway leaves no snapshot that names missing files)."""
    info = store.get(snapshot_id)
    folder = store.root / info.dataset
    for name in (f"{info.snapshot_id}.json", info.data_file, info.quarantine_file):
        if name:
            (folder / name).unlink(missing_ok=True)
    return info


def _without(rows: pl.DataFrame, pseudonym: str) -> pl.DataFrame:
    """These rows without those holding `pseudonym` in a respondent column (all of them without one)."""
    columns = [c for c in RESPONDENT_COLUMNS if c in rows.columns]
    return rows.filter(*[pl.col(c).ne_missing(pseudonym) for c in columns]) if columns else rows


def _height(rows: pl.DataFrame | None) -> int:
    return 0 if rows is None else rows.height


@dataclass
class Erasure:
    """What an erasure did: old snapshot id -> new snapshot id, and how many rows went."""

    replaced: dict[str, str] = field(default_factory=dict)
    rows_removed: int = 0

    @property
    def found(self) -> bool:
        return self.rows_removed > 0


def _count(path: Path, pseudonym: str) -> int:
    """Rows of this Parquet file that hold `pseudonym` (0 without a respondent column); reads those columns only."""
    columns = [c for c in RESPONDENT_COLUMNS if c in pl.read_parquet_schema(path)]
    if not columns:
        return 0
    held = pl.any_horizontal(*[pl.col(c).eq_missing(pseudonym) for c in columns])
    return int(pl.scan_parquet(path).filter(held).select(pl.len()).collect().item())


def matching_rows(store: DatasetStore, pseudonym: str, snapshot_ids: Iterable[str]) -> dict[str, int]:
    """How many rows of each of these snapshots, quarantined rows included, hold `pseudonym` (the rows
    ``erase_respondent`` removes); snapshots without any are left out."""
    found: dict[str, int] = {}
    for snapshot_id in snapshot_ids:
        info = store.get(snapshot_id)
        count = _count(store.path(info), pseudonym)
        if info.quarantine_file:
            count += _count(store.root / info.dataset / info.quarantine_file, pseudonym)
        if count:
            found[info.snapshot_id] = count
    return found


def erase_respondent(store: DatasetStore, pseudonym: str, snapshot_ids: Iterable[str],
                     delete_old: bool = True) -> Erasure:
    """Rewrite each of these snapshots that holds `pseudonym` (in its rows or its quarantined rows) without
    those rows; delete the old files.

    With ``delete_old`` false the old snapshots stay until the caller deletes them (``delete_snapshot``), e.g.
    once the records that name the new ones are committed."""
    result = Erasure()
    planned: list[tuple[SnapshotInfo, pl.DataFrame, pl.DataFrame | None, int]] = []
    for snapshot_id in snapshot_ids:
        info = store.get(snapshot_id)
        data = store.read(info.snapshot_id)
        keep = _without(data, pseudonym)
        quarantine = store.read_quarantine(info.snapshot_id)
        kept_aside = None if quarantine is None else _without(quarantine, pseudonym)
        removed = data.height - keep.height + _height(quarantine) - _height(kept_aside)
        if removed:
            planned.append((info, keep, kept_aside, removed))
    written: list[tuple[SnapshotInfo, bool]] = []
    try:
        for info, keep, quarantine, removed in planned:
            metadata = {k: v for k, v in pl.read_parquet_metadata(store.path(info)).items()
                        if not k.startswith("ARROW:")} | {DERIVED_FROM: info.snapshot_id}
            rows = info.rows.model_copy(update={"imported": keep.height,
                                                "quarantined": 0 if quarantine is None else quarantine.height})
            meta = info.model_dump(exclude={"dataset", "snapshot_id", "created", "data_file", "quarantine_file",
                                            "rows", "derived_from", "derivation", "impactlab_version"})
            new, created = store.write(info.dataset, keep, quarantine, parquet_metadata=metadata,
                                        rows=rows, derived_from=info.snapshot_id, derivation=DERIVATION, **meta)
            written.append((new, created))
            result.replaced[info.snapshot_id] = new.snapshot_id
            result.rows_removed += removed
    except BaseException:
        for new, created in written:
            if created:
                with contextlib.suppress(UserError):
                    delete_snapshot(store, new.snapshot_id)
        raise
    if delete_old:
        for info, *_rest in planned:
            delete_snapshot(store, info.snapshot_id)
    return result

"""The snapshot store: each import becomes an immutable Parquet file plus JSON metadata.

Layout: `<datasets>/<name>/<snapshot_id>.parquet`, `<snapshot_id>.json` and, when rows were set
apart, `<snapshot_id>.quarantine.parquet`. The snapshot id is the sha256 of the Parquet bytes.
Files are written to a temporary name and hard-linked into place, so a file is never overwritten
and a crash leaves no half snapshot: a snapshot exists once its JSON (written last) exists.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel, Field

from impactlab import __version__
from impactlab.errors import UserError

DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_ID_PREFIX = 6
READ_ONLY = 0o444


class ColumnInfo(BaseModel):
    """One snapshot column: type, role in the mapping, source column and SPSS-style labels."""

    name: str
    type: str
    role: str
    source: str | None = None
    label: str | None = None
    value_labels: dict[str, str] = Field(default_factory=dict)
    missing_codes: list[Any] = Field(default_factory=list)


class SourceInfo(BaseModel):
    """The file a snapshot came from (its name only, never its full path)."""

    name: str
    sha256: str
    size: int
    format: str
    survey_tool: str | None = None


class RowCounts(BaseModel):
    read: int
    imported: int
    quarantined: int


class SnapshotInfo(BaseModel):
    """The metadata of one snapshot, stored as `<snapshot_id>.json` beside its Parquet file."""

    dataset: str
    snapshot_id: str
    created: datetime
    source: SourceInfo
    rows: RowCounts
    columns: list[ColumnInfo]
    mapping: dict[str, Any]
    mapping_sha256: str
    key_version: str
    data_file: str
    quarantine_file: str | None = None
    warnings: list[str] = Field(default_factory=list)
    derived_from: str | None = None
    derivation: str | None = None
    impactlab_version: str = __version__

    @property
    def short_id(self) -> str:
        return self.snapshot_id[:12]


def check_dataset_name(name: str) -> str:
    """A dataset name is a folder name: letters, digits, `_ . -`, at most 64 characters."""
    if not DATASET_NAME.match(name):
        raise UserError(f"dataset name {name!r} is not valid: use letters, digits, '_', '.' or '-' (at most 64).")
    return name


class DatasetStore:
    """Immutable snapshots under one folder."""

    def __init__(self, root: Path):
        self.root = Path(root)

    # ----- reading -----
    def list(self, dataset: str | None = None) -> list[SnapshotInfo]:
        """All snapshots (of one dataset, if named), oldest first."""
        infos = [self._load(path) for path in self._metadata_files(dataset)]
        return sorted(infos, key=lambda info: (info.dataset, info.created, info.snapshot_id))

    def datasets(self) -> list[str]:
        return sorted({info.dataset for info in self.list()})

    def latest(self, name: str) -> SnapshotInfo:
        """The newest snapshot of a dataset."""
        infos = self.list(name) if DATASET_NAME.match(name) else []
        if not infos:
            known = ", ".join(self.datasets()) or "none yet"
            raise UserError(f"no dataset named {name!r} in {self.root} (datasets: {known}).")
        return infos[-1]

    def get(self, name_or_id: str) -> SnapshotInfo:
        """A dataset name (its latest snapshot), `name@id`, or a snapshot id (or a prefix of 6+ chars)."""
        name, _, ref = name_or_id.partition("@")
        if not ref:
            if DATASET_NAME.match(name) and (self.root / name).is_dir() and self.list(name):
                return self.latest(name)
            name, ref = "", name_or_id
        candidates = self.list(name or None)
        ref = ref.lower()
        matches = [i for i in candidates if i.snapshot_id.startswith(ref)] if len(ref) >= MIN_ID_PREFIX else []
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise UserError(f"snapshot id {ref!r} is ambiguous: give more characters.")
        raise UserError(f"no dataset or snapshot {name_or_id!r} in {self.root}.")

    def path(self, info: SnapshotInfo) -> Path:
        return self.root / info.dataset / info.data_file

    def scan(self, name_or_id: str) -> pl.LazyFrame:
        """A lazy scan of a snapshot, for Polars queries that never load the whole file."""
        return pl.scan_parquet(self.path(self.get(name_or_id)))

    def read(self, name_or_id: str) -> pl.DataFrame:
        return pl.read_parquet(self.path(self.get(name_or_id)))

    def read_quarantine(self, name_or_id: str) -> pl.DataFrame | None:
        info = self.get(name_or_id)
        if info.quarantine_file is None:
            return None
        return pl.read_parquet(self.root / info.dataset / info.quarantine_file)

    def find_source(self, dataset: str, sha256: str) -> list[SnapshotInfo]:
        """Snapshots of `dataset` imported from a source file with this sha256."""
        return [info for info in self.list(dataset) if info.source.sha256 == sha256]

    # ----- writing -----
    def write(
        self, dataset: str, data: pl.DataFrame, quarantine: pl.DataFrame | None,
        parquet_metadata: dict[str, str] | None = None, **meta: Any
    ) -> tuple[SnapshotInfo, bool]:
        """Write a snapshot; returns (info, created). Identical content returns the existing snapshot.

        `parquet_metadata` goes into the data file (and so into the snapshot id): facts the rows cannot be
        read without, such as a non-default answer format."""
        folder = self.root / check_dataset_name(dataset)
        folder.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        try:
            with _temp_file(folder, ".parquet") as tmp:
                data.write_parquet(tmp, compression="zstd", statistics=True, metadata=parquet_metadata or None)
                tmp.chmod(READ_ONLY)
                snapshot_id = sha256_file(tmp)
                existing = folder / f"{snapshot_id}.json"
                if existing.exists():
                    return self._load(existing), False
                data_path = folder / f"{snapshot_id}.parquet"
                if _link_new(tmp, data_path):
                    written.append(data_path)
            quarantine_file = None
            if quarantine is not None and quarantine.height:
                quarantine_file = f"{snapshot_id}.quarantine.parquet"
                with _temp_file(folder, ".parquet") as tmp:
                    quarantine.write_parquet(tmp, compression="zstd")
                    tmp.chmod(READ_ONLY)
                    if _link_new(tmp, folder / quarantine_file):
                        written.append(folder / quarantine_file)
            info = SnapshotInfo(
                dataset=dataset,
                snapshot_id=snapshot_id,
                created=datetime.now(UTC),
                data_file=data_path.name,
                quarantine_file=quarantine_file,
                **meta,
            )
            with _temp_file(folder, ".json") as tmp:
                tmp.write_text(info.model_dump_json(indent=2), encoding="utf-8")
                tmp.chmod(READ_ONLY)
                if not _link_new(tmp, existing):  # a twin process finished first
                    return self._load(existing), False
            return info, True
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise

    # ----- internals -----
    def _metadata_files(self, dataset: str | None) -> Iterator[Path]:
        if not self.root.is_dir():
            return iter(())
        pattern = f"{dataset}/*.json" if dataset else "*/*.json"
        return (p for p in self.root.glob(pattern) if not p.name.startswith("."))

    @staticmethod
    def _load(path: Path) -> SnapshotInfo:
        try:
            return SnapshotInfo.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            raise UserError(f"{path}: snapshot metadata cannot be read ({error}).") from None


@contextlib.contextmanager
def _temp_file(folder: Path, suffix: str) -> Iterator[Path]:
    tmp = folder / f".tmp-{secrets.token_hex(8)}{suffix}"
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _link_new(tmp: Path, target: Path) -> bool:
    """Hard-link tmp to target if target does not exist yet (atomic; never overwrites)."""
    try:
        target.hardlink_to(tmp)
    except FileExistsError:
        return False
    return True


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

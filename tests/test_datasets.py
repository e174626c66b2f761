"""The snapshot store: content ids, immutability, duplicates, lookup and metadata."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from impactlab.errors import UserError
from impactlab.evidence.datasets import DatasetStore, sha256_file
from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file

MAPPING = {"respondent_id": "nr", "wave_value": "T0", "items": {"djg_1": "q1"}, "keep": ["wijk"]}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    return Workspace(tmp_path / "ws")


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "t0.csv"
    path.write_text("nr,q1,wijk\n1,3,Noord\n2,4,Zuid\n")
    return path


def test_snapshot_files_and_metadata(workspace: Workspace, source: Path) -> None:
    info = import_file(source, MAPPING, "panel", workspace).snapshot
    folder = workspace.datasets_dir / "panel"
    parquet = folder / f"{info.snapshot_id}.parquet"
    assert sha256_file(parquet) == info.snapshot_id
    meta = json.loads((folder / f"{info.snapshot_id}.json").read_text())
    digest = sha256_file(source)
    # The user's file name may itself identify a client: the snapshot keeps a neutral name only.
    assert meta["source"]["sha256"] == digest and meta["source"]["name"] == f"{digest[:12]}.csv"
    assert "t0" not in json.dumps(meta)
    assert meta["rows"] == {"read": 2, "imported": 2, "quarantined": 0}
    assert meta["key_version"] == workspace.key_version()
    assert [c["name"] for c in meta["columns"]] == ["respondent", "wave", "djg_1", "wijk"]
    assert not parquet.stat().st_mode & 0o222  # read-only, and never rewritten


def test_list_latest_get_read_scan(workspace: Workspace, source: Path, tmp_path: Path) -> None:
    first = import_file(source, MAPPING, "panel", workspace).snapshot
    later = tmp_path / "t1.csv"
    later.write_text("nr,q1,wijk\n1,5,Noord\n")
    second = import_file(later, MAPPING | {"wave_value": "T1"}, "panel", workspace).snapshot
    store = workspace.store()
    assert [i.snapshot_id for i in store.list()] == [first.snapshot_id, second.snapshot_id]
    assert store.latest("panel").snapshot_id == second.snapshot_id
    assert store.get(first.snapshot_id[:8]).snapshot_id == first.snapshot_id
    assert store.get(f"panel@{first.snapshot_id[:8]}").snapshot_id == first.snapshot_id
    assert store.read(first.snapshot_id).height == 2
    assert store.scan("panel").select(pl.len()).collect().item() == 1
    with pytest.raises(UserError, match="no dataset or snapshot"):
        store.get("nothing")


def test_duplicate_import_refused_or_returned(workspace: Workspace, source: Path) -> None:
    first = import_file(source, MAPPING, "panel", workspace)
    with pytest.raises(UserError, match="already imported into dataset 'panel'"):
        import_file(source, MAPPING, "panel", workspace)
    again = import_file(source, MAPPING, "panel", workspace, allow_duplicate=True)
    assert not again.created and again.snapshot.snapshot_id == first.snapshot.snapshot_id
    changed = import_file(source, MAPPING | {"keep": []}, "panel", workspace, allow_duplicate=True)
    assert changed.created and changed.snapshot.snapshot_id != first.snapshot.snapshot_id
    other = import_file(source, MAPPING, "elsewhere", workspace)  # another dataset may hold the same file
    assert other.created


def test_store_never_overwrites(workspace: Workspace) -> None:
    store = workspace.store()
    frame = pl.DataFrame({"respondent": ["a"], "wave": ["T0"]})
    meta = _meta()
    info, created = store.write("d", frame, None, **meta)
    path = store.path(info)
    before = path.stat().st_mtime_ns
    again, created_again = store.write("d", frame, None, **meta)
    assert created and not created_again and again.snapshot_id == info.snapshot_id
    assert path.stat().st_mtime_ns == before
    assert len(list((workspace.datasets_dir / "d").iterdir())) == 2


def test_failed_write_leaves_nothing(workspace: Workspace) -> None:
    store = workspace.store()
    with pytest.raises(Exception):  # noqa: B017  (metadata invalid: any error must roll back)
        store.write("d", pl.DataFrame({"a": [1]}), pl.DataFrame({"a": [2]}), **(_meta() | {"rows": "bad"}))
    assert list((workspace.datasets_dir / "d").iterdir()) == []


def test_bad_dataset_name(workspace: Workspace, source: Path) -> None:
    with pytest.raises(UserError, match="dataset name"):
        import_file(source, MAPPING, "../escape", workspace)


def test_empty_store(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path / "none")
    assert store.list() == []
    with pytest.raises(UserError):
        store.latest("x")


def _meta() -> dict:
    from impactlab.evidence.datasets import RowCounts, SourceInfo

    return {
        "source": SourceInfo(name="x.csv", sha256="0" * 64, size=1, format="csv"),
        "rows": RowCounts(read=1, imported=1, quarantined=0),
        "columns": [],
        "mapping": {},
        "mapping_sha256": "0" * 64,
        "key_version": "abc",
    }

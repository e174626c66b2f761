"""The right to erasure: one respondent removed from every snapshot, by the id they had in the source file."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impactlab.errors import UserError
from impactlab.evidence.datasets import DatasetStore
from impactlab.evidence.erasure import (
    DERIVATION,
    DERIVED_FROM,
    delete_snapshot,
    erase_respondent,
    matching_rows,
    pseudonym_of,
)
from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file

MAPPING = {"respondent_id": "nr", "wave_value": "T0", "items": {"djg_1": "q1"}, "keep": ["wijk"]}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    return Workspace(tmp_path / "ws")


def imported(workspace: Workspace, tmp_path: Path, name: str, text: str, dataset: str = "panel") -> str:
    path = tmp_path / name
    path.write_text(text)
    return import_file(path, MAPPING, dataset, workspace).snapshot.snapshot_id


def test_erasing_one_respondent_rewrites_each_snapshot_that_holds_them(workspace: Workspace, tmp_path: Path) -> None:
    store = workspace.store()
    t0 = imported(workspace, tmp_path, "t0.csv", "nr,q1,wijk\n0017,3,Noord\n2,4,Zuid\n3,2,Zuid\n")
    t1 = imported(workspace, tmp_path, "t1.csv", "nr,q1,wijk\n17,2,Noord\n2,4,Zuid\n", dataset="panel_t1")
    other = imported(workspace, tmp_path, "t2.csv", "nr,q1,wijk\n5,1,Oost\n", dataset="elders")
    old_t0_meta = store.get(t0)
    old_parquet_meta = {k: v for k, v in pl.read_parquet_metadata(store.path(old_t0_meta)).items()
                        if not k.startswith("ARROW:")}
    # "17" is the id as written at the office; the file said "0017" the first time: the same person
    pseudonym = pseudonym_of("17", workspace.key())
    assert pseudonym == pseudonym_of(" 0017 ", workspace.key())
    result = erase_respondent(store, pseudonym, [t0, t1, other])
    assert result.rows_removed == 2 and set(result.replaced) == {t0, t1}
    for old, new in result.replaced.items():
        rows = store.read(new)
        assert pseudonym not in rows["respondent"].to_list()
        info = store.get(new)
        assert info.derived_from == old and info.derivation == DERIVATION
        with pytest.raises(UserError):
            store.get(old)  # the old files are gone
        assert not list((store.root / info.dataset).glob(f"{old}*"))
    new_t0 = store.get(result.replaced[t0])
    assert store.read(new_t0.snapshot_id).height == 2 and new_t0.rows.imported == 2
    assert new_t0.mapping == old_t0_meta.mapping and new_t0.key_version == old_t0_meta.key_version
    assert {k: v for k, v in pl.read_parquet_metadata(store.path(new_t0)).items()
                                 if not k.startswith("ARROW:")} == old_parquet_meta | {DERIVED_FROM: t0}
    assert store.get(other).snapshot_id == other  # untouched
    stored = json.dumps(new_t0.model_dump(mode="json"))
    assert '"17"' not in stored and "0017" not in stored  # the id itself is stored nowhere


def test_an_unknown_id_changes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    store = workspace.store()
    t0 = imported(workspace, tmp_path, "t0.csv", "nr,q1,wijk\n1,3,Noord\n2,4,Zuid\n")
    result = erase_respondent(store, pseudonym_of("99", workspace.key()), [t0])
    assert not result.found and result.replaced == {} and store.get(t0).snapshot_id == t0
    with pytest.raises(UserError):
        pseudonym_of("  ", workspace.key())


def test_matches_are_counted_first_and_old_files_can_wait_for_the_caller(workspace: Workspace,
                                                                         tmp_path: Path) -> None:
    """``matching_rows`` counts what an erasure removes; with ``delete_old=False`` the old snapshot stays until the
    caller (the web app, after its database commit) deletes it."""
    store = workspace.store()
    t0 = imported(workspace, tmp_path, "t0.csv", "nr,q1,wijk\n7,3,Noord\n8,4,Zuid\n")
    t1 = imported(workspace, tmp_path, "t1.csv", "nr,q1,wijk\n8,2,Noord\n", dataset="panel_t1")
    pseudonym = pseudonym_of("7", workspace.key())
    assert matching_rows(store, pseudonym, [t0, t1]) == {t0: 1}
    result = erase_respondent(store, pseudonym, [t0, t1], delete_old=False)
    assert result.rows_removed == 1 and store.get(t0).snapshot_id == t0  # still there
    assert matching_rows(store, pseudonym, [result.replaced[t0], t1]) == {}
    delete_snapshot(store, t0)
    with pytest.raises(UserError):
        store.get(t0)


def test_deleting_a_snapshot_removes_its_files(workspace: Workspace, tmp_path: Path) -> None:
    store = workspace.store()
    t0 = imported(workspace, tmp_path, "t0.csv", "nr,q1,wijk\n1,3,Noord\n")
    info = delete_snapshot(store, t0)
    assert info.snapshot_id == t0 and not list((store.root / "panel").iterdir())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.integers(1, 30), min_size=1, max_size=40), pick=st.integers(0, 39))
def test_erasure_removes_exactly_the_rows_of_that_respondent(tmp_path_factory, ids: list[int], pick: int) -> None:
    """Whatever the ids, the rewritten snapshot holds exactly the other respondents' rows, in order."""
    store = DatasetStore(tmp_path_factory.mktemp("store"))
    key = b"k" * 32
    frame = pl.DataFrame({"respondent": [pseudonym_of(str(i), key) for i in ids], "x": list(range(len(ids)))})
    info, _ = store.write("d", frame, None, parquet_metadata={"impactlab.answer_format": "three_point"},
                          source={"name": "s.csv", "sha256": "0" * 64, "size": 1, "format": "csv"},
                          rows={"read": len(ids), "imported": len(ids), "quarantined": 0}, columns=[], mapping={},
                          mapping_sha256="0" * 64, key_version="v")
    target = ids[pick % len(ids)]
    result = erase_respondent(store, pseudonym_of(str(target), key), [info.snapshot_id])
    expected = [x for x, i in zip(range(len(ids)), ids, strict=True) if i != target]
    assert result.rows_removed == len(ids) - len(expected)
    new = store.get(result.replaced[info.snapshot_id]) if result.found else info
    assert store.read(new.snapshot_id)["x"].to_list() == expected
    assert pl.read_parquet_metadata(store.path(new))["impactlab.answer_format"] == "three_point"


def _snapshot(store: DatasetStore, data: pl.DataFrame, quarantine: pl.DataFrame | None) -> str:
    n, q = data.height, 0 if quarantine is None else quarantine.height
    info, _ = store.write("d", data, quarantine,
                          source={"name": "s.csv", "sha256": "0" * 64, "size": 1, "format": "csv"},
                          rows={"read": n + q, "imported": n, "quarantined": q}, columns=[], mapping={},
                          mapping_sha256="0" * 64, key_version="v")
    return info.snapshot_id


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kept=st.lists(st.integers(1, 8), max_size=12), aside=st.lists(st.integers(1, 8), min_size=1, max_size=12),
       target=st.integers(1, 8))
def test_quarantined_rows_are_erased_too(tmp_path_factory, kept: list[int], aside: list[int], target: int) -> None:
    """Rows set aside at import hold the pseudonym as well: they go too, also when the respondent is in no other
    row (the data file is then unchanged, yet the rewrite gets a new snapshot id and the old quarantine goes)."""
    store = DatasetStore(tmp_path_factory.mktemp("store"))
    key = b"q" * 32
    code = pseudonym_of(str(target), key)

    def frame(ids: list[int]) -> pl.DataFrame:
        return pl.DataFrame({"respondent": [pseudonym_of(str(i), key) for i in ids], "x": list(range(len(ids)))},
                            schema={"respondent": pl.String, "x": pl.Int64})

    old = _snapshot(store, frame(kept), frame(aside))
    expected = kept.count(target) + aside.count(target)
    assert matching_rows(store, code, [old]) == ({old: expected} if expected else {})
    result = erase_respondent(store, code, [old])
    assert result.rows_removed == expected
    if not expected:
        assert result.replaced == {} and store.get(old).snapshot_id == old
        return
    new = result.replaced[old]
    assert new != old and store.get(new).derived_from == old
    with pytest.raises(UserError):
        store.get(old)
    assert not list((store.root / "d").glob(f"{old}*"))  # the old quarantine file too
    assert store.read(new)["x"].to_list() == [x for x, i in enumerate(kept) if i != target]
    left = store.read_quarantine(new)
    assert ([] if left is None else left["x"].to_list()) == [x for x, i in enumerate(aside) if i != target]
    info = store.get(new)
    assert info.rows.imported == len(kept) - kept.count(target)
    assert info.rows.quarantined == len(aside) - aside.count(target)
    assert matching_rows(store, code, [new]) == {}


def test_a_registration_snapshot_loses_the_rows_of_that_client(tmp_path: Path) -> None:
    """Support registrations name the respondent as `client` (a provider code is no respondent and stays)."""
    store = DatasetStore(tmp_path / "store")
    key = b"r" * 32
    client, other = pseudonym_of("C-0042", key), pseudonym_of("C-0043", key)
    frame = pl.DataFrame({"client": [client, other, client], "provider": [other, client, other], "hours": [1, 2, 3]})
    info, _ = store.write("registrations", frame, None,
                          source={"name": "r", "sha256": "0" * 64, "size": 1, "format": "database"},
                          rows={"read": 3, "imported": 3, "quarantined": 0}, columns=[], mapping={},
                          mapping_sha256="0" * 64, key_version="v")
    assert matching_rows(store, client, [info.snapshot_id]) == {info.snapshot_id: 2}
    result = erase_respondent(store, client, [info.snapshot_id])
    assert result.rows_removed == 2 and store.read(result.replaced[info.snapshot_id])["hours"].to_list() == [2]

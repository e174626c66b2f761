"""One definition of "the rows of a dataset" and one disclosure policy, used by every path.

The figures are checked against independent hand calculations (pandas joins, the textbook mean change),
and every path (CLI ``change`` and ``value``, the core API, report sources) is fed the same workspace.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from impactlab import value
from impactlab.cli import app
from impactlab.errors import UserError
from impactlab.evidence.disclosure import programme_policy
from impactlab.evidence.instruments import score
from impactlab.evidence.rows import EvidenceScope, dataset_rows, evidence_fingerprint
from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file
from impactlab.io.synth import synth, synth_mapping
from impactlab.model.schema import ImpactModel
from impactlab.reports import build_report, source_from_store
from impactlab.reports.evidence import sources_from_snapshots

runner = CliRunner()


def _waves(folder: Path, respondents: int = 300, seed: int = 5) -> tuple[Path, Path]:
    """A synthetic DJG-11 survey split into a T0 file and a T1 file (imported separately, as in the field)."""
    frame = pl.read_csv(synth(respondents, 2, folder / "all.csv", seed=seed, items=11), infer_schema_length=0)
    t0, t1 = folder / "t0.csv", folder / "t1.csv"
    frame.filter(pl.col("wave") == "T0").write_csv(t0)
    frame.filter(pl.col("wave") == "T1").write_csv(t1)
    return t0, t1


def _mapping() -> dict:
    return synth_mapping() | {"missing_codes": {f"lone{k}": [9] for k in range(1, 12)}}


def _changed_mapping() -> dict:
    """The same survey, imported again with a corrected mapping: answer 1 on lone1 means 'no answer' too."""
    return synth_mapping() | {"missing_codes": {f"lone{k}": [9] + ([1] if k == 1 else []) for k in range(1, 12)}}


@pytest.fixture(scope="module")
def space(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, dict]:
    root = tmp_path_factory.mktemp("rows")
    t0, t1 = _waves(root)
    ws = Workspace(root / "ws")
    first = import_file(t0, _mapping(), "loneliness", ws).snapshot
    second = import_file(t1, _mapping(), "loneliness", ws).snapshot
    again = import_file(t1, _changed_mapping(), "loneliness", ws, allow_duplicate=True).snapshot
    return ws, {"t0": first, "t1": second, "t1_again": again, "files": (t0, t1)}


def _by_hand(ws: Workspace, snapshots: list[str]) -> pd.DataFrame:
    """Pairs computed with pandas from the named snapshots' files: T0 and T1 joined on respondent."""
    store = ws.store()
    frames = [score("djg-11", store.read(s), invalid="missing").to_pandas() for s in snapshots]
    long = pd.concat(frames)[["respondent", "wave", "djg-11"]]
    pre = long[long.wave == "T0"].set_index("respondent")["djg-11"]
    post = long[long.wave == "T1"].set_index("respondent")["djg-11"]
    return pd.DataFrame({"pre": pre, "post": post}).dropna()


def test_all_snapshots_newest_wins_and_the_replacement_is_reported(space) -> None:
    ws, snaps = space
    rows = dataset_rows(ws.store(), "loneliness")
    # T0 from the first import; T1 from the re-import with the corrected mapping, which replaced every T1 row
    assert rows.snapshot_ids == [snaps["t0"].snapshot_id, snaps["t1_again"].snapshot_id]
    assert rows.replaced == snaps["t1"].rows.imported
    assert rows.frame.height == snaps["t0"].rows.imported + snaps["t1_again"].rows.imported
    assert f"{rows.replaced} rows of older snapshots replaced" in rows.describe()
    # the corrected mapping made answer 1 on lone1 missing in T1 only
    t1 = rows.frame.filter(pl.col("wave") == "T1")
    assert t1["lone1"].min() > 1
    assert rows.frame.filter(pl.col("wave") == "T0")["lone1"].min() == 1


def test_selection_is_a_parameter(space) -> None:
    ws, snaps = space
    store = ws.store()
    older = [snaps["t0"].snapshot_id, snaps["t1"].snapshot_id]
    rows = dataset_rows(store, "loneliness", allowed=older)
    assert rows.snapshot_ids == older and rows.replaced == 0
    one = dataset_rows(store, f"loneliness@{snaps['t1'].snapshot_id[:10]}")
    assert one.snapshot_ids == [snaps["t1"].snapshot_id]
    with pytest.raises(UserError, match="available to you"):
        dataset_rows(store, f"loneliness@{snaps['t1'].snapshot_id}", allowed=[snaps["t0"].snapshot_id])
    with pytest.raises(UserError, match="none of its snapshots is available to you"):
        dataset_rows(store, "loneliness", allowed=[])
    with pytest.raises(UserError, match="available to you"):  # says nothing of what exists
        dataset_rows(store, "secret", allowed=[])


def test_a_snapshot_with_a_key_twice_is_refused(tmp_path: Path) -> None:
    from impactlab.evidence.datasets import DatasetStore

    store = DatasetStore(tmp_path)
    frame = pl.DataFrame({"respondent": ["a", "a", "b"], "wave": ["T0", "T0", "T0"], "x": [1, 2, 3]})
    meta = {"source": {"name": "f.csv", "sha256": "0" * 64, "size": 1, "format": "csv"},
            "rows": {"read": 3, "imported": 3, "quarantined": 0}, "columns": [], "mapping": {},
            "mapping_sha256": "0", "key_version": "0"}
    store.write("twice", frame, None, **meta)
    with pytest.raises(UserError, match=r"twice, snapshot \w+: 1 respondent\(s\) have more than one row"):
        dataset_rows(store, "twice")


def test_every_path_gives_the_same_change(space, tmp_path: Path) -> None:
    ws, snaps = space
    expected = _by_hand(ws, [snaps["t0"].snapshot_id, snaps["t1_again"].snapshot_id])
    mean_change = float((expected.post - expected.pre).mean())

    cli = runner.invoke(app, ["change", "loneliness", "--instrument", "djg-11", "--workspace", str(ws.root),
                              "--format", "json"])
    assert cli.exit_code == 0, cli.output
    data = json.loads(cli.stdout)
    assert data["n_pairs"] == len(expected) and data["mean_change"] == pytest.approx(mean_change)
    assert data["snapshots"] == [snaps["t0"].snapshot_id, snaps["t1_again"].snapshot_id]

    model = ImpactModel.model_validate(_model())
    source = source_from_store(ws.store(), "loneliness", model)
    assert source.change.overall.n_pairs == len(expected)
    assert source.change.overall.mean_change == pytest.approx(mean_change)
    all_ids = [s.snapshot_id for s in ws.store().list("loneliness")]
    (web_like,) = sources_from_snapshots(ws.store(), all_ids, model)
    assert web_like.change == source.change and web_like.snapshot_id == source.snapshot_id


def _model(**quantity) -> dict:
    return {
        "impactlab": 1,
        "programme": {"name": "Evidence", "price_year": 2025},
        "stakeholders": [{"id": "residents", "name": "Residents", "size": 240}, {"id": "city", "name": "City"}],
        "inputs": [{"id": "grant", "stakeholder": "city", "amount": 50_000}],
        "outcomes": [{"id": "less_lonely", "stakeholder": "residents", "description": "Less lonely (DJG-11)",
                      "quantity": {"dataset": "loneliness", "instrument": "djg-11", "pre": "T0", "post": "T1",
                                   "scale_to": "residents", "rule": "improvement", **quantity},
                      "value": 1000, "deadweight": 0.2, "attribution": 0.3}],
    }


def test_every_path_gives_the_same_value(space, tmp_path: Path) -> None:
    ws, snaps = space
    expected = _by_hand(ws, [snaps["t0"].snapshot_id, snaps["t1_again"].snapshot_id])
    share = float((expected.post < expected.pre).mean())  # DJG: lower is better
    model = ImpactModel.model_validate(_model())
    core = value(model, ws.root)
    assert core.outcomes[0].quantity == pytest.approx(share * 240)
    scoped = value(model, EvidenceScope(ws.root))
    assert scoped.outcomes[0].quantity == core.outcomes[0].quantity

    path = tmp_path / "model.yaml"
    path.write_text(json.dumps(_model()), encoding="utf-8")
    cli = runner.invoke(app, ["value", str(path), "--workspace", str(ws.root), "--format", "json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout)["outcomes"][0]["quantity"] == pytest.approx(share * 240)

    doc = build_report(model, lang="en", draws=200, seed=1, workspace=ws.root)
    assert doc.result.outcomes[0].quantity == pytest.approx(share * 240)
    assert doc.result.sroi_ratio == pytest.approx(core.sroi_ratio)

    # the older snapshots only (what a user without the re-import may use): the figure follows the selection
    older = frozenset({snaps["t0"].snapshot_id, snaps["t1"].snapshot_id})
    before = _by_hand(ws, sorted(older, key=[snaps["t0"].snapshot_id, snaps["t1"].snapshot_id].index))
    limited = value(model, EvidenceScope(ws.root, older))
    assert limited.outcomes[0].quantity == pytest.approx(float((before.post < before.pre).mean()) * 240)
    assert limited.evidence[0]["snapshot"] == f"{snaps['t0'].snapshot_id}+{snaps['t1'].snapshot_id}"


def test_the_fingerprint_changes_with_a_new_snapshot(space) -> None:
    ws, snaps = space
    store = ws.store()
    older = {snaps["t0"].snapshot_id, snaps["t1"].snapshot_id}
    a = evidence_fingerprint(["loneliness"], store, older, ["djg-11"])
    b = evidence_fingerprint(["loneliness"], store, older | {snaps["t1_again"].snapshot_id}, ["djg-11"])
    assert a != b and a["instruments"] == b["instruments"]
    assert len(a["instruments"]["djg-11"]) == 64


# ------------------------------------------------------------------------------------------ disclosure
@given(installation=st.integers(1, 500), stated=st.one_of(st.none(), st.integers(1, 500)))
def test_a_model_may_raise_the_minimum_never_lower_it(installation: int, stated: int | None) -> None:
    document = {"valuation": {"min_cell": stated}} if stated is not None else {"valuation": {}}
    expected = installation if stated is None else max(installation, stated)
    assert programme_policy(document, installation).min_cell == expected
    model = ImpactModel.model_validate(_model() | ({"valuation": {"min_cell": stated}} if stated else {}))
    assert programme_policy(model, installation).min_cell == expected
    assert programme_policy(stated, installation).min_cell == expected
    assert programme_policy(None, installation).min_cell == installation


def test_the_installation_minimum_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACTLAB_MIN_CELL", "25")
    assert programme_policy({"valuation": {"min_cell": 5}}).min_cell == 25
    assert programme_policy({"valuation": {"min_cell": 40}}).min_cell == 40
    monkeypatch.delenv("IMPACTLAB_MIN_CELL")
    assert programme_policy(None).min_cell == 10


def test_the_report_notes_the_programme_minimum(space, monkeypatch: pytest.MonkeyPatch) -> None:
    ws, _ = space
    monkeypatch.setenv("IMPACTLAB_MIN_CELL", "15")
    model = ImpactModel.model_validate(_model() | {"valuation": {"min_cell": 12}})
    doc = build_report(model, lang="en", draws=100, seed=1, workspace=ws.root,
                       sources=[source_from_store(ws.store(), "loneliness", model)])
    assert doc.min_cell == 15
    assert doc.sections and np.isfinite(doc.result.present_value)

"""From a survey file to a valued outcome: import, score, change, evidence quantities in the valuation."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.proportion import proportion_confint
from typer.testing import CliRunner

from impactlab import simulate, value
from impactlab.cli import app
from impactlab.errors import UserError
from impactlab.evidence.instruments import score
from impactlab.evidence.quantities import wilson_interval
from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file
from impactlab.io.synth import synth, synth_mapping
from impactlab.model.schema import ImpactModel

runner = CliRunner()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("ws")
    path = synth(600, 2, root / "survey.sav", seed=3, items=11)
    space = Workspace(root / "ws")
    import_file(path, synth_mapping(), "loneliness", space)
    return space


def model_document(**quantity: object) -> dict:
    return {
        "impactlab": 1,
        "programme": {"name": "Evidence", "price_year": 2025},
        "stakeholders": [{"id": "residents", "name": "Residents", "size": 240}, {"id": "city", "name": "City"}],
        "inputs": [{"id": "grant", "stakeholder": "city", "amount": 50_000}],
        "outcomes": [{"id": "less_lonely", "stakeholder": "residents", "description": "Less lonely",
                      "quantity": {"dataset": "loneliness", "instrument": "djg-11", "pre": "T0", "post": "T1",
                                   "scale_to": "residents", **quantity},
                      "value": 1000, "deadweight": 0.2, "attribution": 0.3}],
    }


def pairs_by_hand(space: Workspace, comparison: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    frame = score("djg-11", space.store().read("loneliness"), invalid="missing")
    if comparison is not None:
        frame = frame.filter((pl.col("group") == "vergelijking") == comparison)
    pre = frame.filter(pl.col("wave") == "T0").select("respondent", pl.col("djg-11").alias("pre"))
    post = frame.filter(pl.col("wave") == "T1").select("respondent", pl.col("djg-11").alias("post"))
    pairs = pre.join(post, on="respondent").drop_nulls()
    return pairs["pre"].to_numpy(), pairs["post"].to_numpy()


def test_wilson_interval_equals_statsmodels() -> None:
    for count, n in ((0, 10), (7, 40), (40, 40), (123, 517)):
        low, high = proportion_confint(count, n, alpha=0.05, method="wilson")
        assert wilson_interval(count, n) == pytest.approx((low, high), abs=1e-12)


def test_improvement_quantity_scaled_to_stakeholder(workspace: Workspace) -> None:
    model = ImpactModel.model_validate(model_document(rule="improvement"))
    result = value(model, workspace.root)
    pre, post = pairs_by_hand(workspace)
    share = float(np.mean(post < pre))  # DJG: lower is better
    assert result.outcomes[0].quantity == pytest.approx(share * 240)
    (trail,) = result.evidence
    info = workspace.store().latest("loneliness")
    assert trail["snapshot"] == info.snapshot_id
    assert trail["n_pairs"] == len(pre)
    low, high = proportion_confint(round(share * len(pre)), len(pre), method="wilson")
    assert (trail["low"], trail["high"]) == pytest.approx((low * 240, high * 240))


def test_sample_interval_becomes_the_simulated_range(workspace: Workspace) -> None:
    model = ImpactModel.model_validate(model_document(rule="improvement"))
    result = simulate(model, draws=20_000, seed=1, workspace=workspace.root)
    assert result.uncertain_parameters == ["outcomes.less_lonely.quantity"]
    assert result.sroi_ratio.p5 < value(model, workspace.root).sroi_ratio < result.sroi_ratio.p95


def test_reliable_improvement_needs_a_reliability(workspace: Workspace) -> None:
    model = ImpactModel.model_validate(model_document(rule="reliable_improvement"))
    with pytest.raises(UserError, match="ships no reliability"):
        value(model, workspace.root)
    model = ImpactModel.model_validate(model_document(rule="reliable_improvement", reliability=0.8))
    pre, post = pairs_by_hand(workspace)
    s_diff = np.sqrt(2) * np.std(pre, ddof=1) * np.sqrt(1 - 0.8)
    share = float(np.mean((post - pre) / s_diff < -1.96))
    assert value(model, workspace.root).outcomes[0].quantity == pytest.approx(share * 240)


def test_comparison_group_gives_deadweight(workspace: Workspace) -> None:
    model = ImpactModel.model_validate(model_document(rule="improvement", comparison="vergelijking",
                                                      group_column="group"))
    result = value(model, workspace.root)
    pre_t, post_t = pairs_by_hand(workspace, comparison=False)
    pre_c, post_c = pairs_by_hand(workspace, comparison=True)
    share_t, share_c = np.mean(post_t < pre_t), np.mean(post_c < pre_c)
    assert result.outcomes[0].quantity == pytest.approx(share_t * 240)
    assert result.outcomes[0].deadweight == pytest.approx(share_c / share_t)
    assert [t["field"] for t in result.evidence] == ["quantity", "deadweight"]


def test_too_small_a_sample_is_refused(workspace: Workspace) -> None:
    document = copy.deepcopy(model_document(rule="improvement"))
    document["valuation"] = {"min_cell": 100_000}
    with pytest.raises(UserError, match="fewer than the minimum cell size"):
        value(ImpactModel.model_validate(document), workspace.root)


def test_cli_score_change_and_value(workspace: Workspace, tmp_path: Path) -> None:
    root = str(workspace.root)
    scored = runner.invoke(app, ["score", "loneliness", "--instrument", "djg-11", "--workspace", root])
    assert scored.exit_code == 0, scored.output
    assert "djg-11" in scored.stdout
    info = workspace.store().latest("loneliness")
    assert info.derived_from is not None and "djg-11" in workspace.store().read("loneliness").columns

    changed = runner.invoke(app, ["change", "loneliness", "--instrument", "djg-11", "--pre", "T0", "--post", "T1",
                                  "--by", "district", "--workspace", root, "--format", "json"])
    assert changed.exit_code == 0, changed.output
    data = json.loads(changed.stdout)
    pre, post = pairs_by_hand(workspace)
    assert data["n_pairs"] == len(pre)
    assert data["mean_change"] == pytest.approx(float(np.mean(post - pre)))
    assert data["snapshot"] == info.snapshot_id and len(data["groups"]) == 6

    path = tmp_path / "model.yaml"
    path.write_text(json.dumps(model_document(rule="improvement")), encoding="utf-8")
    valued = runner.invoke(app, ["value", str(path), "--workspace", root])
    assert valued.exit_code == 0, valued.output
    assert "quantity of less_lonely: loneliness snapshot" in valued.stdout

    missing = runner.invoke(app, ["change", "nosuch", "--instrument", "djg-11", "--workspace", root])
    assert missing.exit_code == 2 and "no dataset or snapshot 'nosuch'" in missing.stderr

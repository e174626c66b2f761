"""Change statistics checked against SciPy, statsmodels and hand calculations."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from typer.testing import CliRunner

from impactlab.cli import stats_commands
from impactlab.cli.app import app
from impactlab.errors import UserError
from impactlab.evidence.change import (
    ChangeResult,
    ClinicalChange,
    McNemarResult,
    Norms,
    ReliableChange,
    WaveChange,
    change_from_long,
    change_stats,
    mcnemar,
)
from impactlab.evidence.disclosure import DisclosurePolicy

CONTRACT = {"n_pairs", "mean_pre", "mean_post", "mean_change", "sd_change", "ci_low", "ci_high", "t", "df",
            "p_value", "wilcoxon_p", "cohen_dz", "hedges_gav", "reliable_change"}


def _paired(n: int, seed: int = 0, rounded: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pre = rng.normal(20, 4, n)
    post = pre + rng.normal(1, 3, n)
    return (pre.round(), post.round()) if rounded else (pre, post)


def _check_against_scipy(pre: np.ndarray, post: np.ndarray) -> None:
    result = change_stats(pre, post)
    diff = post - pre
    test = stats.ttest_rel(post, pre)
    ci = test.confidence_interval()
    assert result.n_pairs == pre.size and result.df == test.df
    assert result.mean_change == pytest.approx(diff.mean(), rel=1e-12)
    assert result.sd_change == pytest.approx(diff.std(ddof=1), rel=1e-10)
    assert result.sd_pre == pytest.approx(pre.std(ddof=1), rel=1e-10)
    assert result.t == pytest.approx(test.statistic, rel=1e-9)
    assert result.p_value == pytest.approx(test.pvalue, rel=1e-8)
    assert (result.ci_low, result.ci_high) == (pytest.approx(ci.low, rel=1e-9), pytest.approx(ci.high, rel=1e-9))
    wilcoxon = stats.wilcoxon(diff, zero_method="pratt")
    assert result.wilcoxon_p == pytest.approx(wilcoxon.pvalue, rel=1e-9)
    assert result.cohen_dz == pytest.approx(test.statistic / math.sqrt(pre.size), rel=1e-9)


@pytest.mark.parametrize(("n", "seed", "rounded"), [(40, 0, False), (12, 1, True), (30, 2, True), (500, 3, True)])
def test_matches_scipy_on_random_data(n: int, seed: int, rounded: bool) -> None:
    _check_against_scipy(*_paired(n, seed, rounded))


def test_n_equals_two_matches_scipy() -> None:
    pre, post = np.array([1.0, 2.0]), np.array([2.0, 4.0])
    _check_against_scipy(pre, post)
    assert change_stats(pre, post).hedges_gav is None  # J = 1 − 3/(4·1 − 1) = 0 is meaningless at n = 2


def test_ties_match_scipy() -> None:
    pre = np.array([3, 3, 4, 4, 5, 5, 2, 2, 3, 4, 4, 3, 5, 1, 2, 3, 3, 4, 4, 2], dtype=float)
    post = pre + np.array([1, 1, 0, 0, 2, -1, 1, 1, 2, 0, 1, 1, -1, 2, 1, 0, 1, 1, 2, 1])
    _check_against_scipy(pre, post)
    _check_against_scipy(pre[:10], post[:10])  # small n with ties: SciPy's exact permutation p


def test_all_zero_differences_are_undefined_not_nan() -> None:
    result = change_stats([1, 2, 3, 4], [1, 2, 3, 4])
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["mean_change"] == 0 and data["sd_change"] == 0
    assert data["t"] is None and data["p_value"] is None and data["wilcoxon_p"] is None
    assert data["ci_low"] is None and data["cohen_dz"] is None
    assert data["share_unchanged"] == 1.0
    assert math.isnan(stats.ttest_rel([1, 2, 3, 4], [1, 2, 3, 4]).pvalue)


def test_empty_and_single_pair_and_missing() -> None:
    assert change_stats([], []).to_dict()["mean_pre"] is None
    single = change_stats([1.0], [3.0])
    assert single.n_pairs == 1 and single.mean_change == 2 and single.t is None
    assert change_stats([1.0, np.nan, 3.0, 4.0], [2.0, 5.0, np.nan, 6.0]).n_pairs == 2
    with pytest.raises(UserError):
        change_stats([1, 2], [1, 2, 3])


def test_effect_sizes_and_noncentral_t_intervals() -> None:
    pre, post = _paired(25, 4)
    result = change_stats(pre, post)
    n, df = pre.size, pre.size - 1
    d_av = (post - pre).mean() / ((pre.std(ddof=1) + post.std(ddof=1)) / 2)
    assert result.cohen_dav == pytest.approx(d_av, rel=1e-10)
    assert result.hedges_gav == pytest.approx(d_av * (1 - 3 / (4 * (n - 1) - 1)), rel=1e-10)
    # the limits of λ = d_z·√n put the observed t at the 97.5% and 2.5% points of the noncentral t
    assert stats.nct.cdf(result.t, df, result.cohen_dz_ci_low * math.sqrt(n)) == pytest.approx(0.975, abs=1e-9)
    assert stats.nct.cdf(result.t, df, result.cohen_dz_ci_high * math.sqrt(n)) == pytest.approx(0.025, abs=1e-9)
    assert result.cohen_dz_ci_low < result.cohen_dz < result.cohen_dz_ci_high
    # d_av limits: the same λ limits rescaled by S_D / (√n · s_av) (Algina & Keselman, 2003)
    factor = (post - pre).std(ddof=1) / math.sqrt(n) / ((pre.std(ddof=1) + post.std(ddof=1)) / 2)
    assert result.cohen_dav_ci_low == pytest.approx(result.cohen_dz_ci_low * math.sqrt(n) * factor, rel=1e-9)
    assert result.hedges_gav_ci_high == pytest.approx(
        result.cohen_dav_ci_high * (1 - 3 / (4 * (n - 1) - 1)), rel=1e-12
    )


def test_reliable_change_by_hand() -> None:
    pre = np.array([10, 12, 14, 16, 18, 20, 22, 24, 26, 28], dtype=float)
    change = np.array([9, -9, 1, 0, 5, -6, 12, 2, -1, 7], dtype=float)
    # SD_pre = 6.0553, r = .8: SE = 6.0553·√.2 = 2.7080, S_diff = √2·SE = 3.8297; |RC| > 1.96 ⇔ |Δ| > 7.506
    s_diff = math.sqrt(2) * pre.std(ddof=1) * math.sqrt(1 - 0.8)
    assert s_diff == pytest.approx(3.8297, abs=1e-4)
    result = change_stats(pre, pre + change, reliability=0.8)
    assert result.reliable_change == ReliableChange(improved=0.2, unchanged=0.7, deteriorated=0.1)  # 9, 12 | −9
    assert result.reliable_change_criteria.s_diff == pytest.approx(s_diff)
    assert (result.share_improved, result.share_unchanged, result.share_worse) == (0.6, 0.1, 0.3)
    lower = change_stats(pre, pre + change, reliability=0.8, higher_is_better=False)
    assert lower.reliable_change == ReliableChange(improved=0.1, unchanged=0.7, deteriorated=0.2)
    assert lower.share_improved == 0.3
    given = change_stats(pre, pre + change, reliability=0.8, reference_sd=3.0)  # |Δ| > 1.96·1.897 = 3.719
    assert given.reliable_change == ReliableChange(improved=0.4, unchanged=0.4, deteriorated=0.2)
    with pytest.raises(UserError):
        change_stats(pre, pre, reliability=1.0)


def test_clinical_cutoffs_and_recovery() -> None:
    norms = Norms(dysfunctional=(10.0, 4.0), functional=(20.0, 2.0))
    assert norms.cutoff(True) == ("c", pytest.approx((4 * 20 + 2 * 10) / 6))  # 16.667
    assert Norms(dysfunctional=(10.0, 4.0)).cutoff(True) == ("a", 18.0)
    assert Norms(functional=(20.0, 2.0)).cutoff(True) == ("b", 16.0)
    assert Norms(dysfunctional=(10.0, 4.0)).cutoff(False) == ("a", 2.0)
    pre = np.array([10, 12, 14, 16, 18, 20, 22, 24, 26, 28], dtype=float)
    post = pre + np.array([9, -9, 1, 0, 5, -6, 12, 2, -1, 7], dtype=float)
    result = change_stats(pre, post, reliability=0.8, norms={"dysfunctional": (10, 4), "functional": (20, 2)})
    # below 16.667 at pre: 10, 12, 14, 16; of these only 10 → 19 ends at or above it, and +9 is reliable
    assert result.clinical == ClinicalChange(criterion="c", cutoff=pytest.approx(16.6667, abs=1e-4),
                                             share_dysfunctional_pre=0.4, crossed=0.1, recovered=0.1)
    assert result.to_dict()["clinical"] == {"criterion": "c", "cutoff": pytest.approx(16.6667, abs=1e-4),
                                            "share_dysfunctional_pre": 0.4, "crossed": 0.1, "recovered": 0.1}


def test_to_dict_contract_is_json() -> None:
    data = change_stats(*_paired(30, 5), reliability=0.7).to_dict()
    assert set(data) >= CONTRACT
    assert set(data["reliable_change"]) == {"improved", "unchanged", "deteriorated"}
    assert all(not isinstance(v, np.generic) for v in data.values())
    json.dumps(data, allow_nan=False)


# ------------------------------------------------------------------------------------------ long data
def _long(n: int = 120, seed: int = 6) -> tuple[pl.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pre, post = _paired(n, seed, rounded=True)
    retained = rng.random(n) < 0.75
    team = np.array(["Noord", "Zuid", "Oost"])[np.arange(n) % 3]
    team[:4] = "West"  # a small group
    before = pl.DataFrame({"id": np.arange(n), "wave": "T0", "score": pre, "team": team})
    after = pl.DataFrame({"id": np.arange(n)[retained], "wave": "T1", "score": post[retained],
                          "team": team[retained]})
    return pl.concat([after, before]), pre, post, retained


def test_change_from_long_equals_change_stats() -> None:
    frame, pre, post, retained = _long()
    typed = change_from_long(frame, id="id", wave="wave", score="score", pre="T0", post="T1", by="team",
                             reliability=0.8)
    result = typed.to_dict()
    json.dumps(result, allow_nan=False)
    direct_result = change_stats(pre[retained], post[retained], reliability=0.8)
    direct = direct_result.to_dict()
    # the typed object and its dict agree: the overall statistics are a ChangeResult, groups GroupChange
    assert isinstance(typed, WaveChange) and isinstance(typed.overall, ChangeResult)
    assert isinstance(typed.overall.reliable_change, ReliableChange)
    assert typed.overall.reliable_change.improved == pytest.approx(direct_result.reliable_change.improved)
    assert typed.baseline.p_value == result["baseline"]["p_value"] and typed.n_pre == 120
    assert [g.to_dict() for g in typed.groups] == result["groups"]
    assert ChangeResult.from_dict(typed.overall.to_dict()) == typed.overall
    for key in CONTRACT - {"reliable_change"}:
        assert result[key] == pytest.approx(direct[key], rel=1e-9), key
    assert result["reliable_change"] == pytest.approx(direct["reliable_change"])
    assert result["n_pre"] == 120 and result["n_post"] == retained.sum()
    assert result["attrition"] == pytest.approx(1 - retained.mean())
    welch = stats.ttest_ind(pre[~retained], pre[retained], equal_var=False)
    assert result["baseline"]["p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
    assert result["baseline"]["mean_pre_lost"] == pytest.approx(pre[~retained].mean())
    groups = {g["group"]: g for g in result["groups"]}
    assert groups["West"]["suppressed"] and groups["West"]["mean_change"] is None
    # West (< 10) is hidden; the smallest other group is hidden with it (secondary suppression)
    assert sum(g["suppressed"] for g in result["groups"]) == 2
    for group in [g for g in result["groups"] if not g["suppressed"]]:
        in_group = (frame.filter(pl.col("wave") == "T0")["team"].to_numpy() == group["group"])
        order = frame.filter(pl.col("wave") == "T0")["id"].to_numpy()
        mask = np.zeros(120, dtype=bool)
        mask[order[in_group]] = True
        expected = change_stats(pre[mask & retained], post[mask & retained], reliability=0.8)
        assert group["mean_change"] == pytest.approx(expected.mean_change)
        assert group["wilcoxon_p"] == pytest.approx(expected.wilcoxon_p)
        assert group["reliable_change_criteria"]["s_diff"] == pytest.approx(result["reliable_change_criteria"]
                                                                              ["s_diff"])


def test_change_from_long_small_sample_is_suppressed() -> None:
    frame = pl.DataFrame({"id": list(range(12)) + list(range(8)), "wave": ["T0"] * 12 + ["T1"] * 8,
                          "score": [float(i % 5) for i in range(12)] + [float(i % 3 + 1) for i in range(8)]})
    typed = change_from_long(frame, id="id", wave="wave", score="score", pre="T0", post="T1",
                             policy=DisclosurePolicy(min_cell=10))
    assert typed.suppressed and typed.overall.mean_change is None and typed.baseline.suppressed
    result = typed.to_dict()
    assert result["suppressed"] and result["mean_change"] is None and result["n_pairs"] is None
    assert result["n_pre"] == 12 and result["attrition"] is None and result["baseline"]["suppressed"]
    shown = change_from_long(frame, id="id", wave="wave", score="score", pre="T0", post="T1",
                             policy=DisclosurePolicy(min_cell=2))
    assert not shown.suppressed and shown.overall.mean_change is not None


def test_change_from_long_errors() -> None:
    frame, *_ = _long(n=20)
    with pytest.raises(UserError, match="not found: nope"):
        change_from_long(frame, id="nope", wave="wave", score="score", pre="T0", post="T1")
    with pytest.raises(UserError, match="more than one row"):
        change_from_long(pl.concat([frame, frame.head(1)]), id="id", wave="wave", score="score",
                         pre="T0", post="T1")
    with pytest.raises(UserError, match="must differ"):
        change_from_long(frame, id="id", wave="wave", score="score", pre="T0", post="T0")


def test_change_from_long_one_million_respondents() -> None:
    """A million pairs in twelve groups (how fast: `make bench`, bench_evidence, not here)."""
    n = 1_000_000
    rng = np.random.default_rng(0)
    pre = rng.integers(0, 40, n).astype(float)
    frame = pl.concat([
        pl.DataFrame({"id": np.arange(n), "wave": "T0", "score": pre, "region": rng.integers(0, 12, n)}),
        pl.DataFrame({"id": np.arange(n), "wave": "T1", "score": pre + rng.integers(-3, 6, n),
                      "region": rng.integers(0, 12, n)}),
    ])
    result = change_from_long(frame, id="id", wave="wave", score="score", pre="T0", post="T1", by="region",
                              reliability=0.85)
    assert result.overall.n_pairs == n and len(result.groups) == 12
    post = frame.filter(pl.col("wave") == "T1")["score"].to_numpy()
    assert result.overall.mean_change == pytest.approx(float(np.mean(post - pre)), rel=1e-9)


# -------------------------------------------------------------------------------------------- McNemar
@pytest.mark.parametrize(("b", "c"), [(3, 9), (0, 0), (12, 11), (20, 40), (2, 30)])
def test_mcnemar_matches_statsmodels(b: int, c: int) -> None:
    pre = [1] * 15 + [1] * b + [0] * c + [0] * 8
    post = [1] * 15 + [0] * b + [1] * c + [0] * 8
    typed = mcnemar(pre, post)
    assert isinstance(typed, McNemarResult) and (typed.yes_to_no, typed.no_to_yes) == (b, c)
    result = typed.to_dict()
    assert list(result) == ["n_pairs", "table", "yes_to_no", "no_to_yes", "share_pre", "share_post", "statistic",
                            "p_value", "method"]
    table = [[15, b], [c, 8]]
    exact = b + c < 25
    expected = sm_mcnemar(table, exact=exact, correction=True)
    assert result["table"] == table and result["method"] == ("exact" if exact else "chi2_corrected")
    assert result["p_value"] == pytest.approx(expected.pvalue, rel=1e-10)
    assert result["statistic"] == pytest.approx(expected.statistic, rel=1e-10)


# ------------------------------------------------------------------------------------------------ CLI
runner = CliRunner()
assert stats_commands.change_command  # registered on app


def _write_long_csv(path: Path, n: int = 45) -> Path:
    frame, *_ = _long(n)
    frame.rename({"id": "respondent"}).write_csv(path)
    return path


def test_cli_change_json(tmp_path: Path) -> None:
    path = _write_long_csv(tmp_path / "long.csv")
    result = runner.invoke(app, ["change", str(path), "--id", "respondent", "--wave", "wave", "--score",
                                 "score", "--pre", "T0", "--post", "T1", "--by", "team", "--reliability",
                                 "0.8", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= CONTRACT | {"n_pre", "n_post", "attrition", "baseline", "groups"}
    _, pre, post, retained = _long(45)
    assert data["mean_change"] == pytest.approx((post[retained] - pre[retained]).mean())
    assert data["n_pairs"] == retained.sum()


def test_cli_change_table_and_lower_is_better(tmp_path: Path) -> None:
    path = _write_long_csv(tmp_path / "long.csv")
    result = runner.invoke(app, ["change", str(path), "--by", "team", "--lower-is-better", "--min-cell", "5"])
    assert result.exit_code == 0, result.output
    assert "Mean change" in result.stdout and "By group" in result.stdout


def test_cli_change_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("respondent,wave,score\nr1,T0,12\nr1,T1,veel\n", encoding="utf-8")
    result = runner.invoke(app, ["change", str(path)])
    assert result.exit_code == 2
    assert "row 3, column 'score': 'veel' is not a number" in result.stderr
    missing = runner.invoke(app, ["change", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "file not found" in missing.stderr
    wrong = runner.invoke(app, ["change", str(_write_long_csv(tmp_path / "ok.csv")), "--id", "client"])
    assert wrong.exit_code == 2 and "client" in wrong.stderr

"""Sensitivity, break-even and Monte Carlo simulation against hand calculations and SciPy."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import stats

from impactlab import sensitivity, simulate, value
from impactlab.errors import UserError
from impactlab.model.schema import ImpactModel
from impactlab.valuation.montecarlo import percentile_se

ONE = {
    "impactlab": 1,
    "programme": {"name": "One outcome", "price_year": 2025},
    "valuation": {"discount_rate": 0.035},
    "stakeholders": [{"id": "clients", "name": "Clients"}, {"id": "funder", "name": "Funder"}],
    "inputs": [{"id": "grant", "stakeholder": "funder", "amount": 10000}],
    "outcomes": [{"id": "o", "stakeholder": "clients", "description": "O", "quantity": 100, "value": 200,
                  "deadweight": 0.2, "attribution": 0.25, "drop_off": 0.5, "duration": 2}],
}
# pv = 100 x 200 x 0.8 x 0.75 x (1/1.035 + 0.5/1.035^2) = 12000 x (1/1.035 + 0.5/1.035^2)
FACTOR = 1 / 1.035 + 0.5 / 1.035**2
PV = 12000 * FACTOR


def with_outcome(**changes: object) -> ImpactModel:
    document = copy.deepcopy(ONE)
    document["outcomes"][0].update(changes)
    return ImpactModel.model_validate(document)


def test_base_ratio_by_hand() -> None:
    assert value(with_outcome()).sroi_ratio == pytest.approx(PV / 10000)


def test_break_even_of_linear_and_fractional_assumptions() -> None:
    result = sensitivity(with_outcome())
    found = {b.parameter: b for b in result.break_even}
    ratio = PV / 10000
    assert found["outcomes.o.quantity"].break_even == pytest.approx(100 / ratio, rel=1e-9)
    assert found["outcomes.o.value"].break_even == pytest.approx(200 / ratio, rel=1e-9)
    assert found["inputs.grant.amount"].break_even == pytest.approx(PV, rel=1e-9)
    # ratio is proportional to (1 - deadweight): 1 - dw* = 0.8 / ratio
    assert found["outcomes.o.deadweight"].break_even == pytest.approx(1 - 0.8 / ratio, rel=1e-9)
    assert found["outcomes.o.attribution"].break_even == pytest.approx(1 - 0.75 / ratio, rel=1e-9)
    # discount rate: 12000 (x + 0.5 x^2) = 10000 with x = 1 / (1 + r): x = -1 + sqrt(1 + 5/3)
    x = -1 + (1 + 5 / 3) ** 0.5
    assert found["valuation.discount_rate"].break_even == pytest.approx(1 / x - 1, rel=1e-9)


def test_break_even_none_in_domain() -> None:
    # ratio 16: even at a discount rate near 1 the present value stays above the investment
    found = {b.parameter: b for b in sensitivity(with_outcome(quantity=1000)).break_even}
    assert found["valuation.discount_rate"].break_even is None
    assert found["valuation.discount_rate"].note == "none in its domain"


def test_break_even_of_duration_is_a_whole_year() -> None:
    model = with_outcome(drop_off=0.0, quantity=30)  # 6000 x 0.6 = 3600 a year before discounting
    found = {b.parameter: b for b in sensitivity(model).break_even}
    # cumulative pv: 3478.3, 6838.9, 10085.9 -> the ratio passes 1 in year 3
    assert found["outcomes.o.duration"].break_even == 3


def test_tornado_sorted_by_swing_and_values_by_hand() -> None:
    model = with_outcome(quantity={"base": 100, "low": 50, "high": 150},
                         deadweight={"base": 0.2, "low": 0.1, "high": 0.3})
    bars = sensitivity(model).tornado
    assert [b.parameter for b in bars] == ["outcomes.o.quantity", "outcomes.o.deadweight"]
    assert bars[0].ratio_at_low == pytest.approx(PV / 2 / 10000)
    assert bars[0].ratio_at_high == pytest.approx(PV * 1.5 / 10000)
    assert bars[1].ratio_at_low == pytest.approx(PV * 0.9 / 0.8 / 10000)
    assert bars[1].npv_at_high == pytest.approx(PV * 0.7 / 0.8 - 10000)


def test_simulation_without_ranges_is_the_deterministic_value() -> None:
    result = simulate(with_outcome(), draws=1000, seed=1)
    assert result.uncertain_parameters == []
    for figure in (result.sroi_ratio.p5, result.sroi_ratio.p50, result.sroi_ratio.p95, result.sroi_ratio.mean):
        assert figure == pytest.approx(PV / 10000, rel=1e-12)
    assert result.prob_ratio_above_1 == 1.0


def test_seed_reproducible_on_any_number_of_threads() -> None:
    model = with_outcome(quantity={"base": 100, "low": 50, "high": 150})
    one = simulate(model, draws=50_000, seed=11, workers=1, keep_draws=True)
    two = simulate(model, draws=50_000, seed=11, workers=2, keep_draws=True)
    assert np.array_equal(one.ratio_draws, two.ratio_draws)
    other = simulate(model, draws=50_000, seed=12, keep_draws=True)
    assert not np.array_equal(one.ratio_draws, other.ratio_draws)


@pytest.mark.parametrize(("dist", "reference"), [
    ("triangular", stats.triang(c=(100 - 50) / (200 - 50), loc=50, scale=150)),
    ("uniform", stats.uniform(loc=50, scale=150)),
])
def test_draws_follow_the_named_distribution(dist: str, reference: stats.rv_continuous) -> None:
    model = with_outcome(quantity={"base": 100, "low": 50, "high": 200, "dist": dist})
    result = simulate(model, draws=200_000, seed=5, keep_draws=True)
    quantity = result.ratio_draws / (PV / 10000) * 100  # the ratio is proportional to the quantity
    assert stats.kstest(quantity, reference.cdf).pvalue > 0.001
    mean_ratio = reference.mean() / 100 * PV / 10000
    assert abs(result.sroi_ratio.mean - mean_ratio) < 4 * result.sroi_ratio.mean_se
    assert result.sroi_ratio.p5 == pytest.approx(reference.ppf(0.05) / 100 * PV / 10000, rel=0.01)


def test_normal_draws_are_truncated_to_the_domain() -> None:
    model = with_outcome(deadweight={"base": 0.1, "low": 0.0, "high": 0.5, "dist": "normal", "sd": 0.2})
    result = simulate(model, draws=100_000, seed=3, keep_draws=True)
    deadweight = 1 - result.ratio_draws / (PV / 10000) * 0.8
    assert deadweight.min() >= -1e-12
    reference = stats.truncnorm(a=(0 - 0.1) / 0.2, b=(1 - 0.1) / 0.2, loc=0.1, scale=0.2)
    assert stats.kstest(deadweight, reference.cdf).pvalue > 0.001


def test_ranged_duration_draws_whole_years() -> None:
    model = with_outcome(duration={"base": 2, "low": 1, "high": 3, "dist": "uniform"})
    result = simulate(model, draws=20_000, seed=2, keep_draws=True)
    levels = {round(x, 9) for x in result.ratio_draws}
    assert len(levels) == 3


def test_ranged_discount_rate() -> None:
    model = ImpactModel.model_validate({**copy.deepcopy(ONE), "valuation": {
        "discount_rate": {"base": 0.035, "low": 0.0, "high": 0.07, "dist": "uniform"}}})
    result = simulate(model, draws=20_000, seed=2)
    assert 12000 * (1 / 1.07 + 0.5 / 1.07**2) / 10000 < result.sroi_ratio.p5 < result.sroi_ratio.p95 < 1.8


def test_percentile_standard_error_matches_asymptotic_formula() -> None:
    sample = np.sort(np.random.default_rng(0).standard_normal(200_000))
    asymptotic = np.sqrt(0.5 * 0.5 / sample.size) / stats.norm.pdf(0)
    assert percentile_se(sample, 0.5) == pytest.approx(asymptotic, rel=0.15)
    tail = np.sqrt(0.05 * 0.95 / sample.size) / stats.norm.pdf(stats.norm.ppf(0.05))
    assert percentile_se(sample, 0.05) == pytest.approx(tail, rel=0.15)


def test_too_few_draws() -> None:
    with pytest.raises(UserError):
        simulate(with_outcome(), draws=1)


def test_summary_frame() -> None:
    model = with_outcome(quantity={"base": 100, "low": 50, "high": 150})
    result = simulate(model, draws=10_000, seed=4)
    frame = result.summary_frame()
    assert list(frame.index) == ["sroi_ratio", "net_present_value", "society_npv"]
    assert frame.loc["sroi_ratio", "p50"] == result.sroi_ratio.p50


def test_summary_equals_numpy() -> None:
    from impactlab.valuation.montecarlo import summarise

    values = np.random.default_rng(9).lognormal(size=100_001)
    values[::1000] = np.nan
    finite = values[np.isfinite(values)]
    summary = summarise(values.copy())
    assert summary.mean == pytest.approx(finite.mean(), rel=1e-12)
    assert summary.sd == pytest.approx(finite.std(ddof=1), rel=1e-10)
    for p, figure in ((0.05, summary.p5), (0.5, summary.p50), (0.95, summary.p95)):
        assert figure == pytest.approx(np.quantile(finite, p), rel=1e-12)

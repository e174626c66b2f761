"""The valuation engine against hand calculations and the method's properties."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from impactlab import parse_model, value
from impactlab.model.schema import ImpactModel

BASE = {
    "impactlab": 1,
    "programme": {"name": "Hand", "price_year": 2025},
    "valuation": {"discount_rate": 0.035, "index": "own"},
    "indices": {"own": {2024: 100.0, 2025: 110.0}},
    "stakeholders": [
        {"id": "residents", "name": "Residents", "size": 100},
        {"id": "municipality", "name": "Municipality"},
        {"id": "volunteers", "name": "Volunteers"},
    ],
    "proxies": [
        {"id": "p1", "name": "P1", "value": 100, "price_year": 2024, "source": "test"},
        {"id": "vh", "name": "Volunteer hour", "value": 20, "price_year": 2025, "source": "test"},
    ],
    "inputs": [
        {"id": "subsidy", "stakeholder": "municipality", "amount": 1000},
        {"id": "volunteering", "stakeholder": "volunteers", "quantity": 50, "proxy": "vh", "support": "informal"},
        {"id": "later", "stakeholder": "municipality", "amount": 500, "year": 2},
    ],
    "outcomes": [
        {"id": "a", "stakeholder": "residents", "description": "A", "quantity": 10, "proxy": "p1",
         "deadweight": {"base": 0.2, "low": 0.1, "high": 0.3}, "displacement": 0.1, "attribution": 0.25,
         "drop_off": 0.5, "duration": 3},
        {"id": "b", "stakeholder": "residents", "description": "B", "quantity": 2, "value": 1000,
         "transfer_from": "municipality", "attribution": 0.1},
    ],
}


def model_from(document: dict) -> ImpactModel:
    return ImpactModel.model_validate(document)


def test_hand_calculation() -> None:
    result = value(model_from(BASE))
    # unit value of p1 indexed 2024 -> 2025: 100 x 110 / 100 = 110
    # outcome a, year 1: 10 x 110 x 0.8 x 0.9 x 0.75 = 594; year 2: 297; year 3: 148.5
    a_years = [594.0, 297.0, 148.5]
    a_pv = 594 / 1.035 + 297 / 1.035**2 + 148.5 / 1.035**3
    # outcome b, one year: 2 x 1000 x 0.9 = 1800, a transfer from the municipality
    b_pv = 1800 / 1.035
    # inputs: 1000 + 50 x 20 + 500 / 1.035^2
    investment = 1000 + 1000 + 500 / 1.035**2
    a, b = result.outcomes
    assert a.unit_value == pytest.approx(110.0)
    assert a.impact_by_year[1:4] == pytest.approx(a_years)
    assert a.impact_by_year[0] == 0.0
    assert a.present_value == pytest.approx(a_pv)
    assert b.present_value == pytest.approx(b_pv)
    assert result.investment == pytest.approx(investment)
    assert result.present_value == pytest.approx(a_pv + b_pv)
    assert result.net_present_value == pytest.approx(a_pv + b_pv - investment)
    assert result.sroi_ratio == pytest.approx((a_pv + b_pv) / investment)
    assert result.payback_months == pytest.approx(investment / ((594 + 1800) / 12))
    assert result.society.benefits == pytest.approx(a_pv)
    assert result.society.npv == pytest.approx(a_pv - investment)
    balance = {s.id: s for s in result.stakeholders}
    assert balance["residents"].benefits == pytest.approx(a_pv + b_pv)
    assert balance["municipality"].benefits == pytest.approx(-b_pv)
    assert balance["municipality"].invested == pytest.approx(1000 + 500 / 1.035**2)
    assert balance["volunteers"].net == pytest.approx(-1000)
    assert result.support_balance["informal"] == pytest.approx(1000)


def test_waterfall_adds_up_to_present_value() -> None:
    a = value(model_from(BASE)).outcomes[0]
    steps = a.waterfall
    assert steps["gross"] == pytest.approx(10 * 110 * 3)
    assert steps["deadweight"] == pytest.approx(-0.2 * 3300)
    total = sum(v for k, v in steps.items() if k != "present_value")
    assert total == pytest.approx(steps["present_value"])


def test_first_year_not_discounted() -> None:
    document = copy.deepcopy(BASE)
    document["valuation"]["discount_first_year"] = False
    a = value(model_from(document)).outcomes[0]
    assert a.present_value == pytest.approx(594 + 297 / 1.035 + 148.5 / 1.035**2)


def test_start_year_shifts_the_benefit() -> None:
    document = copy.deepcopy(BASE)
    document["outcomes"][0]["start_year"] = 2
    a = value(model_from(document)).outcomes[0]
    assert a.impact_by_year[2:5] == pytest.approx([594.0, 297.0, 148.5])
    assert a.present_value == pytest.approx(594 / 1.035**2 + 297 / 1.035**3 + 148.5 / 1.035**4)


def test_builtin_cpi_indexes_library_proxy() -> None:
    document = copy.deepcopy(BASE)
    document["valuation"]["index"] = "cpi"
    del document["indices"]
    document["outcomes"][1].pop("value")
    document["outcomes"][1]["proxy"] = "wellby"  # library proxy, price year 2019
    result = value(model_from(document))
    from impactlab.model.library import builtin_indices, proxy_library

    cpi = builtin_indices()["cpi"].values
    wellby = proxy_library()["wellby"]
    assert result.outcomes[1].unit_value == pytest.approx(wellby.value * cpi[2025] / cpi[wellby.price_year])


def test_model_index_overrides_builtin() -> None:
    document = copy.deepcopy(BASE)
    document["valuation"]["index"] = "cpi"
    document["indices"] = {"cpi": {2024: 50.0, 2025: 100.0}}
    assert value(model_from(document)).outcomes[0].unit_value == pytest.approx(200.0)


def test_no_investment_gives_no_ratio() -> None:
    document = copy.deepcopy(BASE)
    document["inputs"] = []
    result = value(model_from(document))
    assert result.sroi_ratio is None
    assert result.payback_months == 0.0  # nothing to pay back
    assert result.society.bc_ratio is None


def test_frames() -> None:
    result = value(model_from(BASE))
    assert list(result.outcomes_frame().index) == ["a", "b"]
    assert result.impact_frame().loc["a", 2] == pytest.approx(297.0)
    assert result.stakeholders_frame().loc["volunteers", "invested"] == pytest.approx(1000)
    assert result.waterfall_frame().loc["b", "attribution"] == pytest.approx(-200)


def test_json_contract_keys() -> None:
    data = value(model_from(BASE)).to_dict()
    for key in ("investment", "present_value", "net_present_value", "sroi_ratio", "payback_months", "society",
                "outcomes", "stakeholders", "currency", "price_year", "discount_rate"):
        assert key in data
    assert set(data["society"]) >= {"benefits", "costs", "npv", "bc_ratio"}
    assert set(data["outcomes"][0]) >= {"id", "stakeholder", "present_value", "impact_by_year"}
    assert set(data["stakeholders"][0]) >= {"id", "invested", "benefits", "net"}


fractions = st.floats(0, 1, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(low=fractions, high=fractions)
def test_ratio_falls_as_deadweight_rises(low: float, high: float) -> None:
    low, high = sorted((low, high))
    ratios = []
    for deadweight in (low, high):
        document = copy.deepcopy(BASE)
        document["outcomes"][0]["deadweight"] = deadweight
        ratios.append(value(model_from(document)).sroi_ratio)
    assert ratios[1] <= ratios[0] + 1e-12


@settings(max_examples=60, deadline=None)
@given(quantity=st.floats(0, 1e6), amount=st.floats(0, 1e6), attribution=fractions)
def test_transfer_never_changes_society_npv(quantity: float, amount: float, attribution: float) -> None:
    before = value(model_from(BASE))
    document = copy.deepcopy(BASE)
    document["outcomes"].append({"id": "t", "stakeholder": "residents", "description": "T", "quantity": quantity,
                                 "value": amount, "attribution": attribution, "transfer_from": "municipality"})
    after = value(model_from(document))
    assert after.society.npv == pytest.approx(before.society.npv, rel=1e-12, abs=1e-9)
    assert after.present_value >= before.present_value
    stakeholders_sum = sum(s.net for s in after.stakeholders)
    # the transfer cancels between two stakeholders: allow the rounding of its (possibly huge) size
    assert stakeholders_sum == pytest.approx(after.society.npv, rel=1e-9, abs=1e-12 * after.present_value)


def test_fifty_outcomes_matches_loop_reference() -> None:
    """The vectorised engine against a plain loop over outcomes and years."""
    rng = np.random.default_rng(3)
    document = copy.deepcopy(BASE)
    document["outcomes"] = []
    for i in range(50):
        document["outcomes"].append({
            "id": f"o{i}", "stakeholder": "residents", "description": f"O{i}",
            "quantity": float(rng.integers(1, 500)), "value": float(rng.uniform(10, 5000)),
            "deadweight": float(rng.uniform(0, 0.6)), "displacement": float(rng.uniform(0, 0.3)),
            "attribution": float(rng.uniform(0, 0.6)), "drop_off": float(rng.uniform(0, 0.9)),
            "duration": int(rng.integers(1, 10)), "start_year": int(rng.integers(0, 3))})
    result = value(model_from(document))
    expected = 0.0
    for o in document["outcomes"]:
        level = o["quantity"] * o["value"] * (1 - o["deadweight"]) * (1 - o["displacement"]) * (1 - o["attribution"])
        for k in range(o["duration"]):
            expected += level / 1.035 ** (o["start_year"] + k)
            level *= 1 - o["drop_off"]
    assert result.present_value == pytest.approx(expected, rel=1e-12)


def test_parse_model_from_text() -> None:
    from impactlab import dump_model

    model = model_from(BASE)
    again = parse_model(dump_model(model))
    assert value(again).sroi_ratio == pytest.approx(value(model).sroi_ratio)

"""Independent reference implementation of the valuation rules (issue 2), compared with the engine,
the Monte Carlo kernel at base values and the sensitivity analysis."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impactlab import sensitivity, simulate, value
from impactlab.model.schema import ImpactModel
from impactlab.valuation.compiled import compile_model


def base(x):
    return x["base"] if isinstance(x, dict) else float(x)


def reference(doc: dict) -> dict:
    """Slow pure-Python valuation written from the rules in issue 2."""
    val = doc.get("valuation", {})
    r = base(val.get("discount_rate", 0.035))
    first = val.get("discount_first_year", True)
    index = doc.get("indices", {}).get(val.get("index"))
    target = doc["programme"]["price_year"]
    proxies = {p["id"]: p for p in doc.get("proxies", [])}

    def unit(pid):
        p = proxies[pid]
        v = base(p["value"])
        if p["price_year"] != target:
            v = v * index[target] / index[p["price_year"]]
        return v

    pv_total = 0.0
    society = 0.0
    year_one = 0.0
    benefits = {s["id"]: 0.0 for s in doc["stakeholders"]}
    invested = {s["id"]: 0.0 for s in doc["stakeholders"]}
    for o in doc.get("outcomes", []):
        uv = unit(o["proxy"]) if "proxy" in o else base(o["value"])
        level = (base(o["quantity"]) * uv * (1 - base(o.get("deadweight", 0))) * (1 - base(o.get("displacement", 0)))
                 * (1 - base(o.get("attribution", 0))))
        start = o.get("start_year", 1)
        dur = max(1, math.floor(base(o.get("duration", 1)) + 0.5))
        pv = 0.0
        for k in range(dur):
            t = start + k
            impact = level * (1 - base(o.get("drop_off", 0))) ** k
            pv += impact / (1 + r) ** (t if first else t - 1)
            if t == 1:
                year_one += impact
        pv_total += pv
        if "transfer_from" not in o:
            society += pv
        benefits[o["stakeholder"]] += pv
        if "transfer_from" in o:
            benefits[o["transfer_from"]] -= pv
    investment = 0.0
    for i in doc.get("inputs", []):
        amount = base(i["amount"]) if "amount" in i else base(i["quantity"]) * unit(i["proxy"])
        amount /= (1 + r) ** i.get("year", 0)
        investment += amount
        invested[i["stakeholder"]] += amount
    return {
        "present_value": pv_total, "investment": investment,
        "sroi_ratio": pv_total / investment if investment > 0 else None,
        "npv": pv_total - investment,
        "payback": investment / (year_one / 12) if year_one > 0 else None,
        "society_npv": society - investment,
        "net": {s: benefits[s] - invested[s] for s in benefits},
    }


def ranged(draw, x, lo, hi, zero_width=False):
    """Maybe turn x into a range around it (possibly of zero width)."""
    kind = draw(st.sampled_from(["plain", "range", "zero"] if zero_width else ["plain", "range"]))
    if kind == "plain":
        return x
    if kind == "zero":
        return {"base": x, "low": x, "high": x}
    return {"base": x, "low": max(lo, x * 0.5), "high": min(hi, x * 1.5 + 0.01)}


@st.composite
def models(draw, zero_width=False):
    frac = st.one_of(st.just(0.0), st.floats(0.001, 0.9))
    doc = {
        "impactlab": 1,
        "programme": {"name": "Ref", "price_year": 2025},
        "valuation": {"discount_rate": ranged(draw, draw(st.one_of(st.just(0.0), st.floats(0.001, 0.2))), 0, 0.999,
                                              zero_width),
                      "discount_first_year": draw(st.booleans()), "index": "own"},
        "indices": {"own": {2022: 90.0, 2023: 95.5, 2024: 100.0, 2025: 104.0}},
        "stakeholders": [{"id": s, "name": s} for s in ("a", "b", "c")],
        "proxies": [{"id": f"p{k}", "name": "P",
                     "value": ranged(draw, draw(st.floats(1, 500)), 0, 1e9, zero_width),
                     "price_year": draw(st.sampled_from([2022, 2023, 2024, 2025])), "source": "t"} for k in range(2)],
        "inputs": [],
        "outcomes": [],
    }
    for k in range(draw(st.integers(1, 3))):
        item = {"id": f"i{k}", "stakeholder": draw(st.sampled_from("abc")), "year": draw(st.integers(0, 3))}
        if draw(st.booleans()):
            item["amount"] = ranged(draw, draw(st.floats(10, 1e5)), 0, 1e12, zero_width)
        else:
            item["quantity"] = ranged(draw, draw(st.floats(1, 1000)), 0, 1e9, zero_width)
            item["proxy"] = draw(st.sampled_from(["p0", "p1"]))
        doc["inputs"].append(item)
    for k in range(draw(st.integers(1, 4))):
        o = {"id": f"o{k}", "stakeholder": draw(st.sampled_from("abc")), "description": "d",
             "quantity": ranged(draw, draw(st.one_of(st.just(0.0), st.floats(0.01, 500))), 0, 1e9, zero_width),
             "deadweight": ranged(draw, draw(frac), 0, 1, zero_width),
             "displacement": ranged(draw, draw(frac), 0, 1, zero_width),
             "attribution": ranged(draw, draw(frac), 0, 1, zero_width),
             "drop_off": ranged(draw, draw(frac), 0, 1, zero_width),
             "duration": ranged(draw, draw(st.integers(1, 6)), 1, 100, zero_width),
             "start_year": draw(st.integers(0, 3))}
        if draw(st.booleans()):
            o["proxy"] = draw(st.sampled_from(["p0", "p1"]))
        else:
            o["value"] = ranged(draw, draw(st.floats(1, 5000)), 0, 1e9, zero_width)
        if draw(st.booleans()):
            o["transfer_from"] = draw(st.sampled_from([s for s in "abc" if s != o["stakeholder"]]))
        doc["outcomes"].append(o)
    return doc


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return a == pytest.approx(b, rel=1e-9, abs=1e-6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_value_matches_reference(doc):
    ref = reference(doc)
    result = value(ImpactModel.model_validate(doc))
    assert close(result.present_value, ref["present_value"])
    assert close(result.investment, ref["investment"])
    assert close(result.sroi_ratio, ref["sroi_ratio"])
    assert close(result.net_present_value, ref["npv"])
    assert close(result.payback_months, ref["payback"])
    assert close(result.society.npv, ref["society_npv"])
    for s in result.stakeholders:
        assert close(s.net, ref["net"][s.id])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(zero_width=True))
def test_kernel_at_base_matches_reference(doc):
    """With every range squeezed to its base, the Monte Carlo draws all equal the reference valuation."""
    squeezed = _squeeze(doc)
    ref = reference(squeezed)
    sim = simulate(ImpactModel.model_validate(squeezed), draws=16, seed=1)
    assert close(sim.net_present_value.p50, ref["npv"])
    assert close(sim.society_npv.p50, ref["society_npv"])
    if ref["sroi_ratio"] is not None:
        assert close(sim.sroi_ratio.p50, ref["sroi_ratio"])
    evaluator_ratio = sensitivity(ImpactModel.model_validate(squeezed)).base_ratio
    assert close(evaluator_ratio, ref["sroi_ratio"])


def _squeeze(doc):
    def walk(x):
        if isinstance(x, dict):
            if set(x) >= {"base", "low", "high"}:
                return {"base": x["base"], "low": x["base"], "high": x["base"]}
            return {k: walk(v) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v) for v in x]
        return x
    return walk(doc)


def _replace(doc, name, x):
    """The document with the parameter called ``name`` (compiled naming) set to x."""
    import copy
    doc = copy.deepcopy(doc)
    parts = name.split(".")
    if parts[0] == "valuation":
        doc["valuation"]["discount_rate"] = x
    elif parts[0] == "proxies":
        next(p for p in doc["proxies"] if p["id"] == parts[1])["value"] = x
    else:
        items = doc[parts[0]]
        next(p for p in items if p["id"] == parts[1])[parts[2]] = x
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_sensitivity_matches_value(doc):
    model = ImpactModel.model_validate(doc)
    result = sensitivity(model)
    for bar in result.tornado:
        for x, ratio, npv in ((bar.low, bar.ratio_at_low, bar.npv_at_low),
                              (bar.high, bar.ratio_at_high, bar.npv_at_high)):
            ref = reference(_replace(doc, bar.parameter, x))
            assert close(npv, ref["npv"]), bar.parameter
            assert close(ratio, ref["sroi_ratio"]), bar.parameter
    for be in result.break_even:
        if be.parameter.endswith("duration"):
            if be.break_even is not None:
                at = reference(_replace(doc, be.parameter, be.break_even))["sroi_ratio"]
                before = reference(_replace(doc, be.parameter, be.break_even - 1))["sroi_ratio"]
                assert at is not None and before is not None
                assert (at - 1) * (before - 1) <= 0, (be, at, before)
            continue
        if be.break_even is None:
            name = be.parameter.rsplit(".", 1)[-1]
            if name in ("deadweight", "displacement", "attribution", "drop_off"):
                ends = [reference(_replace(doc, be.parameter, x))["sroi_ratio"] for x in (0.0, 1.0)]
                if None not in ends:
                    assert (ends[0] - 1) * (ends[1] - 1) > 0 or 1.0 in ends, (be, ends)
            continue
        ref = reference(_replace(doc, be.parameter, be.break_even))
        assert ref["sroi_ratio"] == pytest.approx(1.0, rel=1e-6), be.parameter


def test_duration_draws_are_whole_years():
    doc = {
        "impactlab": 1, "programme": {"name": "D", "price_year": 2025},
        "valuation": {"discount_rate": 0.0, "index": None},
        "stakeholders": [{"id": "a", "name": "a"}],
        "inputs": [{"id": "i", "stakeholder": "a", "amount": 100}],
        "outcomes": [{"id": "o", "stakeholder": "a", "description": "d", "quantity": 1, "value": 100,
                      "duration": {"base": 2, "low": 1, "high": 4, "dist": "uniform"}}],
    }
    sim = simulate(ImpactModel.model_validate(doc), draws=20_000, seed=3, keep_draws=True)
    # ratio = duration (value 100 per year, no discounting, investment 100)
    assert np.allclose(sim.ratio_draws, np.round(sim.ratio_draws))
    compile_model(ImpactModel.model_validate(doc))
    assert math.isfinite(sim.sroi_ratio.mean)


def test_comparison_deadweight_uses_one_reliable_change_criterion(monkeypatch):
    """Programme and comparison group are classified with the same S_diff (the SD of the pre scores of all
    paired respondents), as ``impactlab change --by group`` does; else the deadweight compares two rules."""
    import polars as pl

    from impactlab.evidence import quantities
    from impactlab.evidence.disclosure import DisclosurePolicy

    rows = []
    for k in range(20):  # programme: pre scores 5 or 7; 10 fall by 4, 5 by 2 (DJG: lower is better)
        pre = 5.0 + 2 * (k % 2)
        fall = 4.0 if k < 10 else 2.0 if k < 15 else 0.0
        rows += [(f"p{k}", "T0", "programme", pre), (f"p{k}", "T1", "programme", pre - fall)]
    for k in range(20):  # comparison: pre scores spread over 4..11; half fall by 2.5
        pre = 4.0 + (k % 8)
        rows += [(f"c{k}", "T0", "waiting", pre), (f"c{k}", "T1", "waiting", pre - 2.5 * (k < 10))]
    frame = pl.DataFrame(rows, schema=["respondent", "wave", "group", "djg-11"], orient="row")

    class Info:
        dataset, snapshot_id, short_id = "d", "0" * 64, "0" * 12

    from impactlab.evidence.rows import DatasetRows

    monkeypatch.setattr(quantities, "scored_frame",
                        lambda store, name, spec, allowed=None: (frame, DatasetRows("d", [Info()], frame)))
    doc = {"impactlab": 1, "programme": {"name": "E", "price_year": 2025},
           "stakeholders": [{"id": "a", "name": "A", "size": 100}],
           "outcomes": [{"id": "o", "stakeholder": "a", "description": "d", "value": 1,
                         "quantity": {"dataset": "d", "instrument": "djg-11", "pre": "T0", "post": "T1",
                                      "reliability": 0.8, "scale_to": "a", "comparison": "waiting",
                                      "group_column": "group"}}]}
    changes, _ = quantities.resolve_outcome(ImpactModel.model_validate(doc), 0, None, DisclosurePolicy(5))
    pre = frame.filter(pl.col("wave") == "T0")["djg-11"].to_numpy()
    post = frame.filter(pl.col("wave") == "T1")["djg-11"].to_numpy()
    s_diff = math.sqrt(2) * np.std(pre, ddof=1) * math.sqrt(1 - 0.8)
    improved = (pre - post) / s_diff > 1.96
    share_p, share_c = improved[:20].mean(), improved[20:].mean()
    assert changes["quantity"].base == pytest.approx(share_p * 100)
    assert changes["deadweight"].base == pytest.approx(share_c / share_p)


def test_excel_value_map_of_the_ranged_rate_example(tmp_path):
    """examples/eenzaamheid.yaml (a ranged discount rate): the workbook's formulas give value()'s figures."""
    from pathlib import Path

    formulas = pytest.importorskip("formulas")
    import openpyxl

    from impactlab import load_model
    from impactlab.reports.xlsx import render_xlsx

    model = load_model(Path(__file__).resolve().parents[1] / "examples" / "eenzaamheid.yaml")
    layout = render_xlsx(model, tmp_path / "v.xlsx", lang="en")
    book = formulas.ExcelModel().loads(str(layout.path)).finish()
    sheet = openpyxl.load_workbook(layout.path).worksheets[-1].title

    def key(address):
        name, cell = address.rsplit("!", 1)
        return f"'[v.xlsx]{name.strip(chr(39)).upper()}'!{cell.replace('$', '')}"

    who = [f"'{sheet}'!D{r}" for r in range(2, 2 + len(model.stakeholders))]
    keys = [key(a) for a in [layout.total_pv, layout.investment, layout.ratio, *who]]
    solution = book.calculate(outputs=keys)
    got = [float(solution[k].value[0][0]) for k in keys]
    result = value(model)
    expected = [result.present_value, result.investment, result.sroi_ratio, *(s.net for s in result.stakeholders)]
    np.testing.assert_allclose(got, expected, rtol=1e-9)

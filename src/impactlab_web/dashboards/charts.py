"""Vega-Lite specs of the dashboard: the core's report charts (who pays, waterfall, tornado, histogram) reused,
plus change per instrument and the support balance. Specs are served as JSON; the browser renders them with the
vendored Vega bundle (no CDN, no inline script: the content security policy stays strict)."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

from impactlab.reports import charts
from impactlab.reports.texts import Texts
from impactlab.valuation.sensitivity import SensitivityResult, TornadoBar

WIDTH = "container"


def _responsive(spec: dict[str, Any]) -> dict[str, Any]:
    spec = dict(spec)
    spec["width"] = WIDTH
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    config = dict(spec.get("config", {}))
    config["font"] = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
    spec["config"] = config
    return spec


def who_pays(valuation: dict[str, Any], texts: Texts) -> dict[str, Any]:
    result = SimpleNamespace(stakeholders=[SimpleNamespace(**s) for s in valuation["stakeholders"]])
    return _responsive(charts.who_pays_spec(result, texts))  # type: ignore[arg-type]


def waterfall(valuation: dict[str, Any], texts: Texts) -> dict[str, Any]:
    result = SimpleNamespace(outcomes=[SimpleNamespace(waterfall=o["waterfall"]) for o in valuation["outcomes"]])
    return _responsive(charts.waterfall_spec(result, texts))  # type: ignore[arg-type]


def waterfall_totals(valuation: dict[str, Any]) -> list[tuple[str, float]]:
    """(step, amount) over all outcomes, in the core's order of steps."""
    return [(step, sum(o["waterfall"][step] for o in valuation["outcomes"])) for step in charts.WATERFALL_STEPS]


def tornado(figures: dict[str, Any], texts: Texts) -> dict[str, Any]:
    keys = ("parameter", "base", "low", "high", "ratio_at_low", "ratio_at_high", "npv_at_low", "npv_at_high", "swing")
    bars = [TornadoBar(**{k: b[k] for k in keys}) for b in figures["bars"]]
    sens = SensitivityResult(figures["base_ratio"], 0.0, bars, [])
    return _responsive(charts.tornado_spec(sens, figures["labels"], texts))


def histogram(simulation: dict[str, Any], lang: str) -> dict[str, Any]:
    """The core's Monte Carlo histogram, sized for the page."""
    return _responsive(copy.deepcopy(simulation["histogram"][lang]))


def change(result: dict[str, Any], title: str, labels: dict[str, str]) -> dict[str, Any]:
    """Mean score before and after, overall and per group; suppressed groups are left out of the data."""
    stats = result["change"]
    rows = []
    units = [(labels["all"], stats)] + [(str(g.get("group")), g) for g in stats.get("groups", [])]
    for order, (unit, figures) in enumerate(units):
        if figures.get("suppressed"):
            continue
        for wave, key in ((stats["pre_wave"], "mean_pre"), (stats["post_wave"], "mean_post")):
            if figures.get(key) is not None:
                rows.append({"unit": unit, "order": order, "wave": wave, "mean": figures[key],
                             "n": figures.get("n_pairs")})
    spec = {
        "title": {"text": title, "anchor": "start", "fontSize": 13},
        "height": {"step": 14},
        "data": {"values": rows},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "unit", "type": "nominal", "sort": {"field": "order"}, "title": None,
                  "axis": {"labelLimit": 200}},
            "yOffset": {"field": "wave", "sort": [stats["pre_wave"], stats["post_wave"]]},
            "x": {"field": "mean", "type": "quantitative", "title": labels["mean"]},
            "color": {"field": "wave", "type": "nominal", "title": labels["wave"],
                      "scale": {"domain": [stats["pre_wave"], stats["post_wave"]],
                                "range": [charts.COLORS["low"], charts.COLORS["total"]]}},
            "tooltip": [{"field": "unit", "title": labels["group"]}, {"field": "wave", "title": labels["wave"]},
                        {"field": "mean", "format": ".2f", "title": labels["mean"]},
                        {"field": "n", "title": labels["pairs"]}],
        },
        "config": {"view": {"stroke": None}, "legend": {"orient": "bottom"}},
    }
    return _responsive(spec)


def balance(result: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """Formal and informal hours per period (and team); suppressed cells are left out of the data."""
    rows = []
    for row in result["rows"]:
        if row.get("suppressed"):
            continue
        where = " · ".join(str(row[c]) for c in result["by"]) or labels["all"]
        for kind, key in ((labels["formal"], "hours_formal"), (labels["informal"], "hours_informal")):
            rows.append({"period": row["period"], "where": where, "support": kind, "hours": row[key] or 0.0})
    spec = {
        "title": {"text": labels["title"], "anchor": "start", "fontSize": 13},
        "height": 200,
        "data": {"values": rows},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "period", "type": "ordinal", "title": labels["period"], "timeUnit": "yearquarter"},
            "y": {"field": "hours", "type": "quantitative", "title": labels["hours"], "stack": "zero"},
            "color": {"field": "support", "type": "nominal", "title": None,
                      "scale": {"range": [charts.COLORS["total"], charts.COLORS["high"]]}},
            "tooltip": [{"field": "period", "type": "temporal", "timeUnit": "yearquarter"},
                        {"field": "where"}, {"field": "support"}, {"field": "hours", "format": ",.0f"}],
        },
        "config": {"view": {"stroke": None}, "legend": {"orient": "bottom"}},
    }
    return _responsive(spec)


def format_locale(lang: str) -> dict[str, Any]:
    """d3's number format of the language (Dutch: 1.234,5), from the core's report module."""
    return charts.format_locale(lang)

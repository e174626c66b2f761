"""Vega-Lite chart specs (one spec for the interactive HTML and the static PDF image) and their conversion."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from impactlab.reports.texts import Texts
from impactlab.valuation import SensitivityResult, ValuationResult

WIDTH = 520
FONT = "DejaVu Sans"
COLORS = {"low": "#d95f02", "high": "#1b9e77", "total": "#3b5b92", "decrease": "#c44e52",
          "invested": "#d95f02", "benefits": "#1b9e77"}
LOCALES = {"nl": "nl-NL", "en": "en-US"}
MAX_TORNADO_BARS = 12
BINS = 40
WATERFALL_STEPS = ("gross", "deadweight", "displacement", "attribution", "drop_off", "discounting", "present_value")


def _base(title: str, height: int) -> dict[str, Any]:
    return {"title": {"text": title, "anchor": "start", "fontSize": 13}, "width": WIDTH, "height": height,
            "config": {"font": FONT, "view": {"stroke": None}, "axis": {"labelFontSize": 10, "titleFontSize": 11},
                       "legend": {"orient": "bottom", "title": None}}}


def tornado_spec(sens: SensitivityResult, labels: dict[str, str], texts: Texts) -> dict[str, Any]:
    """Bars from the base ratio to the ratio at each assumption's low and high value, widest first."""
    bars = [b for b in sens.tornado if b.ratio_at_low is not None and b.ratio_at_high is not None]
    bars = bars[:MAX_TORNADO_BARS]
    base = sens.base_ratio or 0.0
    rows = []
    for rank, bar in enumerate(bars):
        for which, ratio, setting in (("low", bar.ratio_at_low, bar.low), ("high", bar.ratio_at_high, bar.high)):
            rows.append({"assumption": labels.get(bar.parameter, bar.parameter), "rank": rank,
                         "end": texts(which), "which": which, "ratio": ratio, "base": base, "setting": setting})
    spec = _base(texts("tornado"), max(80, 24 * len(bars)))
    spec["data"] = {"values": rows}
    spec["layer"] = [
        {"mark": {"type": "bar", "height": 14},
         "encoding": {
             "y": {"field": "assumption", "type": "nominal", "sort": {"field": "rank"}, "title": None,
                   "axis": {"labelLimit": 260}},
             "x": {"field": "ratio", "type": "quantitative", "title": texts("sroi_ratio"),
                   "scale": {"zero": False}},
             "x2": {"field": "base"},
             "color": {"field": "end", "type": "nominal",
                       "scale": {"domain": [texts("low"), texts("high")], "range": [COLORS["low"], COLORS["high"]]}},
             "tooltip": [{"field": "assumption"}, {"field": "end"}, {"field": "setting", "format": ".4~g"},
                         {"field": "ratio", "format": ".2f", "title": texts("sroi_ratio")}]}},
        {"mark": {"type": "rule", "color": "#333"}, "encoding": {"x": {"datum": base}}},
    ]
    return spec


def waterfall_spec(result: ValuationResult, texts: Texts) -> dict[str, Any]:
    """All outcomes together: gross value, what each deduction and discounting takes off, present value."""
    totals = {step: sum(o.waterfall[step] for o in result.outcomes) for step in WATERFALL_STEPS}
    names = {"gross": texts("gross"), "present_value": texts("present_value"), "discounting": texts("discounting")}
    rows, level = [], 0.0
    for order, step in enumerate(WATERFALL_STEPS):
        label = names.get(step) or texts(step)
        if step in ("gross", "present_value"):
            rows.append({"step": label, "order": order, "start": 0.0, "end": totals[step], "amount": totals[step],
                         "kind": "total"})
            level = totals[step]
        else:
            rows.append({"step": label, "order": order, "start": level, "end": level + totals[step],
                         "amount": totals[step], "kind": "decrease"})
            level += totals[step]
    spec = _base(texts("waterfall_title"), 220)
    spec["data"] = {"values": rows}
    spec["mark"] = {"type": "bar", "width": {"band": 0.7}}
    spec["encoding"] = {
        "x": {"field": "step", "type": "nominal", "sort": {"field": "order"}, "title": None,
              "axis": {"labelAngle": 0, "labelLimit": 90}},
        "y": {"field": "start", "type": "quantitative", "title": texts.symbol(),
              "axis": {"format": ",.0f"}},
        "y2": {"field": "end"},
        "color": {"field": "kind", "type": "nominal", "legend": None,
                  "scale": {"domain": ["total", "decrease"], "range": [COLORS["total"], COLORS["decrease"]]}},
        "tooltip": [{"field": "step"}, {"field": "amount", "format": ",.0f"}],
    }
    return spec


def who_pays_spec(result: ValuationResult, texts: Texts) -> dict[str, Any]:
    """Per stakeholder: what it invests and what it gains (present values)."""
    rows = []
    for s in result.stakeholders:
        for measure, amount in (("invested", s.invested), ("benefits", s.benefits)):
            rows.append({"stakeholder": s.name, "measure": texts(measure), "amount": amount})
    spec = _base(texts("who_pays"), max(90, 34 * len(result.stakeholders)))
    spec["data"] = {"values": rows}
    spec["mark"] = {"type": "bar", "height": {"band": 0.8}}
    spec["encoding"] = {
        "y": {"field": "stakeholder", "type": "nominal", "title": None, "sort": None,
              "axis": {"labelLimit": 220}},
        "yOffset": {"field": "measure"},
        "x": {"field": "amount", "type": "quantitative", "title": texts.symbol(), "axis": {"format": ",.0f"}},
        "color": {"field": "measure", "type": "nominal",
                  "scale": {"domain": [texts("invested"), texts("benefits")],
                            "range": [COLORS["invested"], COLORS["benefits"]]}},
        "tooltip": [{"field": "stakeholder"}, {"field": "measure"},
                    {"field": "amount", "format": ",.0f"}],
    }
    return spec


def histogram_spec(draws: np.ndarray, p5: float, p95: float, texts: Texts) -> dict[str, Any]:
    """The simulated ratios, binned in Python (a small spec), with P5, P95 and the break-even line at 1."""
    finite = draws[np.isfinite(draws)]
    counts, edges = np.histogram(finite, bins=BINS)
    rows = [{"from": float(edges[k]), "to": float(edges[k + 1]), "share": float(counts[k] / max(finite.size, 1))}
            for k in range(BINS)]
    marks = [{"value": 1.0, "label": "1"}, {"value": p5, "label": "P5"}, {"value": p95, "label": "P95"}]
    spec = _base(texts("histogram"), 180)
    spec["layer"] = [
        {"data": {"values": rows}, "mark": {"type": "bar", "color": COLORS["total"], "opacity": 0.85},
         "encoding": {"x": {"field": "from", "type": "quantitative", "title": texts("sroi_ratio"),
                            "scale": {"zero": False}},
                      "x2": {"field": "to"},
                      "y": {"field": "share", "type": "quantitative", "title": texts("share"),
                            "axis": {"format": ".0%"}},
                      "y2": {"datum": 0},
                      "tooltip": [{"field": "from", "format": ".2f"}, {"field": "to", "format": ".2f"},
                                  {"field": "share", "format": ".1%"}]}},
        {"data": {"values": marks}, "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#333"},
         "encoding": {"x": {"field": "value", "type": "quantitative"}}},
        {"data": {"values": marks}, "mark": {"type": "text", "dy": -6, "align": "left", "dx": 3, "fontSize": 10},
         "encoding": {"x": {"field": "value", "type": "quantitative"}, "y": {"value": 0},
                      "text": {"field": "label"}}},
    ]
    return spec


@functools.cache
def format_locale(lang: str) -> dict[str, Any]:
    """The d3 number format locale of a report language."""
    import vl_convert

    return vl_convert.get_format_locale(LOCALES[lang])


def to_svg(spec: dict[str, Any], lang: str) -> str:
    """A static SVG of a Vega-Lite spec (for the PDF)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(spec, format_locale=format_locale(lang))


@functools.cache
def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script, from the vl-convert package (no network)."""
    import vl_convert

    return vl_convert.javascript_bundle()

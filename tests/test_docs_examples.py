"""The figures quoted in docs/valuation.md are the engine's figures for docs/examples/worked.yaml.

docs/valuation.md marks its checked figures in fenced blocks with the info string ``figures``; each line is
``scenario: path = number``. This test runs every scenario, looks the path up in its JSON output and fails
when a quoted figure differs from the engine's by more than the rounding shown. So the docs cannot drift
from the engine: change either, and this test fails until the other follows.

It also checks the YAML in the doc against the model file, recomputes key figures by hand (without the
engine), and re-creates the Monte Carlo draws without the engine.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from impactlab.cli import app
from impactlab.model.document import dump_model, parse_model
from impactlab.valuation import sensitivity, simulate, value
from impactlab.valuation.montecarlo import CHUNK

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "valuation.md"
MODEL = ROOT / "docs" / "examples" / "worked.yaml"
DRAWS, SEED = 100_000, 7

FIGURE_BLOCK = re.compile(r"^```figures\n(.*?)^```", re.MULTILINE | re.DOTALL)
FIGURE_LINE = re.compile(r"^(?P<scenario>\w+):\s*(?P<path>\S+)\s*=\s*(?P<value>none|-?\d+(?:\.\d+)?)$")
PATH_PART = re.compile(r"(?P<key>\w+)(?P<picks>(?:\[[^\]]+\])*)")


def quoted_figures() -> list[tuple[str, str, str]]:
    """Every (scenario, path, quoted value) in the doc's ``figures`` blocks."""
    figures = []
    for block in FIGURE_BLOCK.findall(DOC.read_text(encoding="utf-8")):
        for line in block.strip().splitlines():
            match = FIGURE_LINE.match(line.strip())
            assert match, f"not a figure line in docs/valuation.md: {line!r}"
            figures.append((match["scenario"], match["path"], match["value"]))
    return figures


def _text() -> str:
    return MODEL.read_text(encoding="utf-8")


def _model(**changes: Any):
    model = parse_model(_text(), "worked.yaml")
    if "first_year" in changes:
        model = model.model_copy(update={"valuation": model.valuation.model_copy(
            update={"discount_first_year": changes["first_year"]})})
    if changes.get("no_indices"):
        model = model.model_copy(update={"indices": {}})
    if "subsidy" in changes:
        inputs = [i.model_copy(update={"amount": changes["subsidy"]}) if i.id == "subsidy" else i
                  for i in model.inputs]
        model = model.model_copy(update={"inputs": inputs})
    return parse_model(dump_model(model), "worked.yaml")  # re-validated


def _cli_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, [*args, str(MODEL), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@functools.cache
def scenario(name: str) -> dict[str, Any]:
    """The JSON output a scenario of the doc stands for."""
    runs = {
        "value": lambda: _cli_json("value"),
        "value_first_year_undiscounted": lambda: value(_model(first_year=False)).to_dict(),
        "value_builtin_cpi": lambda: value(_model(no_indices=True)).to_dict(),
        "sensitivity": lambda: _cli_json("sensitivity"),
        "sensitivity_subsidy_35000": lambda: sensitivity(_model(subsidy=35000.0)).to_dict(),
        "simulate": lambda: _cli_json("simulate", "--draws", str(DRAWS), "--seed", str(SEED)),
    }
    assert name in runs, f"unknown scenario {name!r} in docs/valuation.md"
    return json.loads(json.dumps(runs[name]()))


def lookup(data: Any, path: str) -> Any:
    """``outcomes[less_lonely].impact_by_year[2]``: keys, items by id/parameter, list positions."""
    node = data
    for part in re.split(r"\.(?![^\[]*\])", path):
        match = PATH_PART.fullmatch(part)
        assert match, f"bad path part {part!r} in {path!r}"
        node = node[match["key"]]
        for pick in re.findall(r"\[([^\]]+)\]", match["picks"]):
            if pick.isdigit():
                node = node[int(pick)]
            else:
                found = [item for item in node if pick in (item.get("id"), item.get("parameter"))]
                assert len(found) == 1, f"{pick!r} not found once in {path!r}"
                node = found[0]
    return node


def agrees(actual: float | None, quoted: str) -> bool:
    """True when ``actual`` rounds to the quoted figure at the number of decimals quoted."""
    if quoted == "none":
        return actual is None
    if actual is None:
        return False
    decimals = len(quoted.split(".")[1]) if "." in quoted else 0
    return abs(actual - float(quoted)) <= 0.5 * 10.0 ** -decimals * (1 + 1e-9) + 1e-12


FIGURES = quoted_figures()


def test_the_doc_quotes_figures_of_every_scenario() -> None:
    scenarios = {s for s, _, _ in FIGURES}
    assert scenarios == {"value", "value_first_year_undiscounted", "value_builtin_cpi", "sensitivity",
                         "sensitivity_subsidy_35000", "simulate"}
    assert len(FIGURES) >= 80


@pytest.mark.parametrize(("name", "path", "quoted"), FIGURES, ids=[f"{s}:{p}" for s, p, _ in FIGURES])
def test_quoted_figure_is_the_engines(name: str, path: str, quoted: str) -> None:
    actual = lookup(scenario(name), path)
    assert agrees(actual, quoted), f"docs/valuation.md quotes {name}: {path} = {quoted}; the engine gives {actual!r}"


def test_agrees_detects_a_changed_figure() -> None:
    assert agrees(2.0603332, "2.060333")
    assert not agrees(2.0603352, "2.060333")
    assert not agrees(None, "1.0") and agrees(None, "none") and not agrees(0.0, "none")


def test_the_yaml_in_the_doc_is_the_model_file() -> None:
    doc = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml\n(.*?)^```", doc, re.MULTILINE | re.DOTALL)
    assert blocks and blocks[0] == _text()


# --- hand calculations, without the engine ---------------------------------------------------------

D = 1.05
FIRST = {"less_lonely": 40 * 1000 * 0.75 * 0.8, "fewer_crises": 5 * 2000 * 0.7 * 0.9 * 0.5,
         "debt_relief": 10 * 500 * 0.8 * 0.9}


def _hand_pv(first_year_discounted: bool = True) -> dict[str, float]:
    s = 0 if first_year_discounted else 1
    return {
        "less_lonely": sum(FIRST["less_lonely"] * 0.5**k / D ** (1 + k - s) for k in range(3)),
        "fewer_crises": sum(FIRST["fewer_crises"] / D ** (1 + k - s) for k in range(2)),
        "debt_relief": FIRST["debt_relief"] / D ** (2 - s),
    }


def _quoted(name: str, path: str) -> float:
    return next(float(q) for s, p, q in FIGURES if s == name and p == path)


def test_hand_arithmetic_matches_the_quoted_figures() -> None:
    investment = 10000 + 500 * 16 * 130 / 125 + 5250 / D
    pv = _hand_pv()
    total = sum(pv.values())
    hand = {
        "investment": investment,
        "present_value": total,
        "sroi_ratio": total / investment,
        "net_present_value": total - investment,
        "payback_months": investment / ((FIRST["less_lonely"] + FIRST["fewer_crises"]) / 12),
        "society.npv": total - pv["debt_relief"] - investment,
        "stakeholders[municipality].net": pv["fewer_crises"] - pv["debt_relief"] - 10000 - 5250 / D,
        "outcomes[less_lonely].present_value": pv["less_lonely"],
    }
    for path, figure in hand.items():
        assert agrees(figure, str(_quoted("value", path))) or math.isclose(figure, _quoted("value", path),
                                                                           rel_tol=1e-6), path
    undiscounted = sum(_hand_pv(first_year_discounted=False).values())
    assert math.isclose(undiscounted, _quoted("value_first_year_undiscounted", "present_value"), rel_tol=1e-8)
    builtin = 500 * 16 * 134.50 / 130.20
    assert math.isclose(builtin, _quoted("value_builtin_cpi", "inputs[volunteering].value"), rel_tol=1e-8)
    # break-even of a linear assumption, in closed form
    needed = investment - pv["fewer_crises"] - pv["debt_relief"]
    be_quantity = 40 * needed / pv["less_lonely"]
    assert math.isclose(be_quantity, _quoted("sensitivity", "break_even[outcomes.less_lonely.quantity].break_even"),
                        rel_tol=1e-7)


def test_drop_off_break_even_is_the_root_of_a_quadratic() -> None:
    a, b, c = 24000 / D**3, 24000 / D**2, 24000 / D
    target = 48320 - _hand_pv()["fewer_crises"] - _hand_pv()["debt_relief"]
    k = (-b + math.sqrt(b * b - 4 * a * (c - target))) / (2 * a)
    engine = lookup(scenario("sensitivity_subsidy_35000"), "break_even[outcomes.less_lonely.drop_off].break_even")
    assert math.isclose(1 - k, engine, rel_tol=1e-9)


def test_monte_carlo_recreated_without_the_engine() -> None:
    """Same seed, same chunked PCG64 streams, inverse CDFs and the PV written out: the same summary."""
    streams = np.random.SeedSequence(SEED).spawn(math.ceil(DRAWS / CHUNK))
    u = np.concatenate([np.random.Generator(np.random.PCG64(stream)).random((3, min(CHUNK, DRAWS - k * CHUNK)))
                        for k, stream in enumerate(streams)], axis=1)

    def triangular(x: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
        split = (mode - low) / (high - low)
        return np.where(x < split, low + np.sqrt(x * (high - low) * (mode - low)),
                        high - np.sqrt((1 - x) * (high - low) * (high - mode)))

    quantity = triangular(u[0], 30, 40, 50)
    deadweight = triangular(u[1], 0.10, 0.25, 0.40)
    attribution = 0.40 + u[2] * 0.20
    pv = (quantity * 1000 * (1 - deadweight) * 0.8 * (1 / D + 0.5 / D**2 + 0.25 / D**3)
          + 5 * 2000 * 0.7 * 0.9 * (1 - attribution) * (1 / D + 1 / D**2) + 3600 / D**2)
    ratio = np.sort(pv / 23320)
    n = ratio.size
    mine = {"mean": ratio.mean(), "p5": np.quantile(ratio, 0.05), "p50": np.quantile(ratio, 0.5),
            "p95": np.quantile(ratio, 0.95), "sd": ratio.std(ddof=1)}
    for p in (0.05, 0.5, 0.95):
        spread = 1.959964 * math.sqrt(n * p * (1 - p))
        lo, hi = math.floor(n * p - spread), math.ceil(n * p + spread)
        mine[f"p{round(p * 100)}_se"] = (ratio[hi] - ratio[lo]) / (2 * 1.959964)
    engine = scenario("simulate")["sroi_ratio"]
    for key, figure in mine.items():
        assert math.isclose(figure, engine[key], rel_tol=1e-9), key
    direct = simulate(_model(), draws=DRAWS, seed=SEED)
    assert math.isclose(direct.sroi_ratio.p50, engine["p50"], rel_tol=1e-12)


def test_expected_ratio_is_the_base_ratio_within_monte_carlo_error() -> None:
    base = _quoted("value", "sroi_ratio")
    summary = scenario("simulate")["sroi_ratio"]
    assert abs(summary["mean"] - base) < 4 * summary["mean_se"] + 1e-6

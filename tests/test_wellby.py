"""Value from measured wellbeing (issue 14): the WELLBY route of evidence quantities.

The worked example (examples/wellbeing, docs/model-format.md) is recomputed here by hand: the CSV is read with
the csv module, the means and standard deviations come from the statistics module, the CPI from the index
file, and the present value from the SROI formula, without the engine's functions.
"""

from __future__ import annotations

import csv
import math
import statistics
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from impactlab import simulate, value
from impactlab.evidence.quantities import _pairs, mean_change
from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file
from impactlab.model import check_text
from impactlab.model.document import dump_model, load_model, parse_model
from impactlab.model.schema import ImpactModel

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "wellbeing"
Z95 = 1.959963984540054


@pytest.fixture(scope="module")
def example_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    space = Workspace(tmp_path_factory.mktemp("wellby"))
    import_file(EXAMPLE / "levenstevredenheid.csv", EXAMPLE / "mapping.yaml", "levenstevredenheid", space)
    return space


def changes_by_hand(group: str) -> list[float]:
    """post - pre of every respondent of the group with both waves, read from the CSV."""
    waves: dict[str, dict[str, float]] = {}
    with open(EXAMPLE / "levenstevredenheid.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["group"] == group:
                waves.setdefault(row["respondent"], {})[row["wave"]] = float(row["life_satisfaction"])
    return [w["T1"] - w["T0"] for w in waves.values() if "T0" in w and "T1" in w]


def test_worked_example_by_hand(example_workspace: Workspace) -> None:
    programme, comparison = changes_by_hand("deelnemers"), changes_by_hand("wachtlijst")
    assert (len(programme), len(comparison)) == (12, 10)  # D13 and W11 answered one wave only
    se_p = statistics.stdev(programme) / math.sqrt(12)
    se_c = statistics.stdev(comparison) / math.sqrt(10)
    did = statistics.fmean(programme) - statistics.fmean(comparison)
    se = math.sqrt(se_p**2 + se_c**2)
    assert (statistics.fmean(programme), statistics.fmean(comparison), did) == pytest.approx((1.0, 0.2, 0.8))
    assert (se_p, se_c, se) == pytest.approx((0.301511, 0.2, 0.361814), abs=1e-6)
    wellbys = did * 120  # participants
    cpi = yaml.safe_load((ROOT / "src/impactlab/data/indices/cpi.yaml").read_text(encoding="utf-8"))["values"]
    unit_value = 14_499 * cpi[2025] / cpi[2019]  # the library's WELLBY (2019 prices) in 2025 prices
    present_value = wellbys * unit_value * (1 - 0.2) * (1 / 1.035 + 1 / 1.035**2)

    result = value(load_model(EXAMPLE / "model.yaml"), example_workspace.root)
    (outcome,) = result.outcomes
    assert outcome.quantity == pytest.approx(96.0)
    assert outcome.unit_value == pytest.approx(unit_value)
    assert outcome.deadweight == 0  # the comparison group's change is inside the difference in differences
    assert outcome.present_value == pytest.approx(present_value)
    assert round(present_value) == 2_680_059
    assert result.sroi_ratio == pytest.approx(present_value / 150_000)
    quantity, deadweight = result.evidence
    assert quantity["field"] == "quantity" and quantity["measure"] == "wellby"
    assert quantity["n_pairs"] == 12 and quantity["se"] == pytest.approx(se)
    assert (quantity["low"], quantity["high"]) == pytest.approx((wellbys - Z95 * se * 120, wellbys + Z95 * se * 120))
    assert "difference in differences +0.800 (SE 0.362)" in quantity["description"]
    assert "x 120 people (participants) = 96.00 WELLBYs a year" in quantity["description"]
    assert deadweight["field"] == "deadweight" and deadweight["n_pairs"] == 10
    assert "difference in differences" in outcome.trail["quantity"] and "wachtlijst" in outcome.trail["deadweight"]


def test_without_comparison_the_sample_is_the_count(example_workspace: Workspace) -> None:
    document = load_model(EXAMPLE / "model.yaml").to_document()
    quantity = document["outcomes"][0]["quantity"]
    for key in ("comparison", "group_column", "scale_to"):
        quantity.pop(key)
    result = value(ImpactModel.model_validate(document), example_workspace.root)
    changes = changes_by_hand("deelnemers") + changes_by_hand("wachtlijst")
    assert result.outcomes[0].quantity == pytest.approx(sum(changes))  # mean change x the 22 paired respondents
    assert result.evidence[0]["se"] == pytest.approx(statistics.stdev(changes) / math.sqrt(22))


@pytest.mark.parametrize("steps", [[-1, 0, 1, 1, 2], [-1, 0, 1]], ids=["gain", "no change"])
def test_simulated_spread_is_the_standard_error(tmp_path: Path, steps: list[int]) -> None:
    """NPV = WELLBYs x EUR 10 - 1000 with WELLBYs ~ normal(mean change x 1000, SE x 1000): the draws' SD is
    the SE, and a change whose interval reaches below zero is drawn without a floor at zero."""
    rng = np.random.default_rng(5)
    n = 400
    before = rng.integers(2, 8, size=n)
    after = before + rng.choice(steps, size=n)
    respondents = [f"R{k}" for k in range(n)]
    frame = pl.DataFrame({"respondent": respondents * 2, "wave": ["T0"] * n + ["T1"] * n,
                          "life_satisfaction": np.concatenate([before, after])})
    frame.write_csv(tmp_path / "survey.csv")
    space = Workspace(tmp_path / "ws")
    import_file(tmp_path / "survey.csv", {"respondent_id": "respondent", "wave": "wave",
                                          "instrument": "ons4-life-satisfaction"}, "ls", space)
    diff = (after - before).astype(float)
    se = statistics.stdev(diff.tolist()) / math.sqrt(n)
    model = ImpactModel.model_validate({
        "programme": {"name": "Spread", "price_year": 2025}, "valuation": {"discount_rate": 0.0},
        "stakeholders": [{"id": "p", "name": "People", "size": 1000}, {"id": "c", "name": "City"}],
        "inputs": [{"id": "grant", "stakeholder": "c", "amount": 1000}],
        "outcomes": [{"id": "happier", "stakeholder": "p", "description": "happier", "value": 10,
                      "quantity": {"dataset": "ls", "measure": "wellby", "instrument": "ons4-life-satisfaction",
                                   "pre": "T0", "post": "T1", "scale_to": "p"}}]})
    assert value(model, space.root).net_present_value == pytest.approx(diff.mean() * 1000 * 10 - 1000)
    result = simulate(model, draws=200_000, seed=11, workspace=space.root)
    sd = se * 1000 * 10
    assert result.net_present_value.mean == pytest.approx(diff.mean() * 1000 * 10 - 1000, abs=0.01 * sd)
    assert result.net_present_value.sd == pytest.approx(sd, rel=0.01)


# -- the reader: respondents paired over two waves --------------------------------------------------

respondent_waves = st.dictionaries(
    st.text("abcdefgh0123456789", min_size=1, max_size=6),
    st.tuples(st.none() | st.integers(0, 10), st.none() | st.integers(0, 10), st.none() | st.integers(0, 10)),
    min_size=2, max_size=40)


@given(respondent_waves, st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_pairs_and_mean_change_match_a_per_respondent_calculation(data: dict, random: object) -> None:
    """Rows in any order, a third wave, missing answers: only respondents with both waves count."""
    rows = [(r, w, s) for r, scores in data.items() for w, s in zip(("T0", "T1", "T2"), scores, strict=True)
            if s is not None or w == "T2"]
    random.shuffle(rows)  # type: ignore[attr-defined]
    frame = pl.DataFrame({"respondent": [r[0] for r in rows], "wave": [r[1] for r in rows],
                          "score": [r[2] for r in rows]}, schema={"respondent": pl.String, "wave": pl.String,
                                                                  "score": pl.Float64})
    expected = [t1 - t0 for t0, t1, _ in data.values() if t0 is not None and t1 is not None]
    if not expected:
        with pytest.raises(Exception, match="both T0 and T1"):
            _pairs(frame, "score", "T0", "T1", None)
        return
    pairs = _pairs(frame, "score", "T0", "T1", None)
    change = mean_change(pairs["pre"].to_numpy(), pairs["post"].to_numpy())
    assert change.n == len(expected)
    assert change.mean == pytest.approx(statistics.fmean(expected))
    if len(expected) > 1:
        assert change.se == pytest.approx(statistics.stdev(expected) / math.sqrt(len(expected)), abs=1e-9)


# -- the model: parsing and checks -------------------------------------------------------------------

quantities = st.fixed_dictionaries(
    {"dataset": st.sampled_from(["ls", "levenstevredenheid"]), "measure": st.just("wellby"),
     "instrument": st.sampled_from(["ons4-life-satisfaction", "cantril-ladder", "ons4", "cantril"]),
     "pre": st.sampled_from(["T0", "baseline"]), "post": st.sampled_from(["T1", "T2"])},
    optional={"scale_to": st.just("participants"), "snapshot": st.just("abc123"),
              "comparison": st.just("wachtlijst")})


@given(quantities)
@settings(max_examples=40, deadline=None)
def test_wellby_quantity_round_trips_and_checks(quantity: dict) -> None:
    if "comparison" in quantity:
        quantity["group_column"] = "group"
    document = load_model(EXAMPLE / "model.yaml").to_document()
    document["outcomes"][0]["quantity"] = quantity
    model = ImpactModel.model_validate(document)
    assert parse_model(dump_model(model)) == model
    report = check_text(dump_model(model), "m.yaml")
    assert report.ok, report.errors


@pytest.mark.parametrize(("old", "new", "message"), [
    ("pre: T0", "pre: T0, rule: improvement",
     "quantity: measure wellby values the mean change of every respondent: rule is for measure share"),
    ("instrument: ons4-life-satisfaction", "instrument: djg-11",
     "quantity.instrument: measure wellby needs a 0-10 life-satisfaction score, got djg-11: use instrument: "
     "ons4-life-satisfaction, instrument: ons4 (score: life_satisfaction), instrument: cantril-ladder"),
    ("instrument: ons4-life-satisfaction", "instrument: ons4, score: anxiety", "got ons4 (score: anxiety)"),
    ("attribution: 0.2", "attribution: 0.2\n    deadweight: 0.1",
     "deadweight: with a comparison group the deadweight is the comparison group's change (difference in "
     "differences): a deadweight here would count it twice"),
    (", group_column: group", "", "quantity: comparison needs group_column: the column holding the group"),
    ("measure: wellby", "measure: wellbeing", "quantity.measure: must be 'share' or 'wellby', got 'wellbeing'"),
])
def test_wellby_mistakes_are_named(old: str, new: str, message: str) -> None:
    text = (EXAMPLE / "model.yaml").read_text(encoding="utf-8")
    assert old in text
    report = check_text(text.replace(old, new), "m.yaml")
    assert not report.ok
    assert any(message in line for line in report.errors), report.errors


def test_example_checks_clean_and_wellby_quantity_is_in_wellbys() -> None:
    text = (EXAMPLE / "model.yaml").read_text(encoding="utf-8")
    assert check_text(text, "m.yaml").warnings == []
    # no unit warning even with a person unit: a wellby quantity counts WELLBYs
    assert check_text(text.replace("unit: WELLBY", "unit: person"), "m.yaml").warnings == []
    dutch = check_text(text.replace("pre: T0", "pre: T0, threshold: 7"), "m.yaml", "nl")
    assert any("threshold hoort bij measure share" in line for line in dutch.errors)


def test_docs_quote_the_example_and_its_figures() -> None:
    doc = (ROOT / "docs" / "model-format.md").read_text(encoding="utf-8")
    model = (EXAMPLE / "model.yaml").read_text(encoding="utf-8")
    snippet = ("    quantity: {dataset: levenstevredenheid, measure: wellby, instrument: ons4-life-satisfaction,\n"
               "               pre: T0, post: T1, scale_to: participants, comparison: wachtlijst, group_column: group}")
    assert snippet in doc and snippet in model
    for figure in ("= EUR 2,680,059", "0.800 × 120 = 96.0, SD 0.3618 × 120 = 43.42", "= 17.87"):
        assert figure in doc

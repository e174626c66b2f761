"""Model documents: validation messages with places and hints, and lossless YAML round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impactlab import check_model, dump_model, load_model, parse_model
from impactlab.errors import UserError
from impactlab.model import check_text
from impactlab.model.examples import example_names, example_text
from impactlab.model.schema import ImpactModel

GOOD = """\
impactlab: 1
programme: {name: Test, price_year: 2025}
stakeholders:
  - {id: residents, name: Residents, size: 240}
  - {id: municipality, name: Municipality}
inputs:
  - {id: subsidy, stakeholder: municipality, amount: 180000}
outcomes:
  - id: first
    stakeholder: residents
    description: First
    quantity: 10
    value: 100
    deadweight: 0.1
    attribution: 0.2
  - id: second
    stakeholder: residents
    description: Second
    quantity: 10
    value: 100
    deadweight: 0.1
    attribution: 0.2
  - id: less_lonely
    stakeholder: residents
    description: Feel less lonely
    quantity: 96
    value: 1000
    deadweight: 1.4
    attribution: 0.3
"""


def errors_of(text: str) -> list[str]:
    report = check_text(text, "model.yaml")
    assert report.model is None
    return report.errors


def test_fraction_out_of_range_names_place_and_line() -> None:
    (message,) = errors_of(GOOD)
    assert message.startswith("model.yaml: outcomes[2] (less_lonely).deadweight: must be between 0 and 1, got 1.4")
    line = GOOD.splitlines().index("    deadweight: 1.4") + 1
    assert message.endswith(f"(line {line})")


def test_unknown_key_with_did_you_mean() -> None:
    (message,) = errors_of(GOOD.replace("deadweight: 1.4", "dedweight: 0.4"))
    assert "outcomes[2] (less_lonely).dedweight: unknown key 'dedweight' (did you mean 'deadweight'?)" in message


def test_unknown_stakeholder_and_proxy() -> None:
    text = GOOD.replace("deadweight: 1.4", "deadweight: 0.4").replace(
        "    stakeholder: residents\n    description: Second", "    stakeholder: resident\n    description: Second"
    ).replace("    value: 1000\n", "    proxy: no_such_proxy\n")
    messages = errors_of(text)
    assert any("outcomes[1] (second).stakeholder: unknown stakeholder 'resident' (did you mean 'residents'?)" in m
               for m in messages)
    assert any("outcomes[2] (less_lonely).proxy: unknown proxy 'no_such_proxy'" in m for m in messages)


def test_duplicate_ids() -> None:
    text = GOOD.replace("deadweight: 1.4", "deadweight: 0.4").replace("id: second", "id: first")
    (message,) = errors_of(text)
    assert "outcomes[1] (first).id: duplicate id 'first' (also outcomes[0])" in message


def test_unordered_range() -> None:
    (message,) = errors_of(GOOD.replace("deadweight: 1.4", "deadweight: {base: 0.2, low: 0.3, high: 0.4}"))
    assert "less_lonely).deadweight: a range needs low <= base <= high, got low 0.3, base 0.2, high 0.4" in message


def test_negative_quantity() -> None:
    messages = errors_of(GOOD.replace("quantity: 96", "quantity: -5"))
    assert any("less_lonely).quantity: must be zero or more, got -5" in m for m in messages)
    assert any("less_lonely).deadweight: must be between 0 and 1, got 1.4" in m for m in messages)


def test_range_end_out_of_domain_points_at_the_end() -> None:
    text = GOOD.replace("deadweight: 1.4", "deadweight: {base: 0.2, low: 0.1, high: 1.2}")
    (message,) = errors_of(text)
    assert "outcomes[2] (less_lonely).deadweight.high: must be between 0 and 1, got 1.2" in message


def test_not_a_number() -> None:
    (message,) = errors_of(GOOD.replace("deadweight: 1.4", "deadweight: lots"))
    assert "less_lonely).deadweight: must be a number, got 'lots'" in message


def test_missing_required_key() -> None:
    messages = errors_of(GOOD.replace("    description: Feel less lonely\n", ""))
    assert any("outcomes[2] (less_lonely).description: is required" in m for m in messages)


def test_yaml_syntax_error_has_line() -> None:
    (message,) = errors_of(GOOD.replace("  - {id: municipality, name: Municipality}", "  - {id: municipality"))
    assert message.startswith("model.yaml:")
    assert "YAML syntax error" in message
    line = int(message.split(":")[1])
    assert 5 <= line <= 7


def test_duplicate_yaml_key() -> None:
    (message,) = errors_of(GOOD.replace("    quantity: 96\n", "    quantity: 96\n    quantity: 97\n"))
    assert "duplicate key 'quantity'" in message


def test_missing_index_year_is_an_error_not_a_silent_one() -> None:
    text = GOOD.replace("deadweight: 1.4", "deadweight: 0.4").replace("    value: 1000\n", "    proxy: p\n")
    text = text.replace("inputs:", "proxies:\n  - {id: p, name: P, value: 10, price_year: 1990, source: s}\ninputs:")
    (message,) = errors_of(text)
    assert "index 'cpi' has no value for 1990" in message


def test_empty_and_non_mapping_files() -> None:
    assert errors_of("") == ["model.yaml: the file is empty"]
    assert "must hold a mapping" in errors_of("- just\n- a list\n")[0]


def test_warnings_do_not_block() -> None:
    text = GOOD.replace("deadweight: 1.4", "deadweight: 0.0").replace("attribution: 0.3", "attribution: 0")
    report = check_text(text)
    assert report.ok
    assert any("do not over-claim" in w for w in report.warnings)


def test_load_model_raises_user_error(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(GOOD)
    with pytest.raises(UserError) as caught:
        load_model(path)
    assert "model.yaml: outcomes[2] (less_lonely).deadweight" in caught.value.messages[0]
    assert not check_model(tmp_path / "missing.yaml").ok


@pytest.mark.parametrize("name", example_names())
def test_examples_are_valid_and_round_trip(name: str) -> None:
    model = parse_model(example_text(name), f"{name}.yaml")
    assert parse_model(dump_model(model)) == model
    assert len(model.outcomes) >= 5


def test_template_is_valid() -> None:
    assert check_text(example_text("template")).ok


def test_at_least_two_examples() -> None:
    assert {"buurtcirkels", "eenzaamheid"} <= set(example_names())


# --- property: YAML -> model -> YAML is lossless -----------------------------------------------------

ids = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
fraction = st.floats(0, 1, allow_nan=False)
positive = st.floats(0, 1e7, allow_nan=False)


@st.composite
def ranged(draw: st.DrawFn, values: st.SearchStrategy[float]) -> float | dict:
    points = sorted(draw(st.lists(values, min_size=3, max_size=3)))
    if draw(st.booleans()):
        return points[1]
    return {"base": points[1], "low": points[0], "high": points[2],
            "dist": draw(st.sampled_from(["triangular", "uniform"]))}


@st.composite
def documents(draw: st.DrawFn) -> dict:
    names = draw(st.lists(ids, min_size=2, max_size=4, unique=True))
    outcome_ids = draw(st.lists(ids, min_size=1, max_size=5, unique=True))
    return {
        "impactlab": 1,
        "programme": {"name": draw(st.text(min_size=1, max_size=20)), "price_year": 2025},
        "valuation": {"discount_rate": draw(ranged(st.floats(0, 0.2))),
                      "discount_first_year": draw(st.booleans())},
        "stakeholders": [{"id": n, "name": n.upper(), "size": draw(positive)} for n in names],
        "inputs": [{"id": "money", "stakeholder": names[0], "amount": draw(ranged(positive)),
                    "year": draw(st.integers(0, 5))}],
        "outcomes": [{"id": o, "stakeholder": draw(st.sampled_from(names)), "description": draw(st.text(max_size=30)),
                      "quantity": draw(ranged(positive)), "value": draw(ranged(positive)),
                      "deadweight": draw(ranged(fraction)), "attribution": draw(ranged(fraction)),
                      "drop_off": draw(ranged(fraction)), "duration": draw(st.integers(1, 10)),
                      "start_year": draw(st.integers(0, 3))}
                     for o in outcome_ids],
    }


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_yaml_round_trip_is_lossless(document: dict) -> None:
    model = ImpactModel.model_validate(document)
    text = dump_model(model)
    again = parse_model(text)
    assert again == model
    assert dump_model(again) == text
    assert yaml.safe_load(text)["impactlab"] == 1


def test_decimal_comma_gets_a_hint_and_messages_follow_the_file() -> None:
    messages = errors_of(GOOD.replace("deadweight: 1.4", 'deadweight: "0,4"').replace("    description: First\n", ""))
    assert "must be a number, got '0,4' (write decimals with a point: 0.25)" in messages[-1]
    assert "outcomes[0] (first).description: is required" in messages[0]


def test_activities_and_outputs_per_stakeholder() -> None:
    """`stakeholders` on an activity or output (format 1, added compatibly): optional, its ids are checked and
    reported in the user's language; a file without it means what it meant before."""
    base = GOOD.replace("deadweight: 1.4", "deadweight: 0.4")
    chain = ("activities:\n  - {id: circles, name: Circles, stakeholders: [residents], inputs: [subsidy]}\n"
             "outputs:\n  - {id: meetings, activity: circles, stakeholders: [residents, municipality], "
             "description: Meetings held, quantity: 40}\noutcomes:\n")
    model = parse_model(base.replace("outcomes:\n", chain, 1))
    assert model.activities[0].stakeholders == ["residents"]
    assert model.outputs[0].stakeholders == ["residents", "municipality"]
    assert "stakeholders" not in model.to_document()["inputs"][0]
    assert parse_model(base.replace("outcomes:\n", chain.replace("stakeholders: [residents], ", ""), 1)
                       ).activities[0].stakeholders == []
    wrong = base.replace("outcomes:\n", chain.replace("[residents, municipality]", "[residents, municipalty]"), 1)
    (message,) = errors_of(wrong)
    assert ("outputs[0] (meetings).stakeholders[1]: unknown stakeholder 'municipalty' "
            "(did you mean 'municipality'?)") in message
    dutch = check_text(wrong.replace("stakeholders: [residents], inputs", "stakeholders: [bewoners], inputs"),
                       "model.yaml", "nl").errors
    assert any("activities[0] (circles).stakeholders[0]: onbekende belanghebbende 'bewoners'" in m for m in dutch)

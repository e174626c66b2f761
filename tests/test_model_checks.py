"""The practitioner's checks (SROI principle "do not over-claim"): units of quantity and proxy, double
counting, and every check message in English and Dutch with its place in the file."""

from __future__ import annotations

import json
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from impactlab.cli import app
from impactlab.messages import CATALOGUE, LANGUAGES, default_language, normalise, text
from impactlab.model import check_text
from impactlab.model.library import builtin_indices, proxy_library
from impactlab.model.units import KINDS, fits, kind_of
from impactlab.valuation import value

HEAD = """\
impactlab: 1
programme: {name: Test, price_year: 2025}
stakeholders:
  - {id: residents, name: Residents, size: 100}
  - {id: carers, name: Carers, size: 20}
inputs:
  - {id: grant, stakeholder: residents, amount: 10000}
outcomes:
"""


def outcome(oid: str, extra: str, stakeholder: str = "residents", quantity: str = "40") -> str:
    return (f"  - id: {oid}\n    stakeholder: {stakeholder}\n    description: {oid}\n    quantity: {quantity}\n"
            f"    deadweight: 0.2\n{extra}")


def warnings(text_: str, lang: str = "en") -> list[str]:
    report = check_text(text_, "m.yaml", lang)
    assert report.ok, report.errors
    return report.warnings


def test_wellby_on_people_warns_in_both_languages_with_principle_path_and_line() -> None:
    model = HEAD + outcome("happier", "    proxy: wellby\n")
    (en,) = warnings(model, "en")
    assert en.startswith("m.yaml: outcomes[0] (happier).proxy: warning: the quantity counts persons (unit: person), "
                         "but proxy 'wellby' is a value per life-satisfaction point-year (wellby-point-year)")
    assert en.endswith("(SROI principle: do not over-claim) (line 14)")
    (nl,) = warnings(model, "nl")
    assert nl.startswith("m.yaml: outcomes[0] (happier).proxy: waarschuwing: de hoeveelheid telt personen "
                         "(eenheid: person), maar proxy 'wellby' is een waarde per")
    assert nl.endswith("(SROI-principe: claim niet te veel) (regel 14)")


def test_unit_text_points_at_the_unit_line() -> None:
    model = HEAD + outcome("happier", "    unit: hours\n    proxy: wellby\n")
    (en,) = warnings(model)
    assert "outcomes[0] (happier).unit: warning: the quantity counts hours (unit: hours)" in en and "(line 14)" in en


@pytest.mark.parametrize(("unit", "proxy"), [
    ("WELLBY", "wellby"), ("life-satisfaction point-years", "wellby"), ("uren", "volunteer_hour_market_value"),
    ("hour", "informal_care_hour_opportunity_cost"), (None, "bijstand_single_year"),
    ("persons", "employment_minimum_wage_year"), ("households", "bijstand_couple_year"),
    ("visits", "gp_consultation"), ("huisuitzettingen", "eviction_direct_cost"), ("dagen", "hospital_day"),
    ("something else", "wellby"),  # a unit the checker does not know is not judged
])
def test_fitting_units_pass_silently(unit: str | None, proxy: str) -> None:
    extra = (f"    unit: {unit}\n" if unit else "") + f"    proxy: {proxy}\n"
    model = HEAD + outcome("o", extra, quantity="10")
    assert not [w for w in warnings(model) if "quantity counts" in w]


@pytest.mark.parametrize(("unit", "proxy", "counted"), [
    ("persons", "bijstand_couple_year", "persons"),          # a per-household benefit counted per person
    (None, "volunteer_hour_market_value", "persons"),        # an hour proxy on people
    ("hours", "hospital_day", "hours"),
    ("WELLBY", "gp_consultation", "WELLBYs"),
])
def test_mismatched_units_warn(unit: str | None, proxy: str, counted: str) -> None:
    extra = (f"    unit: {unit}\n" if unit else "") + f"    proxy: {proxy}\n"
    (message,) = [w for w in warnings(HEAD + outcome("o", extra, quantity="10")) if "quantity counts" in w]
    assert f"the quantity counts {counted}" in message and f"proxy '{proxy}'" in message


def test_a_stated_conversion_is_used_in_the_value_and_checked() -> None:
    conversion = "    proxy: wellby\n    conversion: {factor: 0.3, to: wellby-point-year, source: own survey T0-T1}\n"
    model_text = HEAD + outcome("happier", conversion)
    report = check_text(model_text, "m.yaml")
    assert report.ok and report.warnings == []
    result = value(report.model)
    wellby = proxy_library()["wellby"]
    cpi = builtin_indices()["cpi"].values
    unit_value = wellby.value * cpi[2025] / cpi[wellby.price_year] * 0.3  # hand calculation
    assert result.outcomes[0].unit_value == pytest.approx(unit_value, rel=1e-12)
    assert result.outcomes[0].impact_first_year == pytest.approx(40 * unit_value * 0.8, rel=1e-12)
    assert result.outcomes[0].trail["conversion"] == "0.3 wellby-point-year per person (own survey T0-T1)"

    wrong = model_text.replace("to: wellby-point-year", "to: hour")
    (en,) = warnings(wrong)
    assert "outcomes[0] (happier).conversion.to: warning: the conversion goes to hour, but proxy 'wellby'" in en
    (nl,) = warnings(wrong, "nl")
    assert "de omrekening gaat naar hour, maar proxy 'wellby'" in nl and "claim niet te veel" in nl


@pytest.mark.parametrize(("conversion", "en", "nl"), [
    ("{factor: 0.3, to: points, source: s}", "conversion.to: unknown unit kind 'points' (known: person,",
     "conversion.to: onbekende soort eenheid 'points' (bekend: person,"),
    ("{factor: 0, to: wellby-point-year, source: s}", "conversion.factor: a conversion factor must be more than 0, "
     "got 0 (line 15)", "conversion.factor: een omrekenfactor moet groter dan 0 zijn, niet 0 (regel 15)"),
    ("{factor: 0.3, to: wellby-point-year}", "conversion.source: is required", "conversion.source: is verplicht"),
])
def test_bad_conversions_are_errors_in_both_languages(conversion: str, en: str, nl: str) -> None:
    model_text = HEAD + outcome("happier", f"    proxy: wellby\n    conversion: {conversion}\n")
    assert any(en in e for e in check_text(model_text, "m.yaml", "en").errors)
    assert any(nl in e for e in check_text(model_text, "m.yaml", "nl").errors)


def test_same_proxy_for_the_same_stakeholder_twice_is_flagged() -> None:
    model = (HEAD + outcome("a", "    unit: WELLBY\n    proxy: wellby\n")
             + outcome("b", "    unit: WELLBY\n    proxy: wellby\n")
             + outcome("c", "    unit: WELLBY\n    proxy: wellby\n", stakeholder="carers", quantity="5"))
    flagged = [w for w in warnings(model) if "also values outcome" in w]
    assert flagged == ["m.yaml: outcomes[1] (b).proxy: warning: proxy 'wellby' also values outcome 'a' of stakeholder "
                       "'residents': the same change may be counted twice (SROI principle: do not over-claim) "
                       "(line 22)"]
    (nl,) = [w for w in warnings(model, "nl") if "waardeert ook uitkomst" in w]
    assert nl.startswith("m.yaml: outcomes[1] (b).proxy: waarschuwing: proxy 'wellby' waardeert ook uitkomst 'a' van "
                         "belanghebbende 'residents'") and nl.endswith("(regel 22)")


def test_outcome_valued_at_the_cost_of_an_input_is_flagged() -> None:
    hours = HEAD.replace("amount: 10000}", "amount: 10000}\n  - {id: time, stakeholder: carers, quantity: 500, "
                         "proxy: volunteer_hour_market_value}")
    model = hours + outcome("gave_time", "    unit: hours\n    proxy: volunteer_hour_market_value\n",
                            stakeholder="carers", quantity="500")
    (en,) = [w for w in warnings(model) if "input" in w]
    assert en.startswith("m.yaml: outcomes[0] (gave_time).proxy: warning: proxy 'volunteer_hour_market_value' also "
                         "values input 'time': an outcome valued at the cost of an input counts the investment")
    (nl,) = [w for w in warnings(model, "nl") if "inzet" in w]
    assert "waardeert ook inzet 'time'" in nl and "(SROI-principe: claim niet te veel)" in nl

    money = HEAD + outcome("grant_spent", "    value: 250\n")  # 40 x 250 = 10,000 = the grant
    (en,) = [w for w in warnings(money) if "input" in w]
    assert en.startswith("m.yaml: outcomes[0] (grant_spent).value: warning: this outcome is worth exactly the "
                         "amount of input 'grant' (10000)")
    assert [w for w in warnings(money, "nl") if "precies evenveel waard als inzet 'grant'" in w]
    assert not [w for w in warnings(HEAD + outcome("x", "    value: 251\n")) if "input" in w]


def test_library_units_are_machine_checkable_and_proxies_json_is_extended_only() -> None:
    library = proxy_library()
    assert all(p.unit_kind in KINDS for p in library.values())
    assert library["wellby"].unit_kind == "wellby-point-year"
    assert library["bijstand_couple_year"].unit_kind == "household-year"
    for p in library.values():  # the display unit text still names the same kind (or a year of a person)
        assert kind_of(p.unit) is None or fits(kind_of(p.unit), p.unit_kind) or p.unit_kind == "household-year"
    runner = CliRunner()
    rows = json.loads(runner.invoke(app, ["proxies", "list", "--format", "json"]).stdout)
    contract = {"id", "name", "value", "unit", "price_year", "source", "currency", "low", "high", "name_nl",
                "category", "transfer", "confidence", "keywords", "notes"}
    assert all(contract | {"unit_kind"} <= set(row) for row in rows)
    shown = json.loads(runner.invoke(app, ["proxies", "show", "wellby", "--format", "json"]).stdout)
    assert shown["unit"] == "life-satisfaction point-year" and shown["unit_kind"] == "wellby-point-year"


def test_every_catalogue_message_has_both_languages_with_the_same_placeholders() -> None:
    formatter = string.Formatter()
    for code, texts in CATALOGUE.items():
        assert len(texts) == len(LANGUAGES) and all(texts), code
        fields = [{name for _, name, _, _ in formatter.parse(t) if name} for t in texts]
        assert fields[0] == fields[1], code
        if "over-claim" in texts[0]:
            assert "claim niet te veel" in texts[1], code


@pytest.mark.parametrize(("env", "lang"), [
    ({"IMPACTLAB_LANG": "nl"}, "nl"), ({"LANG": "nl_NL.UTF-8"}, "nl"), ({"LC_ALL": "en_GB.UTF-8", "LANG": "nl_NL"},
                                                                        "en"),
    ({"LANG": "C.UTF-8"}, "en"), ({}, "en"), ({"LANG": "de_DE.UTF-8"}, "en"),
])
def test_default_language_from_the_environment(env: dict[str, str], lang: str) -> None:
    assert default_language(env) == lang


@given(st.text(max_size=12))
def test_any_language_name_falls_back_to_english(name: str) -> None:
    assert normalise(name) in LANGUAGES
    assert text("check.no_inputs", name) in {CATALOGUE["check.no_inputs"][0], CATALOGUE["check.no_inputs"][1]}


def test_structural_messages_in_dutch() -> None:
    model = HEAD.replace("price_year: 2025", "price_year: '2025,5'").replace("size: 100", "size: -1") + outcome(
        "o", "    value: 10\n    deadweigth: 0.1\n")
    errors = check_text(model, "m.yaml", "nl").errors
    assert "m.yaml: programme.price_year: moet een geheel getal zijn, niet '2025,5' (regel 2)" in errors
    assert any(re.search(r"stakeholders\[0\] \(residents\)\.size: moet minstens 0(\.0)? zijn, niet -1 \(regel 4\)", e)
               for e in errors), errors
    assert any("outcomes[0] (o).deadweigth: onbekende sleutel 'deadweigth' (bedoelt u 'deadweight'?)" in e
               for e in errors), errors


def test_cli_check_lang_option_and_environment(tmp_path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(HEAD + outcome("happier", "    proxy: wellby\n"), encoding="utf-8")
    runner = CliRunner()
    dutch = runner.invoke(app, ["check", "--lang", "nl", str(path)])
    assert dutch.exit_code == 0 and "waarschuwing: de hoeveelheid telt personen" in dutch.stderr
    assert "geldig (2 belanghebbenden, 1 inzet, 1 uitkomsten, 1 waarschuwingen)" in dutch.stdout
    english = runner.invoke(app, ["check", str(path)], env={"IMPACTLAB_LANG": "en"})
    assert "warning: the quantity counts persons" in english.stderr and "valid (2 stakeholders" in english.stdout
    from_env = runner.invoke(app, ["check", str(path)], env={"IMPACTLAB_LANG": "nl"})
    assert "SROI-principe: claim niet te veel" in from_env.stderr
    refused = runner.invoke(app, ["check", "--lang", "de", str(path)])
    assert refused.exit_code != 0 and "use nl or en" in refused.stderr

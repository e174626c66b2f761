"""A new programme built in the forms only, in real Chromium: from the home page to the SROI ratio, never the
YAML tab; the stored YAML validates and the figures on the page equal a hand calculation of the numbers typed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from impactlab.model import check_text
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes.models import Programme
from tests_web.conftest import make_user, shot

SHOTS = Path("/tmp/editors")

pytestmark = pytest.mark.usefixtures("patient_expect")


def look(page, name: str) -> None:
    """A screenshot for a person (tests_web's var/screenshots and /tmp/editors)."""
    shot(page, f"forms-only-{name}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"forms-only-{name}.png"), full_page=True)


def euro(amount: float) -> str:
    """An amount as the English pages show it: `-€1,234.56`."""
    return f"{'-' if amount < 0 else ''}€{abs(amount):,.2f}"


def fill(page, values: dict[str, str]) -> None:
    """Fill a part form: plain fields by label, ranges (`Deadweight`: base) by their fieldset's legend,
    checkboxes (a list) by their labels."""
    for label, value in values.items():
        legend = page.locator("legend", has_text=re.compile(f"^{re.escape(label)}$"))  # not a longer legend
        ranges = page.locator("fieldset.range", has=legend)
        if isinstance(value, dict):
            for part, number in value.items():
                ranges.get_by_label(part, exact=True).fill(number)
        elif isinstance(value, list):
            boxes = page.locator("fieldset.choices", has=page.locator("legend", has_text=label))
            for box in value:
                boxes.get_by_label(box).check()
        elif ranges.count() == 1 and page.locator("fieldset.range legend").get_by_text(label, exact=True).count():
            ranges.get_by_label("Value (base)").fill(value)
        elif page.get_by_label(label, exact=True).evaluate("e => e.tagName") == "SELECT":
            page.get_by_label(label, exact=True).select_option(value)
        else:
            page.get_by_label(label, exact=True).fill(value)


def add(page, section: str, values: dict[str, str], expect_message: str) -> None:
    from playwright.sync_api import expect

    page.locator("nav.subtabs").get_by_role("link", name=section, exact=True).click()
    page.locator("a.button.primary", has_text="Add").click()
    fill(page, values)
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_text(expect_message)).to_be_visible()


def test_a_new_programme_is_built_in_the_forms_only(page, live_server) -> None:
    from playwright.sync_api import expect

    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    make_user("anna", Role.ADMINISTRATOR, welfare)

    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="New programme").click()
    page.get_by_label("Name").fill("Maatjes Venlo")
    page.get_by_role("button", name="Create programme").click()
    expect(page.get_by_role("heading", name="Impact model")).to_be_visible()
    look(page, "01-new-programme")
    programme = Programme.objects.get(name="Maatjes Venlo")

    expect(page.locator(".start-here")).to_contain_text("A new model can be built in the forms")
    page.locator(".start-here").get_by_role("link", name="settings").click()
    expect(page.locator(".editor-side")).to_contain_text("No version saved yet")
    look(page, "02-settings")
    fill(page, {"Price year": "2025", "Discount rate": "0.04"})
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_text("Saved as version 1:")).to_be_visible()

    add(page, "Stakeholders", {"Id": "clients", "Name": "Eenzame ouderen", "Size (people)": "40",
                               "Category": "client"}, "Saved as version 2:")
    add(page, "Stakeholders", {"Id": "volunteers", "Name": "Maatjes", "Size (people)": "12",
                               "Category": "informal"}, "Saved as version 3:")
    add(page, "Stakeholders", {"Id": "gemeente", "Name": "Gemeente Venlo", "Category": "funder"},
        "Saved as version 4:")
    add(page, "Proxies", {"Id": "hour_volunteer", "Name": "Uur vrijwilligerswerk", "Value per unit": "15",
                          "Unit": "hour", "Price year": "2025", "Source": "Movisie 2024"}, "Saved as version 5:")
    add(page, "Proxies", {"Id": "less_lonely_year", "Name": "Een jaar minder eenzaam", "Value per unit": "2500",
                          "Unit": "person-year", "Price year": "2025", "Source": "eigen waardering"},
        "Saved as version 6:")
    add(page, "Inputs", {"Id": "grant", "Stakeholder": "gemeente", "Description": "Subsidie",
                         "Amount (money)": "60000", "Year (0 = now)": "0", "Support": "formal"},
        "Saved as version 7:")
    add(page, "Inputs", {"Id": "hours", "Stakeholder": "volunteers", "Description": "Inzet maatjes",
                         "Quantity (e.g. hours)": "1500", "Proxy (value per unit of quantity)": "hour_volunteer",
                         "Year (0 = now)": "1", "Support": "informal"}, "Saved as version 8:")
    add(page, "Activities", {"Id": "visits", "Name": "Wekelijkse bezoeken",
                             "For or with stakeholders": ["Eenzame ouderen (clients)", "Maatjes (volunteers)"],
                             "Uses inputs": ["Subsidie (grant)", "Inzet maatjes (hours)"]}, "Saved as version 9:")
    add(page, "Outputs", {"Id": "pairs", "Produced by activity": "visits", "Description": "Koppels",
                          "Quantity (how many)": "35", "Unit (e.g. meeting)": "koppel"}, "Saved as version 10:")
    add(page, "Outcomes", {"Id": "less_lonely", "Stakeholder": "clients", "Description": "Minder eenzaam",
                           "Indicator": "De Jong Gierveld 1 punt lager", "Quantity": "28",
                           "Proxy": "less_lonely_year", "Deadweight": "0.2", "Attribution": "0.3",
                           "Displacement": "0.05", "Drop-off": "0.25", "Duration (years)": "3",
                           "Comes from outputs": ["Koppels (pairs)"]}, "Saved as version 11:")
    add(page, "Outcomes", {"Id": "volunteer_purpose", "Stakeholder": "volunteers",
                           "Description": "Maatjes ervaren zingeving", "Indicator": "zelfrapportage",
                           "Quantity": "10", "Value per unit (instead of a proxy)": "800",
                           "Deadweight": {"Value (base)": "0.4", "Low": "0.3", "High": "0.5"},
                           "Attribution": "0.1", "Drop-off": "0.5", "Duration (years)": "2"},
        "Saved as version 12:")
    look(page, "03-outcomes")

    # the stored model: valid, every version made by a form, the numbers as typed
    text = programme.latest_version().text
    report = check_text(text)
    assert report.model is not None and report.errors == [] and report.warnings == [], report.warnings
    messages = list(programme.versions.order_by("number").values_list("message", flat=True))
    assert messages[0] == "edited the programme settings" and all(
        m.startswith(("added ", "edited ")) for m in messages), messages
    assert not [r for r in posted if "/model/save/" in r or "/model/import/" in r], posted
    model = report.model
    less_lonely, purpose = model.outcomes
    assert (less_lonely.deadweight, less_lonely.attribution, less_lonely.displacement, less_lonely.drop_off,
            less_lonely.duration, less_lonely.outputs) == (0.2, 0.3, 0.05, 0.25, 3, ["pairs"])
    assert (purpose.deadweight.base, purpose.deadweight.low, purpose.deadweight.high) == (0.4, 0.3, 0.5)
    assert model.activities[0].stakeholders == ["clients", "volunteers"] and model.outputs[0].activity == "visits"

    # the figures on the page equal a hand calculation of what was typed (discounting from year 1 on, 4%)
    rate = 0.04
    investment = 60000 + 1500 * 15 / (1 + rate)  # the volunteers' hours are given in year 1
    first = 28 * 2500 * (1 - 0.2) * (1 - 0.05) * (1 - 0.3)
    lonely = sum(first * (1 - 0.25) ** (t - 1) / (1 + rate) ** t for t in (1, 2, 3))
    first = 10 * 800 * (1 - 0.4) * (1 - 0.1)
    meaning = sum(first * (1 - 0.5) ** (t - 1) / (1 + rate) ** t for t in (1, 2))
    ratio = (lonely + meaning) / investment
    side = page.locator(".editor-side")
    expect(page.get_by_test_id("sroi")).to_have_text(f"{ratio:.2f}")
    expect(side.locator(".kpi", has_text="Net present value")).to_contain_text(euro(lonely + meaning - investment))
    expect(side.locator(".kpi", has_text="Investment")).to_contain_text(euro(investment))
    rows = {"Eenzame ouderen": (0, lonely), "Maatjes": (1500 * 15 / (1 + rate), meaning),
            "Gemeente Venlo": (60000, 0)}
    for name, (invested, benefits) in rows.items():
        row = side.locator("tr", has=page.get_by_role("rowheader", name=name, exact=True))
        expect(row.locator("td")).to_have_text([euro(invested), euro(benefits), euro(benefits - invested)])
    assert programme.latest_version().figures["sroi_ratio"] == pytest.approx(ratio, rel=1e-12)

    # the same in Dutch, and on a phone
    page.get_by_role("button", name="NL").click()
    expect(page.get_by_test_id("sroi")).to_have_text(f"{ratio:.2f}".replace(".", ","))
    expect(page.get_by_role("heading", name="Impactmodel: Effecten")).to_be_visible()
    look(page, "04-outcomes-dutch")
    page.set_viewport_size({"width": 390, "height": 844})
    look(page, "05-outcomes-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.get_by_role("link", name="Bewerken less_lonely").click()
    look(page, "06-outcome-form-phone")
    assert not [m for m in page.console if "Content Security Policy" in m or "Refused" in m], page.console

"""The structured editor in real Chromium: edit an outcome's deadweight range, see the live summary change."""

from __future__ import annotations

from impactlab.model.examples import example_text
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes import modelling
from impactlab_web.programmes.models import Programme
from tests_web.conftest import make_user, shot


def test_edit_deadweight_range_updates_the_summary(page, live_server) -> None:
    from playwright.sync_api import expect

    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    programme = Programme.objects.create(name="Buurtcirkels Venlo", lead=welfare)
    modelling.save_version(programme, example_text("buurtcirkels"), None, "imported")
    make_user("anna", Role.ADMINISTRATOR, welfare)

    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/programmes/{programme.pk}/model/")
    shot(page, "structured-01-yaml-tab-summary", full=False)
    before = page.get_by_test_id("sroi").inner_text()

    page.get_by_role("link", name="Outcomes", exact=True).click()
    expect(page.get_by_role("heading", name="Impact model: Outcomes")).to_be_visible()
    shot(page, "structured-02-outcomes")
    page.get_by_role("link", name="Edit less_lonely").click()
    expect(page.locator(".notice")).to_have_count(0)
    deadweight = page.locator("fieldset.range", has=page.locator("legend", has_text="Deadweight"))
    deadweight.get_by_label("Value (base)").fill("0.6")
    deadweight.get_by_label("Low").fill("0.5")
    deadweight.get_by_label("High").fill("0.4")
    page.get_by_role("button", name="Save as new version").click()
    expect(deadweight.locator(".error")).to_contain_text("a range needs low <= base <= high")
    shot(page, "structured-03-range-error")
    assert programme.versions.count() == 1

    deadweight.get_by_label("Low").fill("0.45")
    deadweight.get_by_label("High").fill("0.75")
    page.get_by_label("Search the proxy library").fill("wellby")
    expect(page.locator(".proxy-results")).to_contain_text("wellby")
    page.locator('.proxy-choice[data-proxy-id="wellby"]').click()
    expect(page.get_by_label("Proxy", exact=True)).to_have_value("wellby")
    shot(page, "structured-04-outcome-form")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_text("Saved as version 2: edited outcome less_lonely.")).to_be_visible()
    expect(page.get_by_test_id("sroi")).not_to_have_text(before)
    shot(page, "structured-05-saved-summary")
    saved = programme.latest_version().text
    assert "# Dutch MKBA rate" in saved and "size: 240," in saved  # edited in place: comments, numbers kept
    outcome = modelling.check(saved).model.outcomes[0]
    assert (outcome.deadweight.base, outcome.deadweight.low, outcome.deadweight.high) == (0.6, 0.45, 0.75)

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Edit less_lonely").click()
    shot(page, "structured-06-mobile-form")
    assert not [m for m in page.console if "Content Security Policy" in m or "Refused" in m]

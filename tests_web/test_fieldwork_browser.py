"""Fieldwork in real Chromium on a phone-sized screen: a questionnaire with a validation error and a skip,
and a support registration. Screenshots go to var/screenshots/ (fieldwork-*.png)."""

from __future__ import annotations

from impactlab_web.fieldwork import service
from impactlab_web.fieldwork.models import Questionnaire, Registration, Response, Wave
from impactlab_web.fieldwork.testing import DOCUMENT
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes.models import Programme
from tests_web.conftest import SHOTS, make_user

PHONE = {"width": 390, "height": 844}


def csp_violations(page) -> list[str]:
    return [m for m in page.console if "Content Security Policy" in m]


def snap(page, name: str, full: bool = True) -> None:
    """A screenshot under var/screenshots/ (as conftest's `shot`), keeping the caret: Playwright hides it with a
    style of its own, which the CSP rightly refuses and which would hide the page's own violations."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full, caret="initial")


def test_fill_a_questionnaire_on_a_phone(page, live_server) -> None:
    from playwright.sync_api import expect

    organisation = Organisation.objects.create(name="Welzijn")
    programme = Programme.objects.create(name="Buurtcirkels", lead=organisation)
    questionnaire = Questionnaire.objects.create(programme=programme, document=DOCUMENT)
    wave = Wave.objects.create(questionnaire=questionnaire, name="T0")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/r/{service.link_for(wave)}/?lang=en")
    expect(page.get_by_role("heading", name="Wellbeing")).to_be_visible()
    expect(page.get_by_label("How many people do you live with?")).to_have_count(0)
    snap(page, "fieldwork-01-phone-start")

    # not alone: the follow-up question appears (HTMX refresh on change), then send with answers missing
    page.get_by_role("group", name="Alone?").get_by_label("no").check()
    expect(page.get_by_label("How many people do you live with?")).to_be_visible()
    page.get_by_role("group", name="I experience a general sense of emptiness").get_by_label("no").check()
    page.get_by_role("button", name="Send answers").click()
    expect(page.locator(".error-summary")).to_be_visible()
    housemates = page.get_by_label("How many people do you live with?")
    expect(housemates).to_have_attribute("aria-invalid", "true")
    expect(housemates).to_have_attribute("aria-describedby", "e-housemates")
    expect(page.locator("#e-housemates")).to_contain_text("this question needs an answer")
    snap(page, "fieldwork-02-phone-errors")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # the error summary links to the field; keyboard focus is visible
    page.locator(".error-summary a").first.click()
    page.keyboard.press("Tab")
    snap(page, "fieldwork-03-phone-focus", full=False)

    # living alone after all: the follow-up question is skipped
    page.get_by_role("group", name="Alone?").get_by_label("yes").check()
    expect(page.get_by_label("How many people do you live with?")).to_have_count(0)
    expect(page.locator(".error-summary")).to_have_count(0)  # the stale summary goes with the refresh
    for fieldset in page.locator("fieldset.question").all()[1:]:
        fieldset.get_by_role("radio").first.check()
    snap(page, "fieldwork-04-phone-skip")
    page.get_by_role("button", name="Send answers").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    snap(page, "fieldwork-05-phone-done")
    stored = Response.objects.get()
    assert stored.answers["alone"] == 1 and "housemates" not in stored.answers
    assert csp_violations(page) == []


def test_record_a_registration_on_a_phone(page, live_server) -> None:
    from playwright.sync_api import expect

    organisation = Organisation.objects.create(name="Welzijn")
    programme = Programme.objects.create(name="Buurtcirkels", lead=organisation)
    make_user("pien", Role.PROFESSIONAL, organisation)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("pien")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/programmes/{programme.pk}/registrations/")
    expect(page.get_by_role("heading", name="Register support")).to_be_visible()
    page.get_by_label("Client code").fill("Jan Jansen")
    page.get_by_role("group", name="Support").get_by_label("informal (volunteer or carer)").check()
    page.get_by_label("Kind of support").select_option("social")
    page.get_by_label("Hours").fill("2")
    page.get_by_role("button", name="Save registration").click()
    expect(page.locator("#id_client_error")).to_contain_text("never a name")
    snap(page, "fieldwork-06-phone-registration-error")
    page.get_by_label("Client code").fill("BC-0042")
    page.get_by_label("Team").fill("Noord")
    page.get_by_label("Neighbourhood").fill("Venlo-Noord")
    page.get_by_role("button", name="Save registration").click()
    expect(page.get_by_text("Registration saved: BC-0042")).to_be_visible()
    snap(page, "fieldwork-07-phone-registration-saved")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    assert Registration.objects.get().support == "informal"
    assert csp_violations(page) == []

"""Partners with consent in real Chromium: the lead's administrator invites another organisation's administrator
by e-mail; that administrator finds it among their invitations, accepts, and only then opens the programme
(screenshots under var/screenshots/)."""

from __future__ import annotations

from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes.models import Partnership, Programme
from tests_web.conftest import make_user, shot


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()


def test_invite_by_e_mail_then_accept(page, live_server) -> None:
    from playwright.sync_api import expect

    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    municipality = Organisation.objects.create(name="Gemeente Venlo", kind="municipality")
    programme = Programme.objects.create(name="Buurtcirkels Venlo", lead=welfare)
    make_user("anna", Role.ADMINISTRATOR, welfare)
    gert = make_user("gert", Role.ADMINISTRATOR, municipality)
    gert.email = "gert@venlo.test"
    gert.save()

    log_in(page, live_server, "anna")
    page.goto(f"{live_server.url}/programmes/{programme.pk}/")
    page.get_by_role("navigation", name="Programme").get_by_role("link", name="Partners").click()
    expect(page.get_by_role("heading", name="Partners", exact=True)).to_be_visible()
    assert "Gemeente Venlo" not in page.content()  # no list of organisations to pick from
    page.get_by_label("E-mail address of the other organisation's administrator").fill("gert@venlo.test")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("The invitation was sent to gert@venlo.test.")).to_be_visible()
    expect(page.get_by_role("cell", name="invited")).to_be_visible()
    shot(page, "partners-invited")
    page.get_by_role("button", name="Log out").click()

    log_in(page, live_server, "gert")
    assert page.goto(f"{live_server.url}/programmes/{programme.pk}/").status == 404  # not before accepting
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Partnership invitations").click()
    expect(page.get_by_role("heading", name="Buurtcirkels Venlo")).to_be_visible()
    shot(page, "partners-inbox")
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_text("Gemeente Venlo takes part in Buurtcirkels Venlo.")).to_be_visible()
    page.get_by_role("link", name="Buurtcirkels Venlo").first.click()
    expect(page.get_by_role("heading", name="Buurtcirkels Venlo", exact=True)).to_be_visible()
    expect(page.get_by_text("Gemeente Venlo", exact=True)).to_be_visible()  # among the partner organisations
    assert Partnership.objects.accepted().filter(programme=programme, organisation=municipality).exists()

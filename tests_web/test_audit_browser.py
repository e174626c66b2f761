"""The audit page in real Chromium: an organisation's administrator follows the link from the people page,
filters the trail and downloads it as CSV (screenshots under var/screenshots/)."""

from __future__ import annotations

from pathlib import Path

from impactlab_web.core import audit
from impactlab_web.core.models import AuditEvent
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes.models import Programme
from tests_web.conftest import make_user, shot


def test_an_administrator_reads_filters_and_exports_the_trail(page, live_server) -> None:
    from playwright.sync_api import expect

    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    programme = Programme.objects.create(name="Buurtcirkels Venlo", lead=welfare)
    make_user("anna", Role.ADMINISTRATOR, welfare)
    bram = make_user("bram", Role.RESEARCHER, welfare)
    for action in (AuditEvent.Action.QUOTES_VIEW, AuditEvent.Action.QUALITATIVE_EXPORT,
                   AuditEvent.Action.QUOTES_VIEW):
        audit.record(None, action, programme, user=bram, detail={"quotes": 3})

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/organisations/{welfare.pk}/people/")
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail of Stichting Welzijn Venlo")).to_be_visible()
    expect(page.get_by_role("heading", name="3 events")).to_be_visible()
    page.get_by_label("Action").select_option(AuditEvent.Action.QUOTES_VIEW)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="2 events")).to_be_visible()
    shot(page, "audit-trail")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export as CSV").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and lines[0].startswith("time (UTC),user") and ",bram," in lines[1]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.AUDIT_EXPORT, username="anna").count() == 1

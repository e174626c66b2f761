"""Browser tests in real Chromium (Debian's /usr/bin/chromium via Playwright) against pytest-django's live_server.

Screenshots go to var/screenshots/ for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

from impactlab.model.examples import example_text
from impactlab_web.organisations.models import Organisation, Role
from tests_web.conftest import make_user, shot


def test_login_create_import_summary_toc_dutch(page, live_server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    Organisation.objects.create(name="Gemeente Venlo", kind="municipality")
    make_user("anna", Role.ADMINISTRATOR, welfare)

    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("correct-horse-battery")
    shot(page, "01-login")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your programmes")).to_be_visible()

    page.get_by_role("link", name="New programme").click()
    page.get_by_label("Name").fill("Buurtcirkels Venlo")
    expect(page.get_by_text("Gemeente Venlo")).to_have_count(0)  # no list of other organisations: partners consent
    shot(page, "02-create-programme")
    page.get_by_role("button", name="Create programme").click()
    expect(page.get_by_role("heading", name="Impact model")).to_be_visible()

    model = tmp_path / "buurtcirkels.yaml"
    model.write_text(example_text("buurtcirkels"), encoding="utf-8")
    page.get_by_label("YAML file").set_input_files(str(model))
    page.get_by_role("button", name="Import YAML").click()
    expect(page.get_by_text("Imported buurtcirkels.yaml as version 1.")).to_be_visible()
    sroi = page.get_by_test_id("sroi")
    expect(sroi).to_have_text(re.compile(r"^\d+\.\d\d$"))
    before = sroi.inner_text()
    shot(page, "03-editor-imported")

    editor = page.get_by_label("Impact model (YAML)")
    editor.fill(example_text("buurtcirkels").replace("amount: 186000", "amount: 386000"))
    expect(page.get_by_test_id("sroi")).not_to_have_text(before, timeout=5000)
    shot(page, "04-live-summary")
    editor.fill(example_text("buurtcirkels").replace("deadweight: 0.30\n    attribution: 0.30",
                                                     "deadweight: 1.4\n    attribution: 0.30"))
    expect(page.locator(".check-error").first).to_contain_text("deadweight", timeout=5000)
    shot(page, "05-inline-validation")

    page.get_by_role("link", name="Theory of change").click()
    expect(page.locator(".toc-lane").first).to_be_visible()
    assert page.locator(".toc-lane").count() == 5  # one lane per stakeholder
    shot(page, "06-theory-of-change")

    page.get_by_role("link", name="Overview").click()
    page.get_by_role("button", name="NL").click()
    expect(page.get_by_role("link", name="Veranderingstheorie")).to_be_visible()
    expect(page.locator(".kpi-value").nth(1)).to_contain_text("€ ")
    assert "," in page.get_by_test_id("sroi").inner_text()
    shot(page, "07-overview-dutch")

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Impactmodel").click()
    shot(page, "08-editor-mobile-dutch")
    assert not [m for m in page.console if "Content Security Policy" in m], page.console

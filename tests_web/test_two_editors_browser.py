"""Two editors on the same version, in two real Chromium sessions: every save names the version it started from;
saving on top of a newer version shows the other person's change and offers the merge (different fields or
lines) or the redo (the same field or line); nothing is ever silently overwritten. In the forms and in the YAML.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from impactlab.model.edit import diff_lines
from impactlab.model.examples import example_text
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes import modelling
from impactlab_web.programmes.models import Programme
from tests_web.conftest import make_user, shot

SHOTS = Path("/tmp/editors")

pytestmark = pytest.mark.usefixtures("patient_expect")


def look(page, name: str, full: bool = True) -> None:
    """A screenshot for a person (tests_web's var/screenshots and /tmp/editors)."""
    shot(page, f"two-editors-{name}", full)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"two-editors-{name}.png"), full_page=full)


def session(browser, live_server, username: str):
    """A browser session of its own (cookies not shared), logged in as `username`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Your programmes").wait_for()
    return context, page


def base_of(page, field: str) -> str:
    return page.locator(f"fieldset.range:has(legend:text-is('{field}'))").get_by_label("Value (base)")


def open_both(pages, url: str, number: int) -> None:
    """Each page opens `url`; its form names version `number` as the one it starts from."""
    from playwright.sync_api import expect

    for page in pages:
        page.goto(url)
        expect(page.locator('input[name="base"]')).to_have_value(str(number))


def save_field(page, field: str, value: str, number: int) -> None:
    """Change one range field's base value in the outcome form and save it as version `number`."""
    from playwright.sync_api import expect

    base_of(page, field).fill(value)
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_text(f"Saved as version {number}: edited outcome less_lonely.")).to_be_visible()


def change(programme: Programme, number: int) -> list[str]:
    """The lines version `number` changed against the version before it."""
    before, after = (programme.versions.get(number=n).text for n in (number - 1, number))
    return diff_lines(before, after)


def one_line(old: str, new: str, was: int | None = None) -> list[str]:
    """The diff of a change of `old` to `new` on the one line of the example that holds `old` (or, when the
    line has changed since, the number `was` in place of the number in `old`)."""
    key, number = old.split(": ")
    line = next(x for x in example_text("buurtcirkels").splitlines() if f"{key}: {was or number}" in x)
    line = line.replace(f"{key}: {was or number}", old)
    return ["-" + line, "+" + line.replace(old, new)]


def world() -> Programme:
    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    programme = Programme.objects.create(name="Buurtcirkels Venlo", lead=welfare)
    modelling.save_version(programme, example_text("buurtcirkels"), None, "imported")
    make_user("anna", Role.ADMINISTRATOR, welfare)
    make_user("bert", Role.RESEARCHER, welfare)
    return programme


def test_two_editors_in_the_forms(browser, live_server, transactional_db) -> None:
    from playwright.sync_api import expect

    programme = world()
    (anna_context, anna), (bert_context, bert) = (session(browser, live_server, n) for n in ("anna", "bert"))
    outcome = f"{live_server.url}/programmes/{programme.pk}/model/parts/outcomes/less_lonely/"
    try:
        # both open version 1 of the same outcome; the form names the version it started from
        open_both((anna, bert), outcome, 1)
        save_field(anna, "Attribution", "0.35", 2)
        assert change(programme, 2) == ["-    attribution: {base: 0.30, low: 0.20, high: 0.45}",
                                        "+    attribution: {base: 0.35, low: 0.20, high: 0.45}"]

        # Bert changes another field of the form he opened on version 1: not saved, Anna's change shown,
        # both merged in the form for him to check
        base_of(bert, "Drop-off").fill("0.6")
        bert.get_by_role("button", name="Save as new version").click()
        conflict = bert.get_by_test_id("conflict")
        expect(conflict).to_contain_text("The change saved as version 2")
        expect(conflict.locator("ins")).to_have_text(["+    attribution: {base: 0.35, low: 0.20, high: 0.45}"])
        expect(conflict.locator(".diff-head").first).to_have_text("--- version 1")
        expect(bert.get_by_text("Not saved yet: anna saved version 2 after version 1")).to_be_visible()
        expect(base_of(bert, "Attribution")).to_have_value("0.35")
        expect(base_of(bert, "Drop-off")).to_have_value("0.6")
        expect(bert.locator('input[name="base"]')).to_have_value("2")
        assert programme.versions.count() == 2
        look(bert, "01-forms-merge")
        bert.get_by_role("button", name="Save as new version").click()
        expect(bert.get_by_text("Saved as version 3: edited outcome less_lonely.")).to_be_visible()
        assert change(programme, 3) == ["-    drop_off: {base: 0.50, low: 0.30, high: 0.70}",
                                        "+    drop_off: {base: 0.6, low: 0.30, high: 0.70}"]

        # the same field changed by both: Bert sees Anna's value beside his, nothing is saved; he redoes his
        # edit on the newest version
        open_both((anna, bert), outcome, 3)
        save_field(anna, "Duration (years)", "4", 4)
        base_of(bert, "Duration (years)").fill("2")
        bert.get_by_role("button", name="Save as new version").click()
        expect(bert.get_by_text("Not saved: anna saved version 4 after version 3")).to_be_visible()
        both = bert.get_by_test_id("conflict").locator("table")
        expect(both.locator("tbody tr th, tbody tr td")).to_have_text(["Duration (years)", "4 (2–4)", "2 (2–4)"])
        assert programme.versions.count() == 4
        look(bert, "02-forms-conflict")
        bert.set_viewport_size({"width": 390, "height": 844})
        both.scroll_into_view_if_needed()
        look(bert, "03-forms-conflict-phone", full=False)
        assert bert.evaluate("document.documentElement.scrollWidth") <= 390
        bert.set_viewport_size({"width": 1280, "height": 900})
        bert.get_by_role("link", name="Redo my edit on version 4").click()
        expect(bert.get_by_test_id("conflict")).to_have_count(0)
        expect(base_of(bert, "Duration (years)")).to_have_value("4")  # the newest version, Anna's value
        expect(bert.locator('input[name="base"]')).to_have_value("4")
        base_of(bert, "Duration (years)").fill("2")
        bert.get_by_role("button", name="Save as new version").click()
        expect(bert.get_by_text("Saved as version 5: edited outcome less_lonely.")).to_be_visible()
    finally:
        anna_context.close()
        bert_context.close()

    # nothing silently overwritten: each version holds exactly its author's one change, on top of the other's
    duration = "    duration: {base: %s, low: 2, high: 4}"
    assert change(programme, 4) == ["-" + duration % 3, "+" + duration % 4]
    assert change(programme, 5) == ["-" + duration % 4, "+" + duration % 2]
    authors = list(programme.versions.order_by("number").values_list("author__username", flat=True))
    assert authors == [None, "anna", "bert", "anna", "bert"]
    final = programme.latest_version().text
    assert "attribution: {base: 0.35" in final and "drop_off: {base: 0.6" in final


def test_two_editors_in_the_yaml(browser, live_server, transactional_db) -> None:
    from playwright.sync_api import expect

    programme = world()
    (anna_context, anna), (bert_context, bert) = (session(browser, live_server, n) for n in ("anna", "bert"))
    editor = f"{live_server.url}/programmes/{programme.pk}/model/"

    def edit(page, old: str, new: str, message: str, count: int = 1) -> None:
        text = page.get_by_label("Impact model (YAML)")
        before = text.input_value()
        assert before.count(old) == count, old
        text.fill(before.replace(old, new))
        page.get_by_label("What changed").fill(message)
        page.get_by_role("button", name="Save as new version").click()

    try:
        for page in (anna, bert):
            page.goto(editor)
            expect(page.locator('input[name="base"]')).to_have_value("1")
        edit(anna, "size: 240", "size: 250", "more residents")
        expect(anna.get_by_text("Saved as version 2.")).to_be_visible()

        # different lines: merged for Bert to check, saved only when he confirms
        edit(bert, "amount: 186000", "amount: 196000", "higher grant")
        expect(bert.get_by_text("Not saved yet: anna saved version 2 after version 1")).to_be_visible()
        conflict = bert.get_by_test_id("conflict")
        expect(conflict.locator("ins")).to_contain_text(["size: 250"])
        merged = bert.get_by_label("Impact model (YAML)").input_value()
        assert "size: 250" in merged and "amount: 196000" in merged
        expect(bert.locator('input[name="base"]')).to_have_value("2")
        assert programme.versions.count() == 2
        look(bert, "04-yaml-merge")
        bert.get_by_role("button", name="Save as new version").click()
        expect(bert.get_by_text("Saved as version 3.")).to_be_visible()
        assert change(programme, 2) == one_line("size: 240", "size: 250")
        assert change(programme, 3) == one_line("amount: 186000", "amount: 196000")

        # the same line: Bert sees both, nothing saved; the text below keeps Anna's other change; he redoes
        for page in (anna, bert):
            page.goto(editor)
        anna_text = anna.get_by_label("Impact model (YAML)")
        anna_text.fill(anna_text.input_value().replace("size: 250", "size: 260").replace("amount: 196000",
                                                                                            "amount: 200000"))
        anna.get_by_role("button", name="Save as new version").click()
        expect(anna.get_by_text("Saved as version 4.")).to_be_visible()
        edit(bert, "size: 250", "size: 270", "even more residents")
        expect(bert.get_by_text("Not saved: anna saved version 4 after version 3")).to_be_visible()
        place = bert.locator(".conflict-place")
        expect(place).to_have_count(1)
        expect(place.locator("pre").first).to_contain_text("size: 260")
        expect(place.locator("pre").last).to_contain_text("size: 270")
        kept = bert.get_by_label("Impact model (YAML)").input_value()
        assert "size: 270" in kept and "amount: 200000" in kept  # Anna's other change is not dropped
        assert programme.versions.count() == 4
        look(bert, "05-yaml-conflict")
        bert.set_viewport_size({"width": 390, "height": 844})
        place.scroll_into_view_if_needed()
        look(bert, "06-yaml-conflict-phone", full=False)
        assert bert.evaluate("document.documentElement.scrollWidth") <= 390
        bert.set_viewport_size({"width": 1280, "height": 900})
        bert.get_by_role("link", name="Redo my edit on version 4").click()
        expect(bert.get_by_test_id("conflict")).to_have_count(0)
        expect(bert.locator('input[name="base"]')).to_have_value("4")
        edit(bert, "size: 260", "size: 270", "even more residents")
        expect(bert.get_by_text("Saved as version 5.")).to_be_visible()
    finally:
        anna_context.close()
        bert_context.close()

    anna_lines = one_line("size: 250", "size: 260", 240) + one_line("amount: 196000", "amount: 200000", 186000)
    assert sorted(change(programme, 4)) == sorted(anna_lines)
    assert change(programme, 5) == one_line("size: 260", "size: 270", 240)
    final = programme.latest_version().text
    assert "amount: 200000" in final and "size: 270" in final
    authors = list(programme.versions.order_by("number").values_list("author__username", flat=True))
    assert authors == [None, "anna", "bert", "anna", "bert"]

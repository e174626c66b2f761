"""In real Chromium, on a phone-sized screen: a De Jong Gierveld file coded 0-2 is uploaded; the mapping page
offers a prefilled recode; the user first tries the five-point format, sees the codes it lacks, goes back to
the three-point format, edits the recode table and imports. The mapping holds the core's answer_format and
recode, and the scores equal the hand calculation."""

from __future__ import annotations

from pathlib import Path

import pytest

from impactlab.model.examples import example_text
from impactlab_web.data.models import Upload
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes import modelling
from impactlab_web.programmes.models import Programme
from tests_web.conftest import make_user, shot
from tests_web.test_answer_formats_web import DJG11, EXPECTED, _scores, three_point_csv


@pytest.fixture
def eager(settings, var_dir):
    settings.IMPACTLAB_JOBS_EAGER = True


def test_choose_the_answer_format_and_the_recode(page, live_server, eager, var_dir: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    programme = Programme.objects.create(name="Buurtcirkels Venlo", lead=welfare)
    modelling.save_version(programme, example_text("buurtcirkels"), None, "first")
    make_user("anna", Role.ADMINISTRATOR, welfare)
    path = three_point_csv(tmp_path, shift=1)

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/programmes/{programme.pk}/data/upload/")
    page.get_by_label("Data file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Map the columns")).to_be_visible()

    answers = page.get_by_test_id("answers")
    expect(answers).to_contain_text("Answers of djg-11")
    expect(page.get_by_test_id("answers-notice")).to_contain_text("fit none of the instrument's answer formats")
    three = page.get_by_role("radio", name="three answers: no, more or less, yes")
    expect(three).to_be_checked()
    expect(page.get_by_label("New code for 0")).to_have_value("1")
    expect(page.get_by_label("New code for 2")).to_have_value("3")
    expect(page.get_by_test_id("answers-lone1")).to_contain_text("more or less")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling
    shot(page, "answers-01-suggested", full=True)

    # the five-point format with the recode cleared: the page marks the codes it lacks
    page.get_by_role("radio", name="five answers: no!, no, more or less, yes, yes!").check()
    for code in ("0", "1", "2"):
        page.get_by_label(f"New code for {code}").fill("")
    page.get_by_role("button", name="Show the answers with these choices").click()
    expect(page.get_by_test_id("answers-problems")).to_contain_text("hold codes that the answer format")
    expect(page.get_by_test_id("answers-lone1")).to_contain_text("not in this format")
    expect(page.get_by_test_id("answers-lone1")).to_contain_text("yes!")
    shot(page, "answers-02-five-point", full=True)

    # back to three points; the user types the recode
    page.get_by_role("radio", name="three answers: no, more or less, yes").check()
    for code, new in (("0", "1"), ("1", "2"), ("2", "3")):
        page.get_by_label(f"New code for {code}").fill(new)
    page.get_by_role("button", name="Show the answers with these choices").click()
    expect(page.get_by_test_id("answers-problems")).to_have_count(0)
    expect(page.get_by_test_id("answers-lone1")).to_contain_text("→ 3")
    shot(page, "answers-03-recoded", full=True)
    page.get_by_label("Dataset name").fill("monitor")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("rows imported", timeout=15000)

    found = Upload.objects.get()
    assert found.state == Upload.State.IMPORTED, found.report
    assert found.mapping["answer_format"] == "three_point"
    assert found.mapping["recode"] == {item: {"0": 1, "1": 2, "2": 3} for item in DJG11}
    assert _scores(var_dir) == EXPECTED

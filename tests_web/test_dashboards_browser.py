"""In real Chromium: upload a dataset with a broken row and see the report; open the dashboard with its charts."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from impactlab.io.synth import synth
from impactlab.model.examples import example_text
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes import modelling
from impactlab_web.programmes.models import Programme
from tests_web.conftest import make_user, shot


@pytest.fixture
def eager(settings, var_dir):
    settings.IMPACTLAB_JOBS_EAGER = True


def _login(page, live_server) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()


def test_upload_report_and_dashboard(page, live_server, eager, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from impactlab_web.dashboards import figures

    figures.MEMO.clear()
    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    programme = Programme.objects.create(name="Buurtcirkels Venlo", lead=welfare)
    modelling.save_version(programme, example_text("buurtcirkels"), None, "first")
    make_user("anna", Role.ADMINISTRATOR, welfare)
    survey = tmp_path / "enquete.csv"
    synth(respondents=240, waves=2, out=survey, seed=7, items=11)
    frame = pl.read_csv(survey, infer_schema_length=0)
    broken = frame.with_columns(pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("7")).otherwise(pl.col("lone2"))
                                .alias("lone2"))
    broken_path = tmp_path / "enquete-broken.csv"
    broken.write_csv(broken_path)

    _login(page, live_server)
    page.goto(f"{live_server.url}/programmes/{programme.pk}/data/")
    page.get_by_role("link", name="Upload data").click()
    page.get_by_label("Data file").set_input_files(str(broken_path))
    shot(page, "dash-01-upload")
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Map the columns")).to_be_visible()
    page.get_by_label("Answer codes that mean 'no answer' (items)").fill("9")
    page.get_by_label("Dataset name").fill("enquete")
    shot(page, "dash-02-mapping")
    page.get_by_role("button", name="Import").click()
    report = page.get_by_test_id("validation-report")
    expect(report).to_be_visible(timeout=15000)
    expect(report).to_contain_text("lone2")
    expect(report).to_contain_text("not one of the valid codes")
    expect(page.get_by_test_id("upload-state")).to_have_text("rejected")
    shot(page, "dash-03-report")

    # the corrected file, the good rows imported
    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("Data file").set_input_files(str(survey))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_label("Answer codes that mean 'no answer' (items)").fill("9")
    page.get_by_label("Dataset name").fill("enquete")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("rows imported", timeout=15000)
    shot(page, "dash-04-imported")

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.get_by_test_id("interval")).to_have_text(re.compile(r"90% interval \d"))
    charts = page.locator(".chart")
    count = charts.count()
    assert count >= 5  # histogram, who pays, waterfall, tornado, change
    expect(page.locator(".chart.rendered")).to_have_count(count, timeout=20000)
    assert page.locator(".chart.failed").count() == 0
    assert page.locator(".chart svg").count() >= count
    assert not [m for m in page.console if "Content Security Policy" in m or "Refused" in m], page.console
    shot(page, "dash-05-dashboard")
    shot(page, "dash-05a-headline", full=False)
    for section in ("waterfall", "tornado", "change"):
        page.locator(f"#{section}").scroll_into_view_if_needed()
        page.evaluate(f"document.getElementById('{section}').scrollIntoView()")
        shot(page, f"dash-05-{section}", full=False)

    page.get_by_role("button", name="NL").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.locator(".chart.rendered")).to_have_count(count, timeout=20000)
    expect(page.get_by_test_id("sroi")).to_have_text(re.compile(r"^\d+,\d\d$"))
    shot(page, "dash-06-dashboard-nl")

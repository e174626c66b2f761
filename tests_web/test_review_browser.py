"""Browser test in real Chromium: a reviewer opens a shared report with a personal link, does not recognise an
outcome, the team answers and resolves it, and the outcome's verification status follows. Screenshots go to
var/screenshots/review-*.png."""

from __future__ import annotations

from django.urls import reverse

from impactlab.model.examples import example_text
from impactlab_web.jobs.runner import run_pending
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes import modelling, partnerships
from impactlab_web.programmes.models import Programme
from impactlab_web.review import cycles, reporting, sharing
from tests_web.conftest import make_user, shot


def test_reviewer_comments_team_resolves(page, live_server, settings, var_dir) -> None:
    from playwright.sync_api import expect

    settings.IMPACTLAB_REPORT_DRAWS = 2000
    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    municipality = Organisation.objects.create(name="Gemeente Venlo", kind="municipality")
    programme = Programme.objects.create(name="Buurtcirkels Venlo", lead=welfare)
    partnerships.seed_accepted(programme, municipality)
    researcher = make_user("rob", Role.RESEARCHER, welfare)
    researcher.first_name, researcher.last_name = "Rob", "Researcher"
    researcher.save()
    modelling.save_version(programme, example_text("buurtcirkels"), researcher, "first")
    modelling.publish(programme.latest_version(), researcher)  # a cycle and a shared report: a published version
    cycle = cycles.create_cycle(programme, "2025", researcher)
    cycles.freeze(cycle)
    report = reporting.request_report(cycle, "en", ["html", "pdf"], researcher)
    run_pending()
    report.refresh_from_db()
    assert report.status == "ready", report.error
    _, token = sharing.share_link(report, "Gemma Gemeente", 14, researcher)

    # 1. the reviewer opens the personal link (no account) and does not recognise an outcome
    page.goto(live_server.url + reverse("review:shared", kwargs={"token": token}))
    expect(page.get_by_role("heading", name="Report: Buurtcirkels Venlo")).to_be_visible()
    status = page.get_by_test_id("status-delayed_care")
    expect(status).to_have_text("not yet verified")
    shot(page, "review-01-shared-report")
    outcome = page.locator("#outcome-delayed_care")
    outcome.get_by_text("Do you recognise this outcome? Give your view").click()
    outcome.get_by_label("No, I do not").check()
    outcome.get_by_label("Your comment on this outcome").fill(
        "We see no fewer Wmo requests in these districts yet.")
    outcome.get_by_role("button", name="Send comment").click()
    expect(page.get_by_test_id("status-delayed_care")).to_have_text("disputed")
    expect(outcome.get_by_text("We see no fewer Wmo requests in these districts yet.")).to_be_visible()
    expect(outcome.get_by_text("does not recognise it")).to_be_visible()
    outcome.scroll_into_view_if_needed()
    shot(page, "review-02-reviewer-disagrees", full=False)

    # 2. the team logs in, answers and resolves on the report page
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("rob")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + reverse("review:report", kwargs={"programme": programme.pk, "report": report.pk}))
    team_outcome = page.locator("#outcome-delayed_care")
    expect(page.get_by_test_id("status-delayed_care")).to_have_text("disputed")
    team_outcome.get_by_label("Answer").fill("Fair point: we estimated it against the district average. "
                                             "In cycle 2 we measure it with registrations and a control district.")
    team_outcome.get_by_label("Resolved").check()
    team_outcome.scroll_into_view_if_needed()
    shot(page, "review-03-team-answers", full=False)
    team_outcome.get_by_role("button", name="Send answer").click()
    expect(page.get_by_test_id("status-delayed_care")).to_have_text("objection answered")
    expect(team_outcome.get_by_text("resolved", exact=True)).to_be_visible()
    expect(team_outcome.get_by_text("Rob Researcher")).to_be_visible()
    team_outcome.scroll_into_view_if_needed()
    shot(page, "review-04-team-resolved", full=False)

    # 3. back on the link, the reviewer sees the answer and the new status
    page.goto(live_server.url + reverse("review:shared", kwargs={"token": token}))
    expect(page.get_by_test_id("status-delayed_care")).to_have_text("objection answered")
    expect(page.get_by_text("In cycle 2 we measure it with registrations")).to_be_visible()
    shot(page, "review-05-reviewer-sees-answer")
    # no script blocked by the CSP and no script error (Chromium's form autofill sets empty style attributes
    # on inputs, which the style-src policy reports; that is the browser's, not the page's)
    errors = [m for m in page.console if "script-src" in m or "Uncaught" in m]
    assert errors == [], page.console


def test_demo_cycles_and_comparison(page, live_server, settings, var_dir, monkeypatch) -> None:
    """The demo's finished first cycle, the second in progress and their comparison, as the team sees them."""
    from playwright.sync_api import expect

    from impactlab_web.core import demo

    settings.IMPACTLAB_REPORT_DRAWS = 2000
    monkeypatch.setattr(demo, "EXTENSIONS", ["impactlab_web.review.demo"])
    programme = demo.seed(say=lambda message: None)
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("researcher")
    page.get_by_label("Password").fill(demo.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + reverse("programmes:detail", kwargs={"programme": programme.pk}))
    page.get_by_role("link", name="Learning cycles").click()
    expect(page.get_by_role("heading", name="Learning cycles")).to_be_visible()
    shot(page, "review-06-cycles")
    page.get_by_role("link", name="Cycle 1: 2025").click()
    expect(page.get_by_text("finished", exact=True).first).to_be_visible()
    shot(page, "review-07-cycle-1")
    page.get_by_role("link", name="Compare with cycle", exact=False).count()  # only on cycle 2
    page.goto(live_server.url + reverse("review:cycle", kwargs={"programme": programme.pk, "cycle": 2}))
    shot(page, "review-08-cycle-2")
    page.get_by_role("link", name="Compare with cycle 1").click()
    diff = page.get_by_test_id("assumption-diff")
    expect(diff).to_contain_text("deadweight.base")
    expect(diff).to_contain_text("0.35")
    expect(page.get_by_text("GGD Gezondheidsmonitor 2026")).to_be_visible()
    shot(page, "review-09-compare")
    report = programme.cycles.get(number=1).reports.get()
    page.goto(live_server.url + reverse("review:report", kwargs={"programme": programme.pk, "report": report.pk}))
    expect(page.get_by_test_id("status-less_lonely")).to_have_text("verified by stakeholders")
    expect(page.get_by_test_id("status-delayed_care")).to_have_text("objection answered")
    shot(page, "review-10-demo-report-team")
    # the Dutch interface
    page.get_by_role("button", name="NL").click()
    expect(page.get_by_test_id("status-less_lonely")).to_be_visible()
    shot(page, "review-11-demo-report-nl", full=False)

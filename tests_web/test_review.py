"""Learning cycles, reports from the web app, sharing and review (issue 6, web part)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from impactlab.model.examples import example_text
from impactlab_web.core.models import AuditEvent
from impactlab_web.jobs.models import Job
from impactlab_web.jobs.runner import run_pending
from impactlab_web.organisations.models import Role
from impactlab_web.programmes import modelling
from impactlab_web.review import cycles, reporting, sharing
from impactlab_web.review.models import Comment, Cycle, Phase, ReportVersion
from tests_web import review_world
from tests_web.conftest import World

OLD_DW = "deadweight: {base: 0.25, low: 0.15, high: 0.40}"
NEW_DW = "deadweight: {base: 0.35, low: 0.15, high: 0.40}"
SECTIONS_EN = ["Summary", "Theory of change", "Stakeholders", "Methods", "Outcomes and evidence", "Value map",
               "Who pays and who benefits", "Sensitivity and uncertainty", "Assumptions and financial proxies",
               "Limitations"]


def client_for(world: World, role: Role, scope: str = "own") -> Client:
    client = Client()
    client.force_login(world.user(role, scope))
    return client


@pytest.fixture
def fast_reports(settings, var_dir):
    settings.IMPACTLAB_REPORT_DRAWS = 2000
    return var_dir


def generated(world: World, cycle: Cycle, lang: str = "en", formats=("pdf", "html", "xlsx")) -> ReportVersion:
    report = reporting.request_report(cycle, lang, list(formats), world.user(Role.RESEARCHER, "own"))
    assert run_pending() >= 1
    report.refresh_from_db()
    assert report.status == ReportVersion.Status.READY, report.error
    return report


# --- cycles --------------------------------------------------------------------------------------------------

def test_cycle_phases_and_frozen_version(world: World) -> None:
    cycle = cycles.create_cycle(world.programme, "2025", world.user(Role.ADMINISTRATOR, "own"))
    assert cycle.number == 1 and cycle.status == Cycle.Status.PLANNED
    phases = list(cycle.phases.all())
    assert [p.kind for p in phases] == ["problem_analysis", "fieldwork", "analysis", "reporting", "sharing"]
    assert [p.group for p in phases] == ["articulation"] * 3 + ["co_creation"] * 2

    client = client_for(world, Role.RESEARCHER)
    url = reverse("review:phase", kwargs={"programme": world.programme.pk, "cycle": 1, "phase": "problem_analysis"})
    assert client.post(url, {"status": "active", "notes": "kick-off"}).status_code == 302
    phase = cycle.phases.get(kind="problem_analysis")
    cycle.refresh_from_db()
    assert phase.status == "active" and phase.started == timezone.localdate() and phase.notes == "kick-off"
    assert cycle.status == Cycle.Status.RUNNING
    assert client.post(url, {"status": "done"}).status_code == 302
    phase.refresh_from_db()
    assert phase.finished == timezone.localdate()
    # a viewer may read the cycle but not change it
    assert client_for(world, Role.VIEWER).post(url, {"status": "todo"}).status_code == 403

    freeze = reverse("review:cycle_freeze", kwargs={"programme": world.programme.pk, "cycle": 1})
    modelling.publish(world.programme.latest_version(), world.user(Role.ADMINISTRATOR, "own"))  # what is frozen
    assert client.post(freeze).status_code == 302
    cycle.refresh_from_db()
    assert cycle.model_version.number == 2 and cycle.frozen_at is not None
    # a later save of the model is a new version: the cycle keeps the frozen one
    modelling.save_version(world.programme, example_text("buurtcirkels").replace(OLD_DW, NEW_DW), None, "third")
    cycle.refresh_from_db()
    assert cycle.model_version.number == 2

    with pytest.raises(cycles.CycleLocked):
        cycles.finish(cycle)  # phases not done
    for p in cycle.phases.all():
        cycles.update_phase(p, Phase.Status.DONE)
    cycles.finish(cycle)
    with pytest.raises(cycles.CycleLocked):
        cycles.freeze(cycle)
    with pytest.raises(cycles.CycleLocked):
        cycles.update_phase(cycle.phases.first(), Phase.Status.TODO)
    page = client.get(reverse("review:cycle", kwargs={"programme": world.programme.pk, "cycle": 1}))
    assert page.status_code == 200 and "Frozen model version <strong>2</strong>" in page.content.decode()


def test_assumption_diff_is_exactly_what_changed(world: World) -> None:
    text = example_text("buurtcirkels")
    v3 = modelling.save_version(world.programme, text, None, "cycle 1")
    v4 = modelling.save_version(world.programme, text.replace(OLD_DW, NEW_DW).replace("value: 68", "value: 72"),
                                None, "cycle 2")
    first = cycles.create_cycle(world.programme, "2025")
    cycles.freeze(first, modelling.publish(v3, None))
    second = cycles.create_cycle(world.programme, "2026")
    cycles.freeze(second, modelling.publish(v4, None))
    second.change_note = "The regional trend improved as well."
    second.save()

    changes = cycles.assumption_diff(v3.document, v4.document)
    assert {(c.part, c.item, c.field, c.old, c.new) for c in changes} == {
        ("outcomes", "less_lonely", "deadweight.base", 0.25, 0.35),
        ("outcomes", "lower_workload", "value", 68.0, 72.0),
    }
    assert all(c.kind == "changed" for c in changes)

    comparison = cycles.compare_cycles(first, second)
    changed = {o.id for o in comparison.outcomes if o.delta}
    assert changed == {"less_lonely", "lower_workload"}
    lonely = next(o for o in comparison.outcomes if o.id == "less_lonely")
    assert lonely.new < lonely.old  # more deadweight, less value
    ratio = next(f for f in comparison.versions.figures if f.is_ratio and f.label == "SROI ratio")
    assert ratio.old == v3.figures["sroi_ratio"] and ratio.new == v4.figures["sroi_ratio"]

    page = client_for(world, Role.VIEWER).get(
        reverse("review:cycle_compare", kwargs={"programme": world.programme.pk}) + "?a=1&b=2")
    body = page.content.decode()
    assert page.status_code == 200
    assert "deadweight.base" in body and "<code>value</code>" in body and "The regional trend improved" in body


def test_diff_of_added_and_removed_items() -> None:
    old = {"outcomes": [{"id": "a", "description": "A", "deadweight": {"base": 0.1}}], "valuation": {"rate": 0.02}}
    new = {"outcomes": [{"id": "b", "description": "B", "deadweight": {"base": 0.1}}], "valuation": {"rate": 0.03}}
    kinds = {(c.part, c.item, c.kind) for c in cycles.assumption_diff(old, new)}
    assert kinds == {("outcomes", "a", "removed"), ("outcomes", "b", "added"), ("valuation", "", "changed")}


# --- reports -------------------------------------------------------------------------------------------------

def test_report_job_produces_files(world: World, fast_reports) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    cycle = review_world.cycle(world)
    client = client_for(world, Role.RESEARCHER)
    url = reverse("review:report_generate", kwargs={"programme": world.programme.pk, "cycle": 1})
    assert client.post(url, {"lang": "en", "formats": ["pdf", "html", "xlsx"]}).status_code == 302
    report = cycle.reports.get()
    assert report.status == ReportVersion.Status.PENDING and report.job.kind == "report"
    page = client.get(reverse("review:cycle", kwargs={"programme": world.programme.pk, "cycle": 1}))
    assert f'hx-get="/programmes/{world.programme.pk}/jobs/{report.job.pk}/"' in page.content.decode()
    assert run_pending() >= 1  # the test world also holds a queued simulation
    report.refresh_from_db()
    assert report.job.status == Job.Status.DONE and report.status == ReportVersion.Status.READY, report.job.error
    assert report.job.result["link"].endswith(f"/reports/{report.pk}/")
    assert set(report.files) == {"pdf", "html", "xlsx"}
    assert str(report.folder).startswith(str(fast_reports))  # files under VAR_DIR, not in the database

    text = "\n".join(page.extract_text() for page in PdfReader(report.path("pdf")).pages)
    for title in SECTIONS_EN:
        assert title in text, title
    assert report.path("html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "Value map" in load_workbook(report.path("xlsx")).sheetnames
    assert [s["title"] for s in report.summary["sections"]] == SECTIONS_EN
    assert report.summary["figures"]["sroi_ratio"] == pytest.approx(world.programme.versions.get(number=1)
                                                                     .figures["sroi_ratio"])

    download = client.get(reverse("review:report_file", kwargs={"programme": world.programme.pk,
                                                                "report": report.pk, "fmt": "pdf"}))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert not AuditEvent.objects.filter(object_type="report").exists()  # no respondent data in it
    assert client.get(reverse("review:report_file", kwargs={"programme": world.programme.pk, "report": report.pk,
                                                            "fmt": "docx"})).status_code == 404
    listing = client.get(reverse("review:reports", kwargs={"programme": world.programme.pk}))
    assert f"/reports/{report.pk}/" in listing.content.decode()


def test_dutch_report_and_failure_is_shown(world: World, fast_reports) -> None:
    from pypdf import PdfReader

    cycle = review_world.cycle(world)
    report = generated(world, cycle, "nl", ["pdf"])
    text = "\n".join(p.extract_text() for p in PdfReader(report.path("pdf")).pages)
    assert "Samenvatting" in text and "Waardekaart" in text and "Beperkingen" in text
    broken = reporting.request_report(cycle, "en", ["pdf"])
    ReportVersion.objects.filter(pk=broken.pk).update(draws=0)
    run_pending()
    broken.refresh_from_db()
    assert broken.status == ReportVersion.Status.FAILED and broken.job.status == Job.Status.FAILED


# --- sharing -------------------------------------------------------------------------------------------------

def test_share_links_valid_expired_revoked_and_scoped(world: World, fast_reports) -> None:
    cycle = review_world.cycle(world)
    report = generated(world, cycle, formats=("html",))
    other = generated(world, cycle, formats=("html",))
    admin = client_for(world, Role.ADMINISTRATOR)
    url = reverse("review:share_create", kwargs={"programme": world.programme.pk, "report": report.pk})
    response = admin.post(url, {"kind": "link", "name": "Gemma Gemeente", "days": 14}, follow=True)
    assert "Personal link for Gemma Gemeente" in response.content.decode()
    share = report.shares.get(kind="link")
    assert share.expires_at.date() == (timezone.now() + dt.timedelta(days=14)).date()
    token = sharing.token_for(share)

    anonymous = Client()
    page = anonymous.get(reverse("review:shared", kwargs={"token": token}))
    body = page.content.decode()
    assert page.status_code == 200 and "Gemma Gemeente" in body
    assert f"/reports/{other.pk}/" not in body and world.programme.name not in body
    assert anonymous.get(reverse("review:shared_file", kwargs={"token": token, "fmt": "html"})).status_code == 200
    assert anonymous.get(reverse("review:shared_file", kwargs={"token": token, "fmt": "pdf"})).status_code == 404
    # the link shows only its report version: the programme's pages still need a login
    assert anonymous.get(reverse("review:report", kwargs={"programme": world.programme.pk,
                                                          "report": other.pk})).status_code == 302
    posted = anonymous.post(reverse("review:shared_comment", kwargs={"token": token}),
                            {"target": "outcome", "target_id": "less_lonely", "verdict": "agree", "text": "Klopt."})
    assert posted.status_code == 302
    comment = Comment.objects.get(text="Klopt.")
    assert comment.report == report and comment.share == share and comment.author_name == "Gemma Gemeente"
    unknown = anonymous.post(reverse("review:shared_comment", kwargs={"token": token}),
                             {"target": "outcome", "target_id": "no_such", "verdict": "agree", "text": "x"})
    assert unknown.status_code == 422

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert anonymous.get(reverse("review:shared", kwargs={"token": tampered})).status_code == 404
    share.expires_at = timezone.now() - dt.timedelta(minutes=1)
    share.save()
    assert anonymous.get(reverse("review:shared", kwargs={"token": token})).status_code == 404
    share.expires_at = timezone.now() + dt.timedelta(days=1)
    share.save()
    assert anonymous.get(reverse("review:shared", kwargs={"token": token})).status_code == 200
    revoke = reverse("review:share_revoke", kwargs={"programme": world.programme.pk, "share": share.pk})
    assert admin.post(revoke).status_code == 302
    assert anonymous.get(reverse("review:shared", kwargs={"token": token})).status_code == 404
    assert anonymous.post(reverse("review:shared_comment", kwargs={"token": token}),
                          {"target": "outcome", "target_id": "less_lonely", "text": "x"}).status_code == 404

    # another programme's administrator can neither revoke nor share this programme's report
    elsewhere = client_for(world, Role.ADMINISTRATOR, "foreign")
    assert elsewhere.post(revoke).status_code == 404
    assert elsewhere.post(url, {"kind": "role"}).status_code == 404
    # a share id of another programme does not resolve under this one
    other_programme_share = sharing.share_link(report, "x")[0]
    foreign_url = reverse("review:share_revoke", kwargs={"programme": world.other.pk,
                                                         "share": other_programme_share.pk})
    assert elsewhere.post(foreign_url).status_code == 404


def test_reviewer_sees_only_shared_reports_of_own_programmes(world: World, fast_reports) -> None:
    cycle = review_world.cycle(world)
    report = generated(world, cycle, formats=("html",))
    reviewer = client_for(world, Role.REVIEWER)
    page = reverse("review:report", kwargs={"programme": world.programme.pk, "report": report.pk})
    assert reviewer.get(page).status_code == 404  # not shared yet
    assert reviewer.get(reverse("review:report_file", kwargs={"programme": world.programme.pk,
                                                              "report": report.pk, "fmt": "html"})).status_code == 404
    assert reviewer.get(reverse("review:cycles", kwargs={"programme": world.programme.pk})).status_code == 403
    admin = client_for(world, Role.ADMINISTRATOR)
    admin.post(reverse("review:share_create", kwargs={"programme": world.programme.pk, "report": report.pk}),
               {"kind": "role"})
    assert reviewer.get(page).status_code == 200
    listing = reviewer.get(reverse("review:reports", kwargs={"programme": world.programme.pk})).content.decode()
    assert f"/reports/{report.pk}/" in listing

    # the other programme: its cycles and reports do not exist for this reviewer
    other_cycle = cycles.create_cycle(world.other, "elsewhere")
    modelling.publish(modelling.save_version(world.other, example_text("buurtcirkels"), None, "x"), None)
    cycles.freeze(other_cycle)
    other_report = ReportVersion.objects.create(cycle=other_cycle, number=1, lang="en", formats=["html"],
                                                model_version=other_cycle.model_version,
                                                status=ReportVersion.Status.READY, summary={"title": "Elders"})
    sharing.share_with_role(other_report)
    for url in (reverse("review:report", kwargs={"programme": world.other.pk, "report": other_report.pk}),
                reverse("review:reports", kwargs={"programme": world.other.pk}),
                reverse("review:report", kwargs={"programme": world.programme.pk, "report": other_report.pk})):
        assert reviewer.get(url).status_code == 404, url
    comment = reverse("review:comment", kwargs={"programme": world.programme.pk, "report": other_report.pk})
    assert reviewer.post(comment, {"target": "outcome", "target_id": "less_lonely", "text": "x"}).status_code == 404
    assert not Comment.objects.filter(report=other_report).exists()


# --- comments and verification -----------------------------------------------------------------------------

def test_comments_survive_a_new_version(world: World, fast_reports) -> None:
    cycle = review_world.cycle(world)
    first = generated(world, cycle, formats=("html",))
    sharing.share_with_role(first)
    reviewer = client_for(world, Role.REVIEWER)
    url = reverse("review:comment", kwargs={"programme": world.programme.pk, "report": first.pk})
    assert reviewer.post(url, {"target": "outcome", "target_id": "delayed_care", "verdict": "disagree",
                               "text": "We see no fewer Wmo requests."}).status_code == 302
    assert reviewer.post(url, {"target": "section", "target_id": "limitations",
                               "text": "Mention the low response in Tegelen."}).status_code == 302
    comment = Comment.objects.get(target_id="delayed_care")
    assert comment.model_version == first.model_version and comment.verdict == "disagree"

    revised = modelling.save_version(world.programme, example_text("buurtcirkels").replace(OLD_DW, NEW_DW), None,
                                     "revised")
    modelling.publish(revised, None)
    second_cycle = cycles.create_cycle(world.programme, "next")
    cycles.freeze(second_cycle)
    second = generated(world, second_cycle, formats=("html",))
    sharing.share_with_role(second)
    assert second.model_version.number == 3

    comment.refresh_from_db()
    assert comment.report == first and comment.model_version.number == 1  # stays where it was made
    found = sharing.threads(second)
    assert found[("outcome", "delayed_care")].current == []
    assert [c.pk for c in found[("outcome", "delayed_care")].earlier] == [comment.pk]
    assert [c.text for c in found[("section", "limitations")].earlier] == ["Mention the low response in Tegelen."]
    body = reviewer.get(reverse("review:report", kwargs={"programme": world.programme.pk,
                                                         "report": second.pk})).content.decode()
    assert "We see no fewer Wmo requests." in body and "on an earlier version" in body
    old = reviewer.get(reverse("review:report", kwargs={"programme": world.programme.pk, "report": first.pk}))
    assert "We see no fewer Wmo requests." in old.content.decode()
    assert sharing.threads(first)[("outcome", "delayed_care")].current[0].pk == comment.pk

    # the team answers on the new version's page; the answer joins the comment on its own version
    team = client_for(world, Role.PROFESSIONAL)
    answer = reverse("review:comment_answer", kwargs={"programme": world.programme.pk, "comment": comment.pk})
    response = team.post(answer, {"text": "Measured in cycle 2.", "resolve": "on", "shown_on": second.pk},
                         HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Measured in cycle 2." in response.content.decode()
    assert comment.answers.get().report == first


def test_verification_status(world: World, fast_reports) -> None:
    cycle = review_world.cycle(world)
    report = generated(world, cycle, formats=("html",))
    sharing.share_with_role(report)
    status = {o: sharing.thread(report, "outcome", o).status for o in ("less_lonely", "delayed_care")}
    assert status == {"less_lonely": "unverified", "delayed_care": "unverified"}

    reviewer = client_for(world, Role.REVIEWER)
    url = reverse("review:comment", kwargs={"programme": world.programme.pk, "report": report.pk})
    htmx = {"HTTP_HX_REQUEST": "true"}
    agree = reviewer.post(url, {"target": "outcome", "target_id": "less_lonely", "verdict": "agree",
                                "text": "Yes."}, **htmx)
    assert agree.status_code == 200 and 'data-testid="status-less_lonely">verified by stakeholders' in \
        agree.content.decode()
    disagree = reviewer.post(url, {"target": "outcome", "target_id": "delayed_care", "verdict": "disagree",
                                   "text": "No."}, **htmx)
    assert 'data-testid="status-delayed_care">disputed' in disagree.content.decode()
    assert "Send answer" not in disagree.content.decode()  # reviewers do not resolve
    objection = Comment.objects.get(text="No.")
    answer = reverse("review:comment_answer", kwargs={"programme": world.programme.pk, "comment": objection.pk})
    assert reviewer.post(answer, {"resolve": "on"}).status_code == 403
    team = client_for(world, Role.RESEARCHER)
    assert team.post(answer, {}).status_code == 422
    resolved = team.post(answer, {"text": "Compared with the district average.", "resolve": "on"}, **htmx)
    assert 'data-testid="status-delayed_care">objection answered' in resolved.content.decode()
    objection.refresh_from_db()
    assert objection.resolved and objection.resolved_by == world.user(Role.RESEARCHER, "own")
    # an open suggestion disputes even an outcome someone agreed with
    suggestion = sharing.add_comment(report, "outcome", "less_lonely", "Count volunteers too.", "suggest",
                                     world.user(Role.REVIEWER, "partner"))
    assert sharing.thread(report, "outcome", "less_lonely").status == "disputed"
    sharing.mark_resolved(suggestion, world.user(Role.RESEARCHER, "own"))
    assert sharing.thread(report, "outcome", "less_lonely").status == "verified"
    # a verdict on a section is ignored (sections are commented on, outcomes are verified)
    section = sharing.add_comment(report, "section", "summary", "Nice", "disagree")
    assert section.verdict == ""
    viewer = client_for(world, Role.VIEWER)
    assert viewer.post(url, {"target": "outcome", "target_id": "less_lonely", "text": "x"}).status_code == 403


def test_demo_part_is_complete_and_idempotent(db, settings, var_dir, monkeypatch) -> None:
    from impactlab_web.core import demo

    settings.IMPACTLAB_REPORT_DRAWS = 5000
    monkeypatch.setattr(demo, "EXTENSIONS", ["impactlab_web.review.demo"])  # this area's part only
    programme = demo.seed(say=lambda message: None)
    counts = (Cycle.objects.count(), ReportVersion.objects.count(), Comment.objects.count(),
              programme.versions.count())
    demo.seed(say=lambda message: None)
    assert (Cycle.objects.count(), ReportVersion.objects.count(), Comment.objects.count(),
            programme.versions.count()) == counts

    first, second = programme.cycles.get(number=1), programme.cycles.get(number=2)
    assert first.status == Cycle.Status.FINISHED and first.conclusions
    assert set(first.phases.values_list("status", flat=True)) == {"done"}
    assert first.datasets.count() == 2 and first.model_version.number == 1
    report = first.reports.get()
    assert report.status == "ready" and set(report.files) == {"pdf", "html"} and report.has_respondent_data
    assert report.path("pdf").exists() and report.path("html").exists()
    roots = report.comments.filter(parent__isnull=True, target="outcome")
    assert {c.verdict for c in roots} == {"agree", "disagree"}
    assert roots.get(verdict="disagree").resolved and roots.get(verdict="disagree").answers.exists()
    assert sharing.thread(report, "outcome", "less_lonely").status == "verified"
    assert sharing.thread(report, "outcome", "delayed_care").status == "addressed"

    assert second.status == Cycle.Status.RUNNING and second.model_version.number > first.model_version.number
    changes = cycles.compare_cycles(first, second).assumptions
    assert [(c.item, c.field, c.old, c.new) for c in changes] == [
        ("less_lonely", "deadweight.base", 0.25, 0.35), ("less_lonely", "deadweight.low", 0.15, 0.25),
        ("less_lonely", "deadweight.high", 0.4, 0.45)]

    # the demo reviewer reads the shared report; downloading it is audit-logged (respondent data)
    from django.contrib.auth import get_user_model

    reviewer = Client()
    reviewer.force_login(get_user_model().objects.get(username="reviewer"))
    page = reviewer.get(reverse("review:report", kwargs={"programme": programme.pk, "report": report.pk}))
    assert page.status_code == 200
    file = reviewer.get(reverse("review:report_file", kwargs={"programme": programme.pk, "report": report.pk,
                                                              "fmt": "pdf"}))
    assert file.status_code == 200 and io.BytesIO(b"".join(file.streaming_content)).read(4) == b"%PDF"
    events = AuditEvent.objects.filter(object_type="report", object_id=str(report.pk), username="reviewer")
    assert sorted(events.values_list("action", flat=True)) == ["report.download", "report.view"]
    foreign = Client()
    foreign.force_login(get_user_model().objects.get(username="elsewhere"))
    assert foreign.get(reverse("review:report", kwargs={"programme": programme.pk,
                                                        "report": report.pk})).status_code == 404


def test_report_carries_the_coded_quotes_of_its_outcomes(world, settings, tmp_path) -> None:
    """A coded passage linked to an outcome appears under that outcome in the generated report."""
    from impactlab_web.qualitative.models import OutcomeLink
    from impactlab_web.qualitative.testing import TEXT, sample
    from impactlab_web.review.reporting import generate, request_report
    from tests_web.review_world import cycle

    settings.VAR_DIR = tmp_path
    settings.WORKSPACE_DIR = tmp_path / "workspace"
    coded = sample(world.programme)
    OutcomeLink.objects.create(programme=world.programme, outcome="less_lonely", coding=coded.coding)
    report = generate(request_report(cycle(world), "en", ["html"]))
    html = (report.folder / "report.html").read_text(encoding="utf-8")
    passage = TEXT[coded.coding.start:coded.coding.end]
    assert passage in html and "T-001" in html


def test_a_finished_cycle_is_read_only_by_every_path(world) -> None:
    """Issue 10: a finished cycle's title and conclusions could still be edited (cycle_edit had no check), and
    nothing stopped a save through the models. Now the policy denies every change, and the models refuse."""
    import pytest as _pytest
    from django.test import Client as _Client

    from impactlab_web.core.permissions import Action, can
    from impactlab_web.organisations.models import Role as _Role
    from impactlab_web.review import cycles as _cycles
    from impactlab_web.review.models import CycleLocked, Phase, ReportVersion

    cycle = _cycles.create_cycle(world.programme, "2025")
    for phase in cycle.phases.all():
        _cycles.update_phase(phase, Phase.Status.DONE)
    modelling.publish(world.programme.latest_version(), None)
    _cycles.freeze(cycle)
    _cycles.finish(cycle)
    admin = world.user(_Role.ADMINISTRATOR, "own")
    assert can(admin, Action.CYCLES_MANAGE, world.programme)
    assert not can(admin, Action.CYCLES_MANAGE, cycle)
    assert not can(admin, Action.REPORTS_GENERATE, cycle)
    client = _Client()
    client.force_login(admin)
    from django.db import transaction as _transaction
    from django.urls import reverse as _reverse

    url = _reverse("review:cycle_edit", kwargs={"programme": world.programme.pk, "cycle": cycle.number})
    sent = {"title": "changed", "question": "", "conclusions": "x", "change_note": ""}
    assert client.post(url, sent).status_code == 302
    cycle.refresh_from_db()
    assert cycle.title == "2025"
    cycle.title = "changed"
    with _pytest.raises(CycleLocked), _transaction.atomic():
        cycle.save()
    with _pytest.raises(CycleLocked), _transaction.atomic():
        cycle.phases.first().save()
    with _pytest.raises(CycleLocked), _transaction.atomic():
        cycle.datasets.add(world.dataset)
    with _pytest.raises(CycleLocked), _transaction.atomic():
        cycle.delete()
    with _pytest.raises(CycleLocked), _transaction.atomic():
        ReportVersion.objects.create(cycle=cycle, number=99, lang="nl", model_version=cycle.model_version)
    assert cycle.datasets.count() == 0

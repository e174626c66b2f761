"""Every place that shows figures or model parts reads the model version through `evidence.version_for` (issue 9):
editors see the latest draft, everyone else the published version; a job of a draft is its editors' only."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from impactlab_web.jobs.models import Job
from impactlab_web.organisations.models import Role
from impactlab_web.programmes import modelling
from impactlab_web.qualitative.models import Code, Coding, Document, OutcomeLink
from impactlab_web.qualitative.project import quotes_for
from tests_web.conftest import World

DRAFT_OUTCOME = "Neighbours drop by more often (draft only)"
DRAFT_NAME = "Residents in the draft"


@pytest.fixture
def drafted(world: World):
    """Version 1 published; version 3 a draft that renames the residents and adds an outcome."""
    published = world.programme.versions.get(number=1)
    modelling.publish(published, None)
    text = published.text.replace("name: Participating residents", f"name: {DRAFT_NAME}", 1)
    text = text.replace("  - id: self_reliance\n", f"""  - id: drop_by
    stakeholder: residents
    description: {DRAFT_OUTCOME}
    quantity: 10
    value: 100
    deadweight: 0.2
  - id: self_reliance
""", 1)
    draft = modelling.save_version(world.programme, text, world.user(Role.RESEARCHER, "own"), "draft")
    assert draft.is_draft and DRAFT_NAME in draft.text
    return published, draft


def client_as(world: World, role: Role, scope: str = "own") -> Client:
    client = Client()
    client.force_login(world.user(role, scope))
    return client


def status_code(world: World, job: Job, role: Role, scope: str = "own") -> int:
    url = reverse("jobs:status", kwargs={"programme": world.programme.pk, "job": job.pk})
    return client_as(world, role, scope).get(url).status_code


def test_a_simulation_of_a_draft_is_hidden_from_those_who_see_no_drafts(world: World, drafted) -> None:
    published, draft = drafted
    on_draft = Job.objects.create(kind="simulate", programme=world.programme,
                                  params={"programme": world.programme.pk, "version": draft.number, "draws": 10})
    on_published = Job.objects.create(kind="simulate", programme=world.programme,
                                      params={"programme": world.programme.pk, "version": published.number})
    for role in (Role.VIEWER, Role.PROFESSIONAL, Role.REVIEWER):
        assert status_code(world, on_draft, role) == 404, role
        assert status_code(world, on_published, role) == 200, role
    for role in (Role.ADMINISTRATOR, Role.RESEARCHER):
        assert status_code(world, on_draft, role) == 200, role


def test_a_dashboard_simulation_and_a_report_of_a_draft_are_its_editors_only(world: World, drafted) -> None:
    from impactlab_web.dashboards.models import Simulation
    from impactlab_web.review.models import Cycle, ReportVersion

    published, draft = drafted
    jobs = {}
    for version in (published, draft):
        sim = Simulation.objects.create(version=version, key=f"{version.number:064d}", draws=10, seed=1)
        jobs[("dashboard.simulate", version.number)] = Job.objects.create(
            kind="dashboard.simulate", programme=world.programme, params={"simulation": sim.pk})
        cycle = Cycle.objects.create(programme=world.programme, number=version.number, title="cycle")
        report = ReportVersion.objects.create(cycle=cycle, number=1, lang="en", model_version=version)
        jobs[("report", version.number)] = Job.objects.create(kind="report", programme=world.programme,
                                                              params={"report": report.pk})
    for (kind, number), job in jobs.items():
        seen = {role: status_code(world, job, role) == 200 for role in (Role.VIEWER, Role.RESEARCHER)}
        assert seen == {Role.VIEWER: number == published.number, Role.RESEARCHER: True}, (kind, number)


def _quote(world: World, outcome: str) -> None:
    researcher = world.user(Role.RESEARCHER, "own")
    text = "Since the circle my neighbour drops by every week."
    document = Document.objects.create(programme=world.programme, label="R-01", group="residents", kind="text",
                                       sha256="d" * 64, text=text)
    code = Code.objects.create(programme=world.programme, name="contact")
    coding = Coding.objects.create(document=document, code=code, coder=researcher, start=0, end=len(text))
    OutcomeLink.objects.create(programme=world.programme, outcome=outcome, coding=coding)


def test_qualitative_pages_show_the_model_parts_of_the_version_the_user_sees(world: World, drafted) -> None:
    _quote(world, "drop_by")
    url = reverse("qualitative:quotes", kwargs={"programme": world.programme.pk})
    editor = html.unescape(client_as(world, Role.RESEARCHER).get(url).content.decode())
    assert DRAFT_OUTCOME in editor and DRAFT_NAME in editor and "drops by every week" in editor
    viewer = html.unescape(client_as(world, Role.VIEWER).get(url).content.decode())
    assert DRAFT_OUTCOME not in viewer and DRAFT_NAME not in viewer and "drops by every week" not in viewer
    assert "Participating residents" in viewer
    index = reverse("qualitative:index", kwargs={"programme": world.programme.pk})
    assert DRAFT_NAME not in html.unescape(client_as(world, Role.PROFESSIONAL).get(index).content.decode())
    assert DRAFT_NAME in html.unescape(client_as(world, Role.RESEARCHER).get(index).content.decode())


def test_a_report_takes_the_quotes_of_its_own_model_version(world: World, drafted) -> None:
    published, draft = drafted
    _quote(world, "drop_by")
    assert "drop_by" in quotes_for(world.programme, draft)
    assert "drop_by" not in quotes_for(world.programme, published)
    assert quotes_for(world.programme, draft)["drop_by"][0].source == f"R-01, {DRAFT_NAME}"

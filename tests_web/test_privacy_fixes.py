"""Privacy and permission defects found in review: each test failed before its fix."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from impactlab_web.jobs.models import Job
from impactlab_web.organisations.models import Role
from tests_web.conftest import World


def _client(world: World, role: Role, scope: str) -> Client:
    client = Client()
    client.force_login(world.user(role, scope))
    return client


def test_someone_elses_import_job_is_not_shown_by_the_status_partial(world: World) -> None:
    """An import job's error holds the file's rejected values: only its uploader sees it, not the programme."""
    uploader = world.user(Role.ADMINISTRATOR, "own")
    job = Job.objects.create(kind="dataset.import", params={"upload": "x"}, programme=world.programme,
                             created_by=uploader, status=Job.Status.FAILED,
                             error="jansen.csv, row 3, column 'client_nr': '123456782' — duplicate")
    url = reverse("jobs:status", kwargs={"programme": world.programme.pk, "job": job.pk})
    assert "123456782" in _client(world, Role.ADMINISTRATOR, "own").get(url).content.decode()
    for role, scope in [(Role.VIEWER, "own"), (Role.REVIEWER, "partner"), (Role.RESEARCHER, "partner"),
                        (Role.RESEARCHER, "own")]:
        response = _client(world, role, scope).get(url)
        assert response.status_code == 404, (role, scope)
        assert b"123456782" not in response.content


def test_export_jobs_follow_the_roles_that_may_export(world: World) -> None:
    job = Job.objects.create(kind="fieldwork.registrations_snapshot", params={}, programme=world.programme,
                             status=Job.Status.FAILED, error="secret detail")
    url = reverse("jobs:status", kwargs={"programme": world.programme.pk, "job": job.pk})
    assert _client(world, Role.RESEARCHER, "own").get(url).status_code == 200
    assert _client(world, Role.VIEWER, "own").get(url).status_code == 404
    assert _client(world, Role.PROFESSIONAL, "own").get(url).status_code == 404


def test_questionnaire_page_shows_only_its_own_export_job(world: World) -> None:
    """`?job=` took any job id of the programme: someone else's import job (and its error) showed up."""
    from impactlab_web.fieldwork.models import Questionnaire
    from impactlab_web.fieldwork.testing import DOCUMENT

    questionnaire = Questionnaire.objects.create(programme=world.programme, document=DOCUMENT)
    other = Job.objects.create(kind="dataset.import", params={}, programme=world.programme,
                               created_by=world.user(Role.ADMINISTRATOR, "own"), status=Job.Status.FAILED,
                               error="row 3: '123456782' duplicate")
    url = reverse("fieldwork:questionnaire", kwargs={"programme": world.programme.pk,
                                                      "questionnaire": questionnaire.pk})
    response = _client(world, Role.PROFESSIONAL, "own").get(f"{url}?job={other.pk}")
    assert response.status_code == 200 and b"123456782" not in response.content


def test_a_model_cannot_lower_the_installations_minimum_cell(world: World) -> None:
    """valuation.min_cell (editable by any model editor) was the disclosure rule of the registrations balance,
    the qualitative analysis and the report: `min_cell: 1` lifted suppression for everyone, viewers included."""
    from impactlab.model.examples import example_text
    from impactlab_web.programmes import modelling
    from impactlab_web.qualitative.project import policy

    text = example_text("buurtcirkels").replace("valuation:\n", "valuation:\n  min_cell: 1\n", 1)
    modelling.save_version(world.programme, text, world.user(Role.RESEARCHER, "partner"), "min cell 1")
    assert world.programme.latest_version().document["valuation"]["min_cell"] == 1
    assert policy(world.programme).min_cell == 10
    url = reverse("fieldwork:balance", kwargs={"programme": world.programme.pk})
    response = _client(world, Role.VIEWER, "partner").get(url)
    assert response.status_code == 200 and response.context["min_cell"] == 10


def test_a_report_uses_at_least_the_installations_minimum_cell(world: World, settings, tmp_path,
                                                               monkeypatch) -> None:
    from impactlab.model.examples import example_text
    from impactlab_web.programmes import modelling
    from impactlab_web.review import cycles, reporting

    settings.VAR_DIR, settings.WORKSPACE_DIR = tmp_path, tmp_path / "workspace"
    settings.IMPACTLAB_REPORT_DRAWS = 2000
    text = example_text("buurtcirkels").replace("valuation:\n", "valuation:\n  min_cell: 1\n", 1)
    modelling.save_version(world.programme, text, None, "min cell 1")
    seen = []
    real = reporting.sources_for
    monkeypatch.setattr(reporting, "sources_for",
                        lambda scope, model, policy: seen.append(policy.min_cell) or real(scope, model, policy))
    current = cycles.create_cycle(world.programme, "min cell 1", None)
    modelling.publish(world.programme.latest_version(), None)  # a cycle works with a published version
    cycles.freeze(current, world.programme.latest_version())
    reporting.generate(reporting.request_report(current, "en", ["html"]))
    assert seen == [10]

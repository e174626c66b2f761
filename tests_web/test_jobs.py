"""Background jobs: enqueue, exclusive claims, progress, failures as messages, the status partial."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from impactlab_web.jobs.models import Job
from impactlab_web.jobs.registry import register
from impactlab_web.jobs.runner import claim_next, enqueue, run_pending
from impactlab_web.organisations.models import Role
from impactlab_web.programmes import modelling
from tests_web.conftest import World


@register("test-fail")
def _fail(params: dict, progress) -> dict:
    from impactlab.errors import UserError

    progress(0.5, "half way")
    raise UserError(["survey.csv, row 3, column 'age': 'x' is not a number"])


@register("test-crash")
def _crash(params: dict, progress) -> dict:
    raise RuntimeError("boom")


def test_simulation_job_runs_to_the_end(world: World) -> None:
    Job.objects.all().delete()
    job = enqueue("simulate", {"programme": world.programme.pk, "version": 1, "draws": 2000, "seed": 3},
                  world.user(Role.RESEARCHER, "own"), world.programme)
    assert job.status == Job.Status.QUEUED
    assert run_pending() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.progress == 1.0
    assert job.result["draws"] == 2000 and job.result["seed"] == 3
    assert job.result["sroi_ratio"]["p5"] <= job.result["sroi_ratio"]["p95"]


def test_a_job_is_claimed_once(world: World) -> None:
    Job.objects.all().delete()
    enqueue("simulate", {"programme": world.programme.pk, "version": 1, "draws": 10}, None, world.programme)
    first, second = claim_next(), claim_next()
    assert first is not None and first.status == Job.Status.RUNNING
    assert second is None


def test_user_errors_and_crashes_become_messages(world: World) -> None:
    Job.objects.all().delete()
    failing = enqueue("test-fail", {}, None, world.programme)
    crashing = enqueue("test-crash", {}, None, world.programme)
    assert run_pending() == 2
    failing.refresh_from_db()
    crashing.refresh_from_db()
    assert failing.status == Job.Status.FAILED and "row 3, column 'age'" in failing.error
    assert crashing.status == Job.Status.FAILED and "RuntimeError: boom" in crashing.error
    with pytest.raises(KeyError):
        enqueue("no-such-kind", {}, None, world.programme)


def test_status_partial_polls_while_active(world: World) -> None:
    modelling.publish(world.programme.versions.get(number=1), None)  # a viewer sees the jobs of published versions
    job = enqueue("simulate", {"programme": world.programme.pk, "version": 1, "draws": 10}, None, world.programme)
    client = Client()
    client.force_login(world.user(Role.VIEWER, "own"))
    url = reverse("jobs:status", kwargs={"programme": world.programme.pk, "job": job.pk})
    html = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in html and "<progress" in html
    run_pending()
    html = client.get(url).content.decode()
    assert "hx-trigger" not in html


def test_another_programmes_job_is_not_found(world: World) -> None:
    job = Job.objects.create(kind="simulate", params={}, programme=world.other)
    client = Client()
    client.force_login(world.user(Role.ADMINISTRATOR, "own"))
    url = reverse("jobs:status", kwargs={"programme": world.programme.pk, "job": job.pk})
    assert client.get(url).status_code == 404


def test_eager_mode_runs_after_commit(world: World, settings, django_capture_on_commit_callbacks) -> None:
    settings.IMPACTLAB_JOBS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        job = enqueue("simulate", {"programme": world.programme.pk, "version": 1, "draws": 100, "seed": 1}, None,
                      world.programme)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE


# --- recovery, cancel, rights at run time --------------------------------------------------------------------

def _running(world: World, kind: str = "simulate", seconds_ago: float = 120, attempts: int = 1, **fields) -> Job:
    from datetime import timedelta

    from django.utils import timezone

    beat = timezone.now() - timedelta(seconds=seconds_ago)
    return Job.objects.create(kind=kind, params=fields.pop("params", {"programme": world.programme.pk,
                                                                         "version": 1, "draws": 10}),
                              programme=world.programme, status=Job.Status.RUNNING, attempts=attempts,
                              started=beat, heartbeat=beat, progress=0.1, worker="gone:1", **fields)


def test_a_job_whose_worker_died_is_tried_again_then_given_up(world: World, settings) -> None:
    from impactlab_web.jobs.runner import recover_stale

    settings.IMPACTLAB_JOB_ATTEMPTS, settings.IMPACTLAB_JOB_STALE_SECONDS = 2, 30
    Job.objects.all().delete()
    alive = _running(world, seconds_ago=5)
    dead = _running(world)
    assert recover_stale() == 1
    alive.refresh_from_db()
    dead.refresh_from_db()
    assert alive.status == Job.Status.RUNNING  # a fresh heartbeat: left alone
    assert dead.status == Job.Status.QUEUED and dead.attempts == 1 and dead.progress == 0.0
    assert "trying again" in dead.message
    assert run_pending() == 1  # the second attempt runs and finishes
    dead.refresh_from_db()
    assert dead.status == Job.Status.DONE and dead.attempts == 2

    last = _running(world, attempts=2)
    assert recover_stale() == 1
    last.refresh_from_db()
    assert last.status == Job.Status.FAILED and last.finished is not None
    assert "attempt 2 of 2" in last.error


def test_the_status_partial_recovers_and_stops_polling_in_dutch(world: World, settings) -> None:
    settings.IMPACTLAB_JOB_ATTEMPTS = 1
    modelling.publish(world.programme.versions.get(number=1), None)  # a viewer sees the jobs of published versions
    user = world.user(Role.VIEWER, "own")
    user.profile.language = "nl"
    user.profile.save()
    job = _running(world, created_by=user)
    client = Client()
    client.force_login(user)
    url = reverse("jobs:status", kwargs={"programme": world.programme.pk, "job": job.pk})
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "hx-trigger" not in html and "mislukt" in html and "opnieuw" in job.error


def test_an_older_attempt_delivered_again_does_nothing(world: World) -> None:
    from impactlab_web.jobs.runner import _execute

    job = enqueue("simulate", {"programme": world.programme.pk, "version": 1, "draws": 10}, None, world.programme)
    assert _execute(str(job.pk), 1) == "ran"
    assert _execute(str(job.pk), 1) == "stale"  # the queue's lease gave it out again: the row moved on
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempts == 1


def test_cancel_a_queued_and_a_running_job(world: World) -> None:
    from impactlab_web.jobs.runner import cancel

    Job.objects.all().delete()
    queued = enqueue("simulate", {"programme": world.programme.pk, "version": 1, "draws": 10}, None, world.programme)
    assert cancel(queued).status == Job.Status.CANCELLED
    assert run_pending() == 0

    seen = []

    @register("test-slow")
    def _slow(params: dict, progress) -> dict:
        Job.objects.filter(kind="test-slow").update(cancel_requested=True)  # someone presses "Discard"
        seen.append(1)
        progress(0.5, "half way")
        seen.append(2)
        return {}

    slow = enqueue("test-slow", {}, None, world.programme)
    run_pending()
    slow.refresh_from_db()
    assert slow.status == Job.Status.CANCELLED and seen == [1]


def test_a_withdrawn_agreement_stops_a_queued_report(world: World, shared, settings, var_dir) -> None:
    """The partner's researcher queues a report on a cycle with the shared dataset; the agreement is withdrawn
    before the job runs: the job fails with a message naming the dataset, and no report file exists."""
    from django.utils import timezone

    from impactlab_web.review import cycles, reporting
    from impactlab_web.review.models import ReportVersion

    settings.IMPACTLAB_REPORT_DRAWS = 500
    researcher = world.user(Role.RESEARCHER, "partner")
    cycle = cycles.create_cycle(world.programme, "2025", world.user(Role.ADMINISTRATOR, "own"))
    cycle.datasets.add(world.dataset)
    report = reporting.request_report(cycle, "en", ["html"], researcher)
    shared.withdrawn_at = timezone.now()
    shared.save()
    run_pending()
    report.refresh_from_db()
    job = report.job
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "survey" in job.error and "withdrawn" in job.error
    assert report.status == ReportVersion.Status.FAILED and report.files == {}
    assert not report.folder.exists()


def test_a_role_taken_away_stops_a_queued_job(world: World) -> None:
    from impactlab_web.organisations.models import Membership

    user = world.user(Role.RESEARCHER, "own")
    job = enqueue("simulate", {"programme": world.programme.pk, "version": 1, "draws": 10}, user, world.programme)
    Membership.objects.filter(user=user).delete()
    run_pending()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "no longer" in job.error


def test_a_slow_worker_on_this_machine_is_not_taken_for_dead(world: World, settings) -> None:
    """A heartbeat can stall while the worker's process lives (a long C call holding the GIL): a live process
    of this machine keeps its job until the queue's time limit has passed too."""
    import os
    import socket

    from impactlab_web.jobs.runner import recover, time_limit

    here = f"{socket.gethostname()}:{os.getpid()}"
    slow = _running(world, seconds_ago=120)
    Job.objects.filter(pk=slow.pk).update(worker=here)
    slow.refresh_from_db()
    assert not recover(slow) and Job.objects.get(pk=slow.pk).status == Job.Status.RUNNING
    stuck = _running(world, seconds_ago=time_limit() + 120)
    Job.objects.filter(pk=stuck.pk).update(worker=here)
    stuck.refresh_from_db()
    assert recover(stuck)


# --- uploads: read in a job, discard at any step --------------------------------------------------------------

def test_the_upload_page_follows_the_reading_job_then_opens_the_mapping(world: World, var_dir, tmp_path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from impactlab_web.data.models import Upload
    from tests_web.test_dashboards import login, survey_csv

    client = login(world)
    path = survey_csv(tmp_path)
    url = reverse("data:upload_new", kwargs={"programme": world.programme.pk})
    response = client.post(url, {"file": SimpleUploadedFile("enquete.csv", path.read_bytes()), "owner": world.own.pk})
    found = Upload.objects.get()
    assert response.status_code == 302 and found.state == Upload.State.READING and found.preview == {}
    status = reverse("data:upload_status", kwargs={"programme": world.programme.pk, "upload": found.pk})
    polling = client.get(status, HTTP_HX_REQUEST="true")
    assert polling.status_code == 200 and 'hx-trigger="every 1s"' in polling.content.decode()
    run_pending()
    found.refresh_from_db()
    rows = len(path.read_text().splitlines()) - 1  # the file's data rows
    assert found.state == Upload.State.MAPPING and found.preview["n"] == rows and len(found.preview["rows"]) == 8
    ready = client.get(status, HTTP_HX_REQUEST="true")
    assert ready.status_code == 204 and ready["HX-Redirect"] == response["Location"]


def test_discard_while_importing_stops_the_job_and_keeps_nothing(world: World, var_dir, tmp_path) -> None:
    from pathlib import Path

    from impactlab_web.data.models import Upload
    from tests_web.test_dashboards import login, mapping_post, survey_csv, upload

    client = login(world)
    response = upload(client, world, survey_csv(tmp_path))
    found, done = mapping_post(client, response)
    found.refresh_from_db()
    raw, job = Path(found.path), found.job
    assert done.status_code == 302 and found.state == Upload.State.IMPORTING and raw.exists()
    client.post(reverse("data:upload_discard", kwargs={"programme": world.programme.pk, "upload": found.pk}))
    found.refresh_from_db()
    job.refresh_from_db()
    assert found.state == Upload.State.DISCARDED and found.path == "" and not raw.exists()
    assert job.status == Job.Status.CANCELLED
    assert run_pending() == 0
    datasets = var_dir / "workspace" / "datasets"
    assert not datasets.exists() or not any(datasets.rglob("*.*"))


@pytest.mark.parametrize("kind", ["dataset.preview", "qualitative.extract"])
def test_reading_jobs_are_their_uploaders_alone(world: World, kind: str) -> None:
    """Their messages may name the uploader's own file: no one else sees them, not even an administrator."""
    uploader = world.user(Role.PROFESSIONAL, "own")
    job = Job.objects.create(kind=kind, params={}, programme=world.programme, created_by=uploader,
                             status=Job.Status.FAILED, error="intake Jan Jansen.csv: no data rows")
    url = reverse("jobs:status", kwargs={"programme": world.programme.pk, "job": job.pk})
    for user, expected in ((uploader, 200), (world.user(Role.ADMINISTRATOR, "own"), 404)):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == expected


# --- a model check forgets the submitted text when it ends (issue 10) ---------------------------------------

def test_a_model_check_forgets_the_submitted_text_in_every_terminal_state(world: World, settings) -> None:
    """The editor's text (which may name clients in comments) stays in the job row only while the check runs:
    done, failed (rights withdrawn), cancelled and given up (its worker died) all keep the key, not the text."""
    from impactlab.model.examples import example_text
    from impactlab_web.jobs.runner import cancel, recover_stale

    settings.IMPACTLAB_JOB_ATTEMPTS, settings.IMPACTLAB_JOB_STALE_SECONDS = 1, 30
    Job.objects.all().delete()
    viewer, text = world.user(Role.VIEWER, "own"), example_text("buurtcirkels") + "# mevrouw Jansen\n"

    def check(key: str, user=viewer) -> Job:
        return enqueue("model.check", {"key": key, "text": text, "programme": world.programme.pk,
                                       "user": user.pk}, user, world.programme)

    done = check("done")
    assert Job.objects.get(pk=done.pk).params["text"] == text  # kept while it waits and runs
    outsider = world.user(Role.VIEWER, "foreign")  # no role in this programme: fails its rights check
    failed = check("failed", outsider)
    assert run_pending() == 2
    cancelled = cancel(check("cancelled"))
    dead = _running(world, kind="model.check", params={"key": "dead", "text": text, "programme": world.programme.pk,
                                                         "user": viewer.pk}, created_by=viewer)
    assert recover_stale() == 1
    ended = {job.params["key"]: job for job in Job.objects.filter(kind="model.check")}
    assert {key: job.status for key, job in ended.items()} == {
        "done": Job.Status.DONE, "failed": Job.Status.FAILED, "cancelled": Job.Status.CANCELLED,
        "dead": Job.Status.FAILED}
    for job in ended.values():
        assert "text" not in job.params and job.params["programme"] == world.programme.pk
    assert ended["done"].result["errors"] == [] and "text" not in ended["done"].result
    assert failed.pk and cancelled.pk and dead.pk
    assert not any("Jansen" in str(job.params) for job in Job.objects.all())

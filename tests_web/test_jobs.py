"""Background jobs: enqueue, exclusive claims, progress, failures as messages, the status partial."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from impactlab_web.jobs.models import Job
from impactlab_web.jobs.registry import register
from impactlab_web.jobs.runner import claim_next, enqueue, run_pending
from impactlab_web.models import Role
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

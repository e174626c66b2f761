"""Expensive endpoints open to low roles (issue 10, "Limits on every input"): a model over the size or outcome
limit is refused with a message on every path that accepts model text; per-person rate limits (held in the
database, so every process sees them) answer 429 with a page; a large model is checked in a background job, and
a large dashboard is computed in one, with progress, never in the request."""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from impactlab import limits
from impactlab.model.examples import example_text
from impactlab_web.core import ratelimits
from impactlab_web.core.models import RateCount
from impactlab_web.dashboards.models import CachedFigures
from impactlab_web.jobs.models import Job
from impactlab_web.jobs.runner import run_pending
from impactlab_web.organisations.models import Profile, Role
from impactlab_web.programmes import modelling
from tests_web.conftest import World

TEXT = example_text("buurtcirkels")


def url(world: World, tail: str) -> str:
    return f"/programmes/{world.programme.pk}/{tail}"


def client_for(world: World, role: Role = Role.RESEARCHER, language: str = "en") -> Client:
    user = world.user(role, "own")
    Profile.objects.filter(user=user).update(language=language)
    client = Client()
    client.force_login(user)
    return client


def fresh_version(world: World) -> None:
    """A published version no other test valued (figures are cached per model text, also in process memory);
    published, so the viewers of these tests see its figures."""
    amount = 150_000 + secrets.randbelow(30_000)
    text = TEXT.replace("amount: 186000", f"amount: {amount}")
    modelling.publish(modelling.save_version(world.programme, text, None, "fresh"), None)


@pytest.fixture
def model_limits() -> Iterator[None]:
    saved = limits.current()
    yield
    limits.configure(**dataclasses.asdict(saved))


# ------------------------------------------------------------------------------------- size and outcomes
def test_a_too_large_model_is_refused_with_a_message_on_every_path(world: World, model_limits) -> None:
    big = TEXT + "# " + "x" * (1024 * 1024) + "\n"
    refused = "model.yaml: the model text (1 MB) is more than the limit of 1 MB."
    researcher, admin = client_for(world), client_for(world, Role.ADMINISTRATOR)
    versions = world.programme.versions.count()

    checked = researcher.post(url(world, "model/check/"), {"text": big})  # the live check (every role)
    assert checked.status_code == 200 and refused in checked.content.decode()
    saved = admin.post(url(world, "model/save/"), {"text": big, "message": "big", "base": versions})
    assert saved.status_code == 422 and refused in saved.content.decode()
    imported = admin.post(url(world, "model/import/"),
                          {"file": SimpleUploadedFile("groot.yaml", big.encode(), "application/yaml")})
    assert imported.status_code == 422
    assert "groot.yaml: the model text (1 MB) is more than the limit of 1 MB." in imported.content.decode()
    assert world.programme.versions.count() == versions
    dutch = client_for(world, Role.VIEWER, "nl").post(url(world, "model/check/"), {"text": big})
    assert "model.yaml: de modeltekst (1 MB) is meer dan de grens van 1 MB." in dutch.content.decode()

    # the structured editor: one more stakeholder passes the limit
    limits.configure(model_bytes=len(world.programme.latest_version().text.encode()) + 20)
    added = admin.post(url(world, "model/parts/stakeholders/new/"),
                       {"id": "wijkteam", "name": "Wijkteam van de gemeente Venlo", "category": "formal",
                        "base": versions})
    assert added.status_code == 422 and "the model text" in added.content.decode()
    assert world.programme.versions.count() == versions



def test_a_model_with_too_many_outcomes_is_refused(world: World, model_limits) -> None:
    limits.configure(model_outcomes=2)
    page = client_for(world, Role.VIEWER).post(url(world, "model/check/"), {"text": TEXT}).content.decode()
    assert "model.yaml: the number of outcomes (" in page and "is more than the limit of 2." in page
    saved = client_for(world, Role.ADMINISTRATOR).post(url(world, "model/save/"), {"text": TEXT, "base": 2})
    assert saved.status_code == 422 and world.programme.versions.count() == 2


# ------------------------------------------------------------------------------------------ rate limits
def test_the_request_after_the_limit_gets_429_and_others_are_not_affected(world: World, settings) -> None:
    settings.IMPACTLAB_RATE_LIMITS = {"model.check": "3/60"}
    if time.time() % 60 > 40:  # the limit counts in fixed 60-second windows: start in a fresh one, so that the
        time.sleep(60 - time.time() % 60 + 0.1)  # four requests below never straddle two windows
    viewer, other = client_for(world, Role.VIEWER), client_for(world, Role.RESEARCHER, "nl")
    for _ in range(3):
        assert viewer.post(url(world, "model/check/"), {"text": TEXT}).status_code == 200
    refused = viewer.post(url(world, "model/check/"), {"text": TEXT})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    page = refused.content.decode()
    assert "Too many requests" in page and "more than 3 times in 60 seconds" in page
    # an HTMX request gets the fragment for its target, which the page swaps in (responseHandling: 429)
    fragment = viewer.post(url(world, "model/check/"), {"text": TEXT}, HTTP_HX_REQUEST="true",
                           HTTP_HX_TARGET="model-feedback")
    assert fragment.status_code == 429 and fragment.content.decode().lstrip().startswith('<div id="model-feedback"')
    # someone else is not affected, and is told in their own language once they pass the limit
    for _ in range(3):
        assert other.post(url(world, "model/check/"), {"text": TEXT}).status_code == 200
    assert "Te veel verzoeken" in other.post(url(world, "model/check/"), {"text": TEXT}).content.decode()
    # the counts live in the database (shared by every process), one row per person and window
    keys = set(RateCount.objects.values_list("key", flat=True))
    assert keys == {f"model.check:user:{world.user(Role.VIEWER, 'own').pk}",
                    f"model.check:user:{world.user(Role.RESEARCHER, 'own').pk}"}


def test_saves_are_limited_and_refused_requests_are_not_counted(world: World, settings) -> None:
    settings.IMPACTLAB_RATE_LIMITS = {"model.save": "1/60"}
    admin = client_for(world, Role.ADMINISTRATOR)
    viewer = client_for(world, Role.VIEWER)
    assert viewer.post(url(world, "model/save/"), {"text": TEXT}).status_code == 403  # rights first
    assert admin.post(url(world, "model/save/"), {"text": TEXT, "base": 2}).status_code == 302
    assert admin.post(url(world, "model/save/"), {"text": TEXT, "base": 3}).status_code == 429
    assert admin.get(url(world, "model/")).status_code == 200  # reading is not limited
    assert world.programme.versions.count() == 3


def test_parallel_requests_cannot_pass_the_limit(transactional_db) -> None:
    """The count is one atomic statement: 8 threads (8 database connections) x 10 hits, limit 25."""
    results: list[bool] = []
    lock = threading.Lock()

    def burst() -> None:
        try:
            for _ in range(10):
                usage = ratelimits.hit("model.check", "user:parallel", 25, 60)
                with lock:
                    results.append(usage.allowed)
        finally:
            connection.close()

    threads = [threading.Thread(target=burst) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 80 and results.count(True) == 25
    assert RateCount.objects.get(key="model.check:user:parallel").count == 80


# ------------------------------------------------------------------------------- background computation
def test_a_large_model_is_checked_in_a_job_with_progress(world: World, settings) -> None:
    settings.IMPACTLAB_INLINE_MODEL_BYTES = 1_000  # the example model is larger: checked in the background
    settings.IMPACTLAB_JOBS_EAGER = False
    viewer = client_for(world, Role.VIEWER)
    page = viewer.post(url(world, "model/check/"), {"text": TEXT}).content.decode()
    assert "Checking the model" in page and "The model is valid" not in page
    job = Job.objects.get(kind="model.check")
    assert job.status == Job.Status.QUEUED and job.created_by == world.user(Role.VIEWER, "own")
    status = url(world, f"model/check/{job.pk}/")
    assert status in page and "Checking the model" in viewer.get(status).content.decode()
    # the same text again follows the same job
    viewer.post(url(world, "model/check/"), {"text": TEXT})
    assert Job.objects.filter(kind="model.check").count() == 1
    assert client_for(world, Role.RESEARCHER).get(status).status_code == 404  # someone else's check
    run_pending()
    done = viewer.get(status).content.decode()
    assert "The model is valid" in done and 'data-testid="sroi"' in done and "Checking" not in done


def test_a_large_dashboard_is_computed_in_a_job_then_shown(world: World, settings) -> None:
    settings.IMPACTLAB_INLINE_OUTCOMES = 1  # the example model has more outcomes: computed in the background
    settings.IMPACTLAB_JOBS_EAGER = False
    fresh_version(world)
    viewer = client_for(world, Role.VIEWER)
    page = viewer.get(url(world, "dashboard/")).content.decode()
    assert "Computing the figures" in page and 'data-testid="sroi"' not in page
    assert not CachedFigures.objects.filter(kind__in=("valuation", "tornado")).exists()  # not in the request
    job = Job.objects.get(kind="dashboard.figures")
    progress = url(world, f"dashboard/progress/{job.pk}/")
    assert progress in page
    assert "Computing the figures" in viewer.get(progress, HTTP_HX_REQUEST="true").content.decode()
    assert viewer.get(url(world, "dashboard/charts/waterfall.json")).status_code == 404  # no figures yet
    viewer.get(url(world, "dashboard/"))
    assert Job.objects.filter(kind="dashboard.figures").count() == 1  # the same job is followed
    run_pending()
    assert CachedFigures.objects.filter(kind="valuation").exists()
    finished = viewer.get(progress, HTTP_HX_REQUEST="true")
    assert finished.status_code == 204 and finished["HX-Refresh"] == "true"
    shown = viewer.get(url(world, "dashboard/")).content.decode()
    assert 'data-testid="sroi"' in shown and "Computing the figures" not in shown
    assert viewer.get(url(world, "dashboard/charts/waterfall.json")).status_code == 200


def test_dashboard_computations_are_rate_limited_cached_views_are_not(world: World, settings) -> None:
    settings.IMPACTLAB_RATE_LIMITS = {"dashboard.compute": "1/60"}
    settings.IMPACTLAB_JOBS_EAGER = True
    fresh_version(world)
    viewer = client_for(world, Role.VIEWER)
    assert viewer.get(url(world, "dashboard/")).status_code == 200  # computes (counted once)
    for _ in range(3):  # cached: served at once, never counted
        assert viewer.get(url(world, "dashboard/")).status_code == 200
    refused = viewer.post(url(world, "dashboard/simulate/"))
    assert refused.status_code == 429 and "Too many requests" in refused.content.decode()

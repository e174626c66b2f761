"""The status of a background job, as an HTMX partial that polls itself while the job runs."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from impactlab_web.core import permissions
from impactlab_web.core.permissions import requires
from impactlab_web.jobs import runner
from impactlab_web.jobs.models import Job


def may_see(user, job: Job) -> bool:
    """May `user` see this job of its programme (its progress, message, error and result)? The policy decides
    (``permissions.JOB_KINDS``): a kind without an entry there is shown to nobody."""
    return permissions.may_see_job(user, job)


@requires("programme.view")
def status(request: HttpRequest, programme: int, job: str) -> HttpResponse:
    """Progress, message and outcome of one job of the programme (never another programme's, and never one
    whose kind the user's roles do not cover, such as someone else's data import)."""
    found = get_object_or_404(Job.objects.select_related("programme"), pk=job, programme=request.programme)
    if not may_see(request.user, found):
        raise Http404("no such job")
    if runner.recover(found):  # its worker stopped giving signs of life: retried or failed, visibly
        found.refresh_from_db()
    return render(request, "jobs/_status.html", {"job": found, "programme": request.programme})

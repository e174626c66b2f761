"""The status of a background job, as an HTMX partial that polls itself while the job runs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from impactlab_web.jobs.models import Job
from impactlab_web.permissions import requires


@requires("programme.view")
def status(request: HttpRequest, programme: int, job: str) -> HttpResponse:
    """Progress, message and outcome of one job of the programme (never another programme's)."""
    found = get_object_or_404(Job, pk=job, programme=request.programme)
    return render(request, "jobs/_status.html", {"job": found, "programme": request.programme})

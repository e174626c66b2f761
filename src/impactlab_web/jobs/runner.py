"""Enqueue, claim and run jobs; report progress without flooding the database."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from impactlab.errors import UserError
from impactlab_web.jobs.models import Job
from impactlab_web.jobs.registry import function_for

log = logging.getLogger(__name__)
PROGRESS_INTERVAL = 0.5  # seconds between progress writes


def enqueue(kind: str, params: dict[str, Any], user: Any = None, programme: Any = None) -> Job:
    """A new queued job; with ``IMPACTLAB_JOBS_EAGER`` it runs right after the transaction commits."""
    function_for(kind)  # fail early on an unknown kind
    job = Job.objects.create(kind=kind, params=params, created_by=user if user and user.is_authenticated else None,
                             programme=programme)
    if getattr(settings, "IMPACTLAB_JOBS_EAGER", False):
        transaction.on_commit(lambda: run(Job.objects.get(pk=job.pk)))
    return job


def claim_next() -> Job | None:
    """Claim the oldest queued job (one conditional UPDATE: safe with several workers)."""
    for job in Job.objects.filter(status=Job.Status.QUEUED).order_by("created")[:5]:
        claimed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, started=timezone.now(), message="")
        if claimed:
            job.refresh_from_db()
            return job
    return None


class _Reporter:
    def __init__(self, job: Job):
        self.job = job
        self.last = 0.0

    def __call__(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_INTERVAL or fraction >= 1.0:
            self.last = now
            Job.objects.filter(pk=self.job.pk).update(progress=max(0.0, min(1.0, fraction)), message=message[:300])


def run(job: Job) -> Job:
    """Run a claimed (or eager) job to the end; user errors become the job's message, never a crash."""
    if job.status == Job.Status.QUEUED:
        Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started=timezone.now())
    try:
        result = function_for(job.kind)(job.params, _Reporter(job))
    except UserError as error:
        _finish(job, Job.Status.FAILED, error="\n".join(error.messages))
    except Exception as error:  # a worker must survive any job
        log.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, Job.Status.FAILED, error=f"internal error: {type(error).__name__}: {error}")
    else:
        _finish(job, Job.Status.DONE, result=result or {})
    job.refresh_from_db()
    return job


def _finish(job: Job, status: str, result: dict[str, Any] | None = None, error: str = "") -> None:
    done = {"progress": 1.0} if status == Job.Status.DONE else {}
    Job.objects.filter(pk=job.pk).update(status=status, result=result or {}, error=error[:10_000],
                                         finished=timezone.now(), **done)


def run_pending(limit: int | None = None) -> int:
    """Run queued jobs until none is left (or ``limit``); returns how many ran."""
    count = 0
    while limit is None or count < limit:
        job = claim_next()
        if job is None:
            break
        run(job)
        count += 1
    return count

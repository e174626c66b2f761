"""Enqueue jobs on the task queue, run them with a heartbeat, and recover the ones whose worker died.

The queue is django-q2 with its ORM broker (the tables live in the app's own database: SQLite for ``make run``,
PostgreSQL for larger installs; several ``manage.py run_jobs`` clusters on several machines share it). A queue
task carries only ``(job id, attempt)``; the :class:`~impactlab_web.jobs.models.Job` row stays the record the
pages show. What each layer guarantees:

- *Lease* (django-q2): a task a cluster took is re-presented to any cluster when it was not acknowledged within
  ``Q_CLUSTER["retry"]`` seconds (its worker died); *time limit*: a task running longer than
  ``Q_CLUSTER["timeout"]`` is interrupted (and its worker process replaced).
- *Heartbeat* (here): a running job writes ``heartbeat`` every few seconds. A running job whose heartbeat is
  older than ``IMPACTLAB_JOB_STALE_SECONDS`` is *recovered* by whoever looks first (the worker's periodic
  sweep, its next delivery, or the status page being polled): its partial output is removed, and it is queued
  again as the next attempt, or failed with a message after ``IMPACTLAB_JOB_ATTEMPTS`` attempts. A delivery
  of an older attempt finds the row moved on and does nothing, so a job never runs twice at once.
- *Rights*: every attempt re-checks the creator's rights (``impactlab_web.jobs.lifecycle``) before it runs.
- *Cleanup*: every terminal state other than done (failed, cancelled, given up) runs the kind's cleanup, which
  deletes raw uploads and half-written output.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from impactlab.errors import UserError
from impactlab_web.jobs import lifecycle
from impactlab_web.jobs.models import Job
from impactlab_web.jobs.registry import function_for

log = logging.getLogger(__name__)
PROGRESS_INTERVAL = 0.5  # seconds between progress writes
TASK = "impactlab_web.jobs.runner.execute"


class Cancelled(Exception):
    """Raised inside a job (at its next progress report) once someone asked to cancel it."""


def heartbeat_seconds() -> float:
    return float(getattr(settings, "IMPACTLAB_JOB_HEARTBEAT_SECONDS", 5))


def stale_seconds() -> float:
    return float(getattr(settings, "IMPACTLAB_JOB_STALE_SECONDS", 30))


def max_attempts() -> int:
    return int(getattr(settings, "IMPACTLAB_JOB_ATTEMPTS", 2))


def time_limit() -> int:
    return int(getattr(settings, "Q_CLUSTER", {}).get("timeout") or 1800)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


# ------------------------------------------------------------------------------------------------ enqueue
def enqueue(kind: str, params: dict[str, Any], user: Any = None, programme: Any = None) -> Job:
    """A new queued job. Its queue task is written in the same transaction as its row (the ORM broker's table is
    in the same database), so a job is never queued without its task, nor a task left without its job."""
    function_for(kind)  # fail early on an unknown kind
    job = Job.objects.create(kind=kind, params=params, created_by=user if user and user.is_authenticated else None,
                             programme=programme)
    submit(job.pk, 1)
    return job


def submit(job_id: Any, attempt: int) -> None:
    """Hand attempt `attempt` of a job to the queue (with ``IMPACTLAB_JOBS_EAGER``: run it in this process once
    the surrounding transaction commits)."""
    if getattr(settings, "IMPACTLAB_JOBS_EAGER", False):
        transaction.on_commit(lambda: _execute(str(job_id), attempt))
        return
    from django_q.tasks import async_task

    async_task(TASK, str(job_id), attempt, task_name=f"job-{job_id}-{attempt}", timeout=time_limit())


# -------------------------------------------------------------------------------------------------- run
def execute(job_id: str, attempt: int) -> str:
    """The queue task: claim attempt `attempt` of the job and run it. Never raises (the queue acknowledges)."""
    close_old_connections()
    try:
        return _execute(job_id, attempt)
    finally:
        close_old_connections()


def _execute(job_id: str, attempt: int) -> str:
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return "gone"
    recover(job)  # a delivery after a worker died: its row may still say running
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED, attempts=attempt - 1).update(
        status=Job.Status.RUNNING, attempts=attempt, started=timezone.now(), heartbeat=timezone.now(),
        worker=worker_name(), message="")
    if not claimed:
        return "stale"  # an older attempt, or a job that ended meanwhile
    run(Job.objects.get(pk=job_id))
    return "ran"


def claim_next() -> Job | None:
    """Claim the oldest queued job in this process (tests and ``run_jobs --once``)."""
    for job in Job.objects.filter(status=Job.Status.QUEUED).order_by("created")[:5]:
        claimed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED, attempts=job.attempts).update(
            status=Job.Status.RUNNING, attempts=job.attempts + 1, started=timezone.now(),
            heartbeat=timezone.now(), worker=worker_name(), message="")
        if claimed:
            job.refresh_from_db()
            return job
    return None


class _Reporter:
    """The ``progress(fraction, message)`` a job function gets; also where a cancel request is noticed."""

    def __init__(self, job: Job):
        self.job = job
        self.last = 0.0

    def __call__(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_INTERVAL or fraction >= 1.0:
            self.last = now
            Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING, attempts=self.job.attempts).update(
                progress=max(0.0, min(1.0, fraction)), message=message[:300], heartbeat=timezone.now())
            if fraction < 1.0 and Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
                raise Cancelled()


class _Heartbeat(threading.Thread):
    """Writes the job's heartbeat while its function runs (also through long steps without progress)."""

    def __init__(self, job: Job):
        super().__init__(name=f"heartbeat-{job.pk}", daemon=True)
        self.job, self.stop = job, threading.Event()

    def run(self) -> None:
        try:
            while not self.stop.wait(heartbeat_seconds()):
                Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING, attempts=self.job.attempts).update(
                    heartbeat=timezone.now())
        except Exception:  # the database went away: the job's own writes will say so
            log.exception("heartbeat of job %s stopped", self.job.pk)
        finally:
            connection.close()


def run(job: Job) -> Job:
    """Run a claimed job to the end: rights first, then the function; errors become the job's message."""
    if job.status == Job.Status.QUEUED:  # the demo and tests run a queued job directly
        Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=job.attempts + 1,
                                             started=timezone.now(), heartbeat=timezone.now(),
                                             worker=worker_name())
        job.refresh_from_db()
    # the heartbeat thread writes through its own connection: not while this one holds a transaction open
    # (a test, or a caller's atomic block), where it could only wait for the lock
    beat = None if connection.in_atomic_block else _Heartbeat(job)
    if beat is not None:
        beat.start()
    try:
        with translation.override(_language(job)):
            lifecycle.check_rights(job)
            result = function_for(job.kind)(job.params, _Reporter(job))
    except Cancelled:
        _end(job, Job.Status.CANCELLED, error=_language_text(job, lambda: _("The job was cancelled.")))
    except UserError as error:
        if _cancel_requested(job):
            _end(job, Job.Status.CANCELLED, error=_language_text(job, lambda: _("The job was cancelled.")))
        else:
            _end(job, Job.Status.FAILED, error="\n".join(error.messages))
    except BaseException as error:  # a worker must survive any job, including the queue's time limit
        if isinstance(error, KeyboardInterrupt):
            raise
        log.exception("job %s (%s) failed", job.pk, job.kind)
        if _cancel_requested(job):
            _end(job, Job.Status.CANCELLED, error=_language_text(job, lambda: _("The job was cancelled.")))
            job.refresh_from_db()
            return job
        if type(error).__name__ == "TimeoutException":
            message = _language_text(job, lambda: _("The job took longer than its time limit of %(minutes)d "
                                                    "minutes and was stopped.") % {"minutes": time_limit() // 60})
        else:
            message = f"internal error: {type(error).__name__}: {error}"
        _end(job, Job.Status.FAILED, error=message)
    else:
        _end(job, Job.Status.DONE, result=result or {})
    finally:
        if beat is not None:
            beat.stop.set()
            beat.join(timeout=heartbeat_seconds() + 1)
    job.refresh_from_db()
    return job


def _cancel_requested(job: Job) -> bool:
    return Job.objects.filter(pk=job.pk, cancel_requested=True).exists()


def _end(job: Job, status: str, result: dict[str, Any] | None = None, error: str = "") -> None:
    done = {"progress": 1.0} if status == Job.Status.DONE else {}
    with transaction.atomic():  # the end is seen together with its cleanup
        ended = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=job.attempts).update(
            status=status, result=result or {}, error=error[:10_000], finished=timezone.now(),
            params=lifecycle.kept_params(job), **done)
        if ended and status != Job.Status.DONE:
            job.refresh_from_db()
            lifecycle.cleanup(job, final=True)
        if ended:
            _tell_starter(job, status)


def _tell_starter(job: Job, status: str) -> None:
    """The person who started the job hears that it finished or failed (cancelled: they did it themselves)."""
    if status not in (Job.Status.DONE, Job.Status.FAILED) or job.created_by_id is None:
        return
    from django.urls import reverse

    from impactlab_web.notifications.notify import Kind, base_url, notify

    programme = job.programme.name if job.programme_id else ""
    values = {"kind": job.kind, "programme": programme}
    title = ((lambda: _("Your job %(kind)s in %(programme)s is finished") % values) if status == Job.Status.DONE
             else (lambda: _("Your job %(kind)s in %(programme)s failed") % values))
    link = reverse("jobs:status", args=[job.programme_id, job.pk]) if job.programme_id else ""
    notify([job.created_by], Kind.JOB_DONE if status == Job.Status.DONE else Kind.JOB_FAILED, title, link,
           base_url())


def _language(job: Job) -> str:
    profile = getattr(job.created_by, "profile", None) if job.created_by_id else None
    return getattr(profile, "language", None) or settings.LANGUAGE_CODE


def _language_text(job: Job, make) -> str:
    with translation.override(_language(job)):
        return str(make())


def run_pending(limit: int | None = None) -> int:
    """Run queued jobs in this process until none is left (or ``limit``); returns how many ran."""
    count = 0
    while limit is None or count < limit:
        job = claim_next()
        if job is None:
            break
        run(job)
        count += 1
    return count


# --------------------------------------------------------------------------------------------- recovery
def recover(job: Job) -> bool:
    """If the job runs on a worker that stopped giving signs of life, end that attempt: queue the next attempt
    (after removing partial output), or fail it with a message. True when something was done."""
    if job.status != Job.Status.RUNNING:
        return False
    now = timezone.now()
    if job.heartbeat is not None and job.heartbeat >= now - timedelta(seconds=stale_seconds()):
        return False
    # A worker on this machine whose process still exists is slow, not dead (a long C call can hold the GIL and
    # starve the heartbeat thread); it is given until the queue's time limit, after which it is stopped anyway.
    limit = now - timedelta(seconds=time_limit() + stale_seconds())
    if _alive_here(job.worker) and (job.heartbeat is None or job.heartbeat >= limit):
        return False
    if job.cancel_requested:
        status, error = Job.Status.CANCELLED, _language_text(job, lambda: _("The job was cancelled."))
    elif job.attempts < max_attempts():
        status, error = Job.Status.QUEUED, ""
    else:
        status = Job.Status.FAILED
        error = _language_text(job, lambda: _(
            "The worker running this job stopped (attempt %(n)d of %(max)d); the job was given up. "
            "Nothing of it was kept: start it again.") % {"n": job.attempts, "max": max_attempts()})
    # one transaction: the new state, the cleanup's own rows (the upload, the report version) and the next
    # attempt's queue task are seen together, after the partial files are gone
    with transaction.atomic():
        moved = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=job.attempts).filter(
            heartbeat=job.heartbeat).update(
            status=status, error=error, progress=0.0, worker="",
            message=_language_text(job, lambda: _("The worker stopped; trying again.")) if status == "queued" else "",
            finished=None if status == Job.Status.QUEUED else timezone.now(),
            params=job.params if status == Job.Status.QUEUED else lifecycle.kept_params(job))
        if not moved:
            return False  # someone else recovered it, or it came back to life
        dead = job.worker
        job.refresh_from_db()
        lifecycle.cleanup(job, final=status != Job.Status.QUEUED)
        _tell_starter(job, status)
        if status == Job.Status.QUEUED:
            submit(job.pk, job.attempts + 1)
    log.warning("job %s (%s): worker %s stopped at attempt %d -> %s", job.pk, job.kind, dead or "?", job.attempts,
                status)
    return True


def _alive_here(worker: str) -> bool:
    """Whether `worker` ("host:pid") is a process of this machine that still exists (and is no zombie)."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


def recover_stale() -> int:
    """Recover every running job whose heartbeat is stale (the workers' periodic sweep); returns how many."""
    limit = timezone.now() - timedelta(seconds=stale_seconds())
    stale = Job.objects.filter(status=Job.Status.RUNNING, heartbeat__lt=limit)
    return sum(recover(job) for job in stale)


def cancel(job: Job) -> Job:
    """Cancel a job: a queued one at once, a running one at its next progress report (or at recovery)."""
    Job.objects.filter(pk=job.pk, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).update(cancel_requested=True)
    with transaction.atomic():
        ended = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.CANCELLED, finished=timezone.now(), params=lifecycle.kept_params(job),
            error=_language_text(job, lambda: _("The job was cancelled.")))
        job.refresh_from_db()
        if ended:
            lifecycle.cleanup(job, final=True)
    if not ended:
        recover(job)
    job.refresh_from_db()
    return job

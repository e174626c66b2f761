"""The job queue (issue 10): a real worker cluster (``manage.py run_jobs``, django-q2 on SQLite, as ``make run``
starts it). Figures: the time from enqueue to done of small jobs (queue latency), and the time from a worker's
SIGKILL to its job running again on a new worker (recovery), with a staleness limit of
``BENCH_STALE_SECONDS`` (default 5; the app's default is 30).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import report

ROOT = Path(__file__).resolve().parents[1]
JOBS = int(os.environ.get("BENCH_JOBS", "20"))
STALE = float(os.environ.get("BENCH_STALE_SECONDS", "5"))


def _wait(condition, seconds: float = 120.0) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > seconds:
            raise TimeoutError("the worker did not finish in time")
        time.sleep(0.05)
    return time.perf_counter() - started


def main() -> None:
    var = Path(tempfile.mkdtemp(prefix="impactlab-bench-jobs-"))
    env = os.environ | {"IMPACTLAB_DEVELOPMENT": "1", "DJANGO_SETTINGS_MODULE": "impactlab_web.settings",
                        "IMPACTLAB_VAR": str(var), "DATABASE_URL": f"sqlite:///{var / 'bench.sqlite3'}",
                        "IMPACTLAB_JOB_STALE_SECONDS": str(STALE), "IMPACTLAB_JOB_HEARTBEAT_SECONDS": "1",
                        "IMPACTLAB_WORKERS": "2"}
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from impactlab.model.examples import example_text
    from impactlab_web.jobs.models import Job
    from impactlab_web.jobs.runner import enqueue
    from impactlab_web.organisations.models import Organisation
    from impactlab_web.programmes import modelling
    from impactlab_web.programmes.models import Programme

    call_command("migrate", verbosity=0)
    lead = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    programme = Programme.objects.create(name="Buurtcirkels Venlo", lead=lead)
    modelling.save_version(programme, example_text("buurtcirkels"), None, "bench")

    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "run_jobs"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    worker = start()
    try:
        latencies = []
        for k in range(JOBS):
            job = enqueue("simulate", {"programme": programme.pk, "version": 1, "draws": 1000, "seed": k}, None,
                          programme)
            latencies.append(_wait(lambda job=job: Job.objects.get(pk=job.pk).status == Job.Status.DONE))
        report(f"enqueue -> done, {JOBS} small jobs one by one (median)", f"{statistics.median(latencies):.2f} s")
        report("enqueue -> done (slowest; the first includes the cluster's start)", f"{max(latencies):.2f} s")

        long = enqueue("simulate", {"programme": programme.pk, "version": 1, "draws": 3_000_000, "seed": 1}, None,
                       programme)
        _wait(lambda: Job.objects.get(pk=long.pk).status == Job.Status.RUNNING)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        killed = time.perf_counter()
        worker = start()
        _wait(lambda: Job.objects.get(pk=long.pk).attempts == 2)
        report(f"SIGKILL -> job running again on a new worker (stale after {STALE:.0f} s)",
               f"{time.perf_counter() - killed:.1f} s", f"bound {STALE * 1.5 + 5:.0f} s")
        _wait(lambda: Job.objects.get(pk=long.pk).status in (Job.Status.DONE, Job.Status.FAILED), 600)
        report("the recovered job's end", Job.objects.get(pk=long.pk).status)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()

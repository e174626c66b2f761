"""Chaos: a real worker (``manage.py run_jobs``, a django-q2 cluster) is killed with SIGKILL in the middle of an
import and of a report; a new worker is started. The job must end (retried to success, or failed with a
message), nothing half-written may stay (no snapshot file without its record, no partial report folder), and
the raw upload must be gone. Runs on SQLite and PostgreSQL (whichever the test run uses), in bounded time."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from impactlab_web.data.models import DatasetRecord, Upload
from impactlab_web.jobs.models import Job
from impactlab_web.organisations.models import Role
from tests_web.conftest import World
from tests_web.test_dashboards import login, mapping_post, survey_csv, upload

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[1]
STALE = 2.0  # seconds without a heartbeat before a job counts as dead (the app's default is 30)
WAIT = 90.0  # the longest any step may take before the test fails


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Workers:
    """Worker clusters started as their own process groups (so SIGKILL takes the whole cluster, as when a
    machine or container dies); every one still alive is killed at the end."""

    def __init__(self, folder: Path, point: str, attempts: int):
        self.folder, self.started = folder, []
        self.marker = folder / "paused"
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "tests_web.chaos.settings", "DATABASE_URL": _database_url(),
            "IMPACTLAB_VAR": str(folder / "var"), "IMPACTLAB_HOME": str(folder / "var" / "workspace"),
            "IMPACTLAB_JOB_HEARTBEAT_SECONDS": "0.3", "IMPACTLAB_JOB_STALE_SECONDS": str(STALE),
            "IMPACTLAB_JOB_ATTEMPTS": str(attempts), "IMPACTLAB_WORKERS": "1", "IMPACTLAB_QUEUE_POLL": "0.2",
            "IMPACTLAB_CHAOS_MARKER": str(self.marker), "IMPACTLAB_CHAOS_POINT": point,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }

    def start(self) -> subprocess.Popen:
        log = (self.folder / f"worker-{len(self.started)}.log").open("wb")
        process = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "run_jobs"], cwd=ROOT, env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=WAIT)

    def stop_all(self) -> None:
        for process in self.started:
            self.kill(process)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.folder.glob("worker-*.log")))


@pytest.fixture
def workers(tmp_path: Path, var_dir: Path) -> Iterator[Callable[[str, int], Workers]]:
    made: list[Workers] = []

    def make(point: str, attempts: int) -> Workers:
        made.append(Workers(tmp_path, point, attempts))
        return made[-1]

    yield make
    for group in made:
        group.stop_all()


def wait_for(condition: Callable[[], bool], what: str, workers: Workers) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {WAIT:.0f} s for {what}\n{workers.logs()}")
        time.sleep(0.2)


def _status(job: Job) -> str:
    job.refresh_from_db()
    return job.status


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize("attempts", [2, 1], ids=["retried", "given-up"])
def test_a_worker_killed_mid_import(world: World, var_dir: Path, tmp_path: Path, workers, attempts: int) -> None:
    group = workers("snapshot", attempts)
    client = login(world)
    response = upload(client, world, survey_csv(tmp_path, respondents=40))
    found, done = mapping_post(client, response, dataset="chaos")
    assert done.status_code == 302
    found.refresh_from_db()
    job = found.job
    raw = Path(found.path)
    assert raw.exists()

    first = group.start()
    wait_for(group.marker.exists, "the worker to reach the snapshot's metadata", group)
    group.kill(first)
    folder = var_dir / "workspace" / "datasets" / "chaos"
    half = _files(folder)
    assert any(name.endswith(".parquet") for name in half) and not any(n.endswith(".json") for n in half if
                                                                       not n.startswith(".tmp-")), half
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.attempts == 1  # what the dead worker left behind

    group.start()
    wait_for(lambda: _status(job) in (Job.Status.DONE, Job.Status.FAILED), "the job to end", group)
    found.refresh_from_db()
    assert not raw.exists() and found.path == ""
    assert not any((var_dir / "uploads").rglob("*.*"))  # no raw file anywhere
    left = _files(folder)
    assert not any(name.startswith(".tmp-") for name in left), left
    if attempts == 2:  # retried in the new worker: imported once, the snapshot complete and recorded
        assert job.status == Job.Status.DONE and job.attempts == 2, job.error
        assert found.state == Upload.State.IMPORTED
        record = DatasetRecord.objects.get(name="chaos")
        assert left == sorted([f"{record.snapshot_id}.json", f"{record.snapshot_id}.parquet"])
    else:  # given up: a message, nothing kept
        assert job.status == Job.Status.FAILED and "attempt 1 of 1" in job.error
        assert found.state == Upload.State.FAILED and job.error in found.report["messages"]
        assert left == [] and not DatasetRecord.objects.filter(name="chaos").exists()
        page = client.get(reverse("data:upload_status", kwargs={"programme": world.programme.pk,
                                                                       "upload": found.pk})).content.decode()
        assert "hx-trigger" not in page and "The import failed" in page


def test_a_worker_killed_mid_report(world: World, var_dir: Path, settings, workers) -> None:
    from impactlab_web.review import cycles, reporting
    from impactlab_web.review.models import ReportVersion

    settings.IMPACTLAB_REPORT_DRAWS = 1000
    group = workers("report", 1)
    researcher = world.user(Role.RESEARCHER, "own")
    cycle = cycles.create_cycle(world.programme, "2025", world.user(Role.ADMINISTRATOR, "own"))
    report = reporting.request_report(cycle, "en", ["html", "pdf"], researcher)
    job = report.job

    first = group.start()
    wait_for(group.marker.exists, "the worker to start the report's PDF", group)
    group.kill(first)
    report.refresh_from_db()
    assert report.status == ReportVersion.Status.PENDING and (report.folder / "report.html").exists()

    group.start()
    wait_for(lambda: _status(job) in (Job.Status.DONE, Job.Status.FAILED), "the job to end", group)
    report.refresh_from_db()
    assert job.status == Job.Status.FAILED and "attempt 1 of 1" in job.error
    assert report.status == ReportVersion.Status.FAILED and report.error == job.error
    assert not report.folder.exists()  # no partial report
    client = Client()
    client.force_login(researcher)
    html = client.get(reverse("jobs:status", kwargs={"programme": world.programme.pk, "job": job.pk})).content
    assert b"hx-trigger" not in html and b"Nothing of it was kept" in html

"""``manage.py run_jobs``: a worker cluster of the task queue (django-q2's ``qcluster``), with the sweep that
recovers jobs whose worker died and expires unmapped uploads scheduled every minute. ``--once`` runs what is
queued in this process and stops (no cluster)."""

from __future__ import annotations

import logging
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

SWEEP = "impactlab_web.jobs.lifecycle.sweep"


class Command(BaseCommand):
    help = "Run background jobs (imports, simulations, reports) as they are queued: a django-q2 worker cluster."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="run the queued jobs in this process, then stop")

    def handle(self, *args, **options) -> None:
        from impactlab_web.jobs import lifecycle
        from impactlab_web.jobs.runner import run_pending

        swept = lifecycle.sweep()
        if any(swept.values()):
            self.stdout.write(f"recovered {swept['recovered']} job(s), expired {swept['expired']} upload(s), "
                              f"ended {swept['ended']} upload(s)")
        if options["once"]:
            self.stdout.write(f"ran {run_pending()} job(s)")
            return
        ensure_sweep_schedule()
        connections.close_all()  # the cluster forks its processes: none may share this one's connection
        Sweeper().start()
        self.stdout.write("impactlab worker: waiting for jobs (Ctrl+C stops)")
        self.stdout.flush()
        call_command("qcluster")


class Sweeper(threading.Thread):
    """Recovers jobs of dead workers within half the staleness limit (the minute schedule is the fallback when
    this process is gone too): a job whose worker died ends or restarts within about 1.5 x that limit."""

    def __init__(self) -> None:
        super().__init__(name="impactlab-sweeper", daemon=True)

    def run(self) -> None:
        from django.db import close_old_connections

        from impactlab_web.jobs import lifecycle
        from impactlab_web.jobs.runner import stale_seconds

        while True:
            time.sleep(max(0.5, stale_seconds() / 2))
            try:
                close_old_connections()
                lifecycle.sweep()
            except Exception:  # the database may be away for a moment: try again next round
                logging.getLogger(__name__).exception("sweep failed")


def ensure_sweep_schedule() -> None:
    """One schedule row for the whole installation (every cluster's scheduler may take it; each run is short)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(name="impactlab sweep", defaults={
        "func": SWEEP, "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1})

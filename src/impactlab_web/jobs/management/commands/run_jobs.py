"""``manage.py run_jobs``: a worker cluster of the task queue (django-q2's ``qcluster``), with the sweep that
recovers jobs whose worker died and expires unmapped uploads scheduled every minute. ``--once`` runs what is
queued in this process and stops (no cluster)."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

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
        self.stdout.write("impactlab worker: waiting for jobs (Ctrl+C stops)")
        call_command("qcluster")


def ensure_sweep_schedule() -> None:
    """One schedule row for the whole installation (every cluster's scheduler may take it; each run is short)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(name="impactlab sweep", defaults={
        "func": SWEEP, "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1})

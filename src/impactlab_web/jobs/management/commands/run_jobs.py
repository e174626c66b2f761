"""``manage.py run_jobs``: the background worker (``--once`` runs what is queued and stops)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from impactlab_web.jobs.runner import run_pending


class Command(BaseCommand):
    help = "Run background jobs (imports, simulations, reports) as they are queued."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="run the queued jobs, then stop")
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between polls")

    def handle(self, *args, **options) -> None:
        if options["once"]:
            self.stdout.write(f"ran {run_pending()} job(s)")
            return
        self.stdout.write("impactlab worker: waiting for jobs (Ctrl+C stops)")
        try:
            while True:
                if not run_pending(limit=1):
                    time.sleep(options["interval"])
        except KeyboardInterrupt:
            self.stdout.write("worker stopped")

"""The dashboards' demo part: support registrations (formal and informal) imported with the core's registrations
importer, and the dashboard's simulation of the shared programme's model precomputed. Idempotent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from impactlab.io.registrations import import_registrations
from impactlab_web.core import evidence
from impactlab_web.dashboards import figures
from impactlab_web.data.models import DatasetRecord
from impactlab_web.jobs.models import Job
from impactlab_web.jobs.runner import run

DATASET = "steun-formeel-informeel"


def seed(context) -> None:
    _registrations(context)
    admin = context.users.get("admin")
    version = evidence.version_for(admin, context.programme)  # what the admin's dashboard shows
    if version is not None:
        sim = figures.ensure_simulation(version, admin)
        if not sim.done and sim.job is not None and sim.job.status == Job.Status.QUEUED:
            run(sim.job)
            context.say(f"simulated the dashboard of {context.programme.name} (version {version.number})")


def _registrations(context) -> None:
    """A year of support registrations per client: formal (coordinators) and informal (volunteers) hours."""
    from impactlab.errors import UserError

    path = _registrations_file(context.folder)
    try:
        info = import_registrations(path, DATASET, context.workspace)
    except UserError:  # already imported: find that snapshot
        store = context.workspace.store()
        found = store.find_source(DATASET, _sha(path))
        if not found:
            raise
        info = found[-1]
    _record, created = DatasetRecord.objects.get_or_create(
        snapshot_id=info.snapshot_id,
        defaults={"owner": context.organisations["Stichting Welzijn Venlo"], "programme": context.programme,
                  "name": DATASET, "source_sha256": info.source.sha256, "n": info.rows.imported,
                  "origin": f"{info.source.name} ({info.source.format})"})
    context.say(f"{'imported' if created else 'kept'} {DATASET} {info.short_id} ({info.rows.imported} rows)")


def _sha(path: Path) -> str:
    from impactlab.evidence.datasets import sha256_file

    return sha256_file(path)


def _registrations_file(folder: Path) -> Path:
    path = folder / "steun-formeel-informeel.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(5)
    teams = ["Noord", "Zuid", "Blerick", "Tegelen"]
    rows = []
    start = dt.date(2025, 1, 6)
    for client in range(1, 241):
        team = teams[client % 4]
        for week in range(0, 52, 2):
            if rng.random() < 0.45:
                day = start + dt.timedelta(weeks=week, days=int(rng.integers(0, 5)))
                informal = rng.random() < 0.35 + 0.3 * week / 52  # informal support grows over the year
                rows.append({
                    "date": day.isoformat(), "client": f"C{client:05d}",
                    "provider": f"V{int(rng.integers(1, 60)):03d}" if informal else f"P{int(rng.integers(1, 9)):02d}",
                    "support": "informal" if informal else "formal",
                    "kind": "buurtcirkel" if informal else "coordinatie",
                    "hours": float(rng.choice([0.5, 1.0, 1.5, 2.0])), "contacts": 1, "team": team,
                    "neighbourhood": team,
                })
    pl.DataFrame(rows).write_csv(path)
    return path

"""`manage.py recompute`: after an upgrade, drop every cached figure and dashboard simulation and recompute the
key figures stored with each model version, with the evidence its author may use.

Cached figures are keyed by the model text, the snapshot ids and instrument definitions of its evidence and
the engine version, so an upgrade never shows stale figures; this command frees the space of the old keys and
re-values versions whose stored key figures were made by an older engine (or without the programme's
workspace). Dashboard simulations run again, as background jobs, on the next view.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from impactlab_web.core import evidence
from impactlab_web.dashboards import figures
from impactlab_web.dashboards.models import CachedFigures, Simulation
from impactlab_web.programmes import modelling
from impactlab_web.programmes.models import ImpactModelVersion


class Command(BaseCommand):
    help = "Drop cached figures and dashboard simulations; recompute the key figures of every model version."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            cached = CachedFigures.objects.all().delete()[0]
            simulations = Simulation.objects.all().delete()[0]
        figures.MEMO.clear()
        figures.SNAPSHOTS.clear()
        versions = failed = 0
        for version in ImpactModelVersion.objects.select_related("programme", "author").iterator():
            model = modelling.check(version.text).model
            if model is None:
                continue
            key = modelling.key_figures(model, evidence.scope_for(version.author, version.programme))
            ImpactModelVersion.objects.filter(pk=version.pk).update(figures=key)
            versions += 1
            failed += "error" in key
        self.stdout.write(f"dropped {cached} cached figures and {simulations} dashboard simulations; "
                          f"recomputed the key figures of {versions} model versions ({failed} with a message)")

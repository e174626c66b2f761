"""Background jobs of the dashboard: its Monte Carlo simulation and its key figures."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from impactlab_web.jobs.registry import Progress, register

STEPS = {"reading": 0.1, "validating": 0.35, "pseudonymising": 0.6, "writing snapshot": 0.85}
REPORT_LIMIT = 500


@register("dashboard.simulate")
def simulate_for_dashboard(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The Monte Carlo simulation of one model version, stored for its dashboard."""
    from impactlab_web.dashboards import figures
    from impactlab_web.dashboards.models import Simulation

    sim = Simulation.objects.select_related("version").get(pk=params["simulation"])
    if not sim.done:
        sim.result = figures.run_simulation(sim, progress)
        sim.save(update_fields=["result"])
    summary = sim.result["summary"]
    return {"version": sim.version.number, "draws": summary["draws"], "sroi_ratio": summary["sroi_ratio"],
            "link": reverse("dashboards:index", kwargs={"programme": sim.version.programme_id})}


@register("dashboard.figures")
def figures_for_dashboard(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The dashboard's figures of a large model or large data (valuation, sensitivity, change per instrument,
    support balances), with the evidence its creator may use; they land in the figure cache, where the page
    finds them."""
    from django.contrib.auth import get_user_model

    from impactlab_web.core import evidence, permissions
    from impactlab_web.dashboards import figures
    from impactlab_web.programmes.models import ImpactModelVersion

    version = ImpactModelVersion.objects.select_related("programme").get(pk=params["version"])
    user = get_user_model().objects.get(pk=params["user"])
    if not evidence.may_see(user, version):  # rights asked again when the job runs: a draft is its editors' only
        raise PermissionDenied(permissions.Action.MODEL_DRAFTS)
    scope = evidence.scope_for(user, version.programme)
    records = list(permissions.usable_datasets(user, version.programme).select_related("owner"))
    figures.dashboard_figures(version, scope, params["lang"], records, progress=progress)
    progress(1.0, _("done"))
    return {"version": version.number,
            "link": reverse("dashboards:index", kwargs={"programme": version.programme_id})}

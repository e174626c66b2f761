"""The job kinds of the web app. Each area adds its own functions here (import, simulate, report...)."""

from __future__ import annotations

from typing import Any

from impactlab_web.jobs.registry import Progress, register


@register("simulate")
def simulate_model(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Monte Carlo simulation of a saved model version (params: programme, version, draws, seed)."""
    from impactlab import parse_model, simulate
    from impactlab_web.models import ImpactModelVersion

    version = ImpactModelVersion.objects.get(programme_id=params["programme"], number=params["version"])
    draws = int(params.get("draws", 100_000))
    result = simulate(parse_model(version.text), draws=draws, seed=params.get("seed"),
                      progress=lambda done, total: progress(done / total, f"{done:,} / {total:,} draws"))
    return {"version": version.number, **result.to_dict()}

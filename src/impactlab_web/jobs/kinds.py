"""The job kinds of the web app. Each area adds its own functions here (import, simulate, report...)."""

from __future__ import annotations

from typing import Any

from impactlab_web.jobs.registry import Progress, register


@register("simulate")
def simulate_model(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Monte Carlo simulation of a saved model version (params: programme, version, draws, seed)."""
    from impactlab import parse_model, simulate
    from impactlab_web.programmes.models import ImpactModelVersion

    version = ImpactModelVersion.objects.get(programme_id=params["programme"], number=params["version"])
    draws = int(params.get("draws", 100_000))
    result = simulate(parse_model(version.text), draws=draws, seed=params.get("seed"),
                      progress=lambda done, total: progress(done / total, f"{done:,} / {total:,} draws"))
    return {"version": version.number, **result.to_dict()}


@register("model.check")
def check_model(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The editor's check of a large model text (params: key, text, programme, user), with the key figures from the
    evidence its creator may use; the text is not kept in the result."""
    from django.contrib.auth import get_user_model

    from impactlab_web.core.evidence import scope_for
    from impactlab_web.programmes import modelling
    from impactlab_web.programmes.models import Programme

    programme = Programme.objects.get(pk=params["programme"])
    user = get_user_model().objects.filter(pk=params.get("user")).first()
    progress(0.1, "checking")
    result = modelling.check_result(params["text"], scope_for(user, programme) if user is not None else None)
    progress(1.0, "checked")
    return {"key": params["key"], **result}

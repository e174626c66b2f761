"""Background jobs of fieldwork: responses and registrations to dataset snapshots (and a model proposal)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse

from impactlab_web.jobs.registry import Progress, register


def _user(params: dict[str, Any]) -> Any:
    return get_user_model().objects.filter(pk=params.get("user")).first()


@register("fieldwork.responses_snapshot")
def responses_snapshot(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """A questionnaire wave's responses (params: programme, questionnaire, wave or None for all, user)."""
    from impactlab_web.fieldwork import service
    from impactlab_web.fieldwork.models import Questionnaire, Wave

    questionnaire = Questionnaire.objects.get(pk=params["questionnaire"], programme_id=params["programme"])
    wave = Wave.objects.get(pk=params["wave"], questionnaire=questionnaire) if params.get("wave") else None
    progress(0.1, "reading responses")
    info, record = service.export_responses(questionnaire, wave, _user(params))
    progress(1.0, f"snapshot {info.short_id}")
    return {"snapshot": info.snapshot_id, "dataset": record.pk, "name": info.dataset, "rows": info.rows.imported,
            "link": reverse("data:detail", kwargs={"programme": params["programme"], "dataset": record.pk}),
            "link_text": f"{info.dataset} {info.short_id}"}


@register("fieldwork.registrations_snapshot")
def registrations_snapshot(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Registrations to a snapshot plus proposed model inputs and outputs (params: programme, user,
    stakeholder, proxy, activity)."""
    from impactlab_web.fieldwork import service
    from impactlab_web.programmes.models import Programme

    programme = Programme.objects.get(pk=params["programme"])
    progress(0.1, "reading registrations")
    info, record, frame = service.export_registrations(programme, _user(params))
    proposal = service.proposal(frame, info.snapshot_id, params["stakeholder"], params["proxy"], params["activity"])
    progress(1.0, f"snapshot {info.short_id}")
    return {"snapshot": info.snapshot_id, "dataset": record.pk, "name": info.dataset, "rows": info.rows.imported,
            "proposal": proposal}

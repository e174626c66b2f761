"""The ``report`` job kind: generate one report version's files in the background."""

from __future__ import annotations

from typing import Any

from impactlab_web.jobs.registry import Progress, register


@register("report")
def report_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """params: report (a ReportVersion pk). A failure marks the version failed and re-raises for the job."""
    from django.urls import reverse

    from impactlab_web.review.models import ReportVersion
    from impactlab_web.review.reporting import generate

    report = ReportVersion.objects.select_related("cycle", "model_version").get(pk=params["report"])
    try:
        generate(report, progress)
    except Exception as error:
        ReportVersion.objects.filter(pk=report.pk).update(status=ReportVersion.Status.FAILED, error=str(error)[:2000])
        raise
    programme = report.cycle.programme_id
    return {"report": report.pk, "files": report.files,
            "link": reverse("review:report", kwargs={"programme": programme, "report": report.pk}),
            "link_text": f"report {report.number}"}

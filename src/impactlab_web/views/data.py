"""The programme's datasets: the list (hash, n, origin) and one dataset's metadata. Upload comes later."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from impactlab_web import audit, permissions
from impactlab_web.models import AuditEvent
from impactlab_web.permissions import requires


@requires("datasets.list")
def dataset_list(request: HttpRequest, programme: int) -> HttpResponse:
    current = request.programme
    datasets = permissions.usable_datasets(request.user, current).select_related("owner")
    return render(request, "impactlab_web/datasets.html", {"programme": current, "datasets": datasets})


@requires("datasets.list")
def dataset_detail(request: HttpRequest, programme: int, dataset: int) -> HttpResponse:
    """A dataset's snapshot metadata (columns, rows, agreements); viewing it is written to the audit trail."""
    current = request.programme
    record = get_object_or_404(permissions.usable_datasets(request.user, current).select_related("owner"), pk=dataset)
    snapshot = audit.snapshot_info(record)
    audit.record(request, AuditEvent.Action.VIEW, record, "dataset metadata")
    return render(request, "impactlab_web/dataset.html", {
        "programme": current, "dataset": record, "snapshot": snapshot,
        "agreements": record.agreements.select_related("partner"),
    })

"""The programme's datasets: the list (hash, n, origin, the user's recent uploads) and one dataset's metadata
with its data-sharing agreements. Upload, import and agreements live in ``impactlab_web.dashboards``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from impactlab_web.core import audit, permissions
from impactlab_web.core.permissions import Action, requires


@requires("datasets.list")
def dataset_list(request: HttpRequest, programme: int) -> HttpResponse:
    from impactlab_web.data.models import Upload

    current = request.programme
    datasets = permissions.usable_datasets(request.user, current).select_related("owner")
    recent = Upload.objects.filter(programme=current, uploaded_by=request.user).exclude(
        state=Upload.State.DISCARDED)[:5]
    return render(request, "data/datasets.html", {
        "programme": current, "datasets": datasets, "uploads": recent,
        "may_upload": permissions.can(request.user, "data.upload", current),
        "may_erase": permissions.can(request.user, Action.RESPONDENT_ERASE, current),
    })


@requires("datasets.list")
def dataset_detail(request: HttpRequest, programme: int, dataset: int) -> HttpResponse:
    """A dataset's snapshot metadata (columns, rows, agreements); viewing it is written to the audit trail."""
    current = request.programme
    record = get_object_or_404(permissions.usable_datasets(request.user, current).select_related("owner"), pk=dataset)
    snapshot = audit.snapshot_info(record)
    audit.record(request, audit.Action.DATASET_VIEW, record)
    may_share = permissions.can(request.user, Action.AGREEMENTS_MANAGE, record)
    may_delete = permissions.can(request.user, Action.DATASET_DELETE, record)
    return render(request, "data/dataset.html", {
        "programme": current, "dataset": record, "snapshot": snapshot, "may_share": may_share,
        "may_delete": may_delete,
        "agreements": record.agreements.select_related("partner").order_by("-created_at"),
    })

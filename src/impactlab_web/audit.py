"""Writing the audit trail, and reading a dataset's snapshot metadata from the core's Workspace."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from impactlab.errors import UserError
from impactlab.evidence.datasets import SnapshotInfo
from impactlab.evidence.workspace import Workspace
from impactlab_web.client import client_ip
from impactlab_web.models import AuditEvent, DatasetRecord


def record(request: HttpRequest, action: str, obj: DatasetRecord, detail: str = "") -> AuditEvent:
    """Note who did `action` on a dataset, from where and when."""
    return event(request, action, "dataset", obj.snapshot_id, detail)


def event(request: HttpRequest, action: str, object_type: str, object_id: object, detail: str = "") -> AuditEvent:
    """Note who did `action` on an object of `object_type` (not only datasets), from where and when."""
    user = request.user if request.user.is_authenticated else None
    return AuditEvent.objects.create(user=user, action=action[:20], object_type=object_type,
                                     object_id=str(object_id)[:64], detail=detail[:300], ip=client_ip(request))


def workspace() -> Workspace:
    """The core's Workspace holding the snapshots (settings.WORKSPACE_DIR, under var/)."""
    return Workspace(settings.WORKSPACE_DIR)


def snapshot_info(record: DatasetRecord) -> SnapshotInfo | None:
    """The snapshot's metadata, or None when the Workspace no longer holds it."""
    try:
        return workspace().store().get(record.snapshot_id)
    except UserError:
        return None

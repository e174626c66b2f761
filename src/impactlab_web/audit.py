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
    return AuditEvent.objects.create(user=request.user, action=action, object_type="dataset",
                                     object_id=obj.snapshot_id, detail=detail[:300], ip=client_ip(request))


def workspace() -> Workspace:
    """The core's Workspace holding the snapshots (settings.WORKSPACE_DIR, under var/)."""
    return Workspace(settings.WORKSPACE_DIR)


def snapshot_info(record: DatasetRecord) -> SnapshotInfo | None:
    """The snapshot's metadata, or None when the Workspace no longer holds it."""
    try:
        return workspace().store().get(record.snapshot_id)
    except UserError:
        return None

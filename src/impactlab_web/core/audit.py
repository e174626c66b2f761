"""The one writer of the audit trail (``record``), and reading a dataset's snapshot metadata from the Workspace.

Every view or export of personal data, and every change to someone's access, calls ``record`` once. It stores
who (the account, and its user name as text so the event survives the account), which organisation and
programme (keys, and names as text), the action (``AuditEvent.Action``), the object's type and id, the address
and the time. The organisation is the one whose data it is: a dataset's or upload's owner, the programme's lead
organisation for what the programme itself holds (responses, transcripts, quotes, reports), the organisation
itself for its people and its audit trail.

``detail`` is for counts, formats and ids. Never put personal data or free text in it, nor an uploaded file's
own name (a file name may name a client; it stays in the uploader's own view).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponse

from impactlab.errors import UserError
from impactlab.evidence.datasets import SnapshotInfo
from impactlab.evidence.workspace import Workspace
from impactlab_web.core.client import axes_client_ip
from impactlab_web.core.models import AuditEvent
from impactlab_web.data.models import DatasetRecord
from impactlab_web.organisations.models import Organisation
from impactlab_web.programmes.models import Programme

Action = AuditEvent.Action
# the request being answered: service functions called from a view (people.invite, ...) record its address
_current: ContextVar[HttpRequest | None] = ContextVar("impactlab_audit_request", default=None)


class RequestMiddleware:
    """Makes the request known to ``record`` calls that do not get it (service functions a view calls)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(request)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)

# model label -> the object type the trail names it by (other models: their model name)
OBJECT_TYPES = {
    "data.datasetrecord": "dataset",
    "data.upload": "upload",
    "qualitative.document": "transcript",
    "review.reportversion": "report",
    "fieldwork.wave": "wave",
    "fieldwork.questionnaire": "questionnaire",
    "programmes.programme": "programme",
    "organisations.organisation": "organisation",
    "programmes.impactmodelversion": "model_version",
    "auth.user": "person",
    "organisations.invitation": "invitation",
    "programmes.partnership": "partnership",
    "api.accesstoken": "access_token",
}


def object_type(obj: Any) -> str:
    label = obj._meta.label_lower
    return OBJECT_TYPES.get(label, obj._meta.model_name)


def object_id(obj: Any) -> str:
    return obj.snapshot_id if isinstance(obj, DatasetRecord) else str(obj.pk)


def programme_of(obj: Any) -> Programme | None:
    """The programme an object belongs to: itself, its ``programme``, or that of its questionnaire or cycle."""
    if obj is None or isinstance(obj, Programme):
        return obj
    for path in ("programme", "questionnaire", "cycle"):
        found = getattr(obj, path, None)
        if isinstance(found, Programme):
            return found
        found = getattr(found, "programme", None)
        if isinstance(found, Programme):
            return found
    return None


def organisation_of(obj: Any, programme: Programme | None) -> Organisation | None:
    """Whose data it is: the organisation itself, the object's owner, or else the programme's lead."""
    if isinstance(obj, Organisation):
        return obj
    owner = getattr(obj, "owner", None)
    if isinstance(owner, Organisation):
        return owner
    return programme.lead if programme is not None else None


def _detail(detail: str | dict[str, Any]) -> str:
    text = json.dumps(detail, sort_keys=True, default=str) if isinstance(detail, dict) else detail
    return text[:300]


def record(request: HttpRequest | None, action: Action, obj: Any = None, *, detail: str | dict[str, Any] = "",
           user: AbstractBaseUser | AnonymousUser | None = None, programme: Programme | None = None,
           organisation: Organisation | None = None) -> AuditEvent:
    """Note that `user` (default: the request's) did `action` on `obj`, from the request's address, now.

    The programme and organisation follow from `obj` unless given. A function called from a view may pass
    `request=None` (the request being answered gives the address); a job or command passes the `user` it runs
    for. `detail` (text, or a dict written as JSON) must hold no personal data.
    """
    if action not in Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    request = request if request is not None else _current.get()
    who = user if user is not None else getattr(request, "user", None)
    who = who if who is not None and who.is_authenticated else None
    programme = programme if programme is not None else programme_of(obj)
    organisation = organisation if organisation is not None else organisation_of(obj, programme)
    return AuditEvent.objects.create(
        user=who, username=who.get_username() if who is not None else "",
        organisation=organisation, organisation_name=organisation.name if organisation is not None else "",
        programme=programme, programme_name=programme.name if programme is not None else "",
        action=Action(action), object_type=object_type(obj) if obj is not None else "",
        object_id=object_id(obj)[:64] if obj is not None else "", detail=_detail(detail),
        ip=axes_client_ip(request) if request is not None else None)


def workspace() -> Workspace:
    """The core's Workspace holding the snapshots (settings.WORKSPACE_DIR, under var/)."""
    return Workspace(settings.WORKSPACE_DIR)


def snapshot_info(record: DatasetRecord) -> SnapshotInfo | None:
    """The snapshot's metadata, or None when the Workspace no longer holds it."""
    try:
        return workspace().store().get(record.snapshot_id)
    except UserError:
        return None

"""What happens around a job's function: the rights it re-checks when it runs, and the cleanup after it ends
without success (failed, cancelled, given up after its worker died) or before it is tried again.

Rights are checked at every attempt, not only when the job was queued: a role taken away or a data-sharing
agreement withdrawn in between stops the job (with a message), through the functions of
``impactlab_web.core.permissions``. Kinds without their own check need the creator to still have a role in the
job's programme. Jobs without a creator (the demo, management commands) are the installation's own.

Private params (``private_params``) are what a job needs only while it runs, such as the editor's submitted
model text: every terminal state (done, failed, cancelled, given up) removes them from the job row.

Cleanup is idempotent, runs in the recovering process (which may be a web request polling the status), and
deletes: the raw upload (on every terminal state), half-written snapshot files, and a partial report folder.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from impactlab.errors import UserError

log = logging.getLogger(__name__)

Check = Callable[[Any, Any], None]  # (job, user) -> None, UserError when not allowed
Cleanup = Callable[[Any, bool], None]  # (job, final) -> None
_RIGHTS: dict[str, Check] = {}
_CLEANUPS: dict[str, Cleanup] = {}
_PRIVATE: dict[str, tuple[str, ...]] = {"model.check": ("text",)}  # kind -> params dropped when it ends


def _registrar(table: dict[str, Any]) -> Callable[[str], Callable[[Any], Any]]:
    def register(kind: str) -> Callable[[Any], Any]:
        def decorate(function: Any) -> Any:
            table[kind] = function
            return function

        return decorate

    return register


rights = _registrar(_RIGHTS)  # decorator: the run-time rights check of a job kind
# decorator: what to delete or mark when a job of this kind ends without success (``final``) or is about to be
# tried again (not ``final``: only half-written output goes)
cleanup_for = _registrar(_CLEANUPS)


def check_rights(job: Any) -> None:
    """UserError (in the creator's language) when the creator may no longer run this job."""
    if job.created_by_id is None or job.programme_id is None:
        return
    user = job.created_by
    if not user.is_active:
        raise UserError(_("Your account is no longer active; the job was not run."))
    user.__dict__.pop("_impactlab_roles", None)  # never a cached answer from before the job was queued
    _RIGHTS.get(job.kind, _member)(job, user)


def kept_params(job: Any) -> dict[str, Any]:
    """The params a job row keeps once it reached a terminal state: without its kind's private ones."""
    private = _PRIVATE.get(job.kind, ())
    return {key: value for key, value in (job.params or {}).items() if key not in private}


def cleanup(job: Any, final: bool) -> None:
    function = _CLEANUPS.get(job.kind)
    if function is None:
        return
    try:
        with transaction.atomic():  # a savepoint: a failed cleanup leaves the caller's transaction usable
            function(job, final)
    except Exception:  # cleanup must never take the recovering process down; the sweep tries again
        log.exception("cleanup of job %s (%s) failed", job.pk, job.kind)


def require(user: Any, action: str, programme: Any) -> None:
    from impactlab_web.core import permissions

    if not permissions.can(user, action, programme):
        raise UserError(_("You may no longer do this in %(programme)s (your role changed); the job was not run.")
                        % {"programme": programme.name})


def _member(job: Any, user: Any) -> None:
    require(user, "programme.view", job.programme)


# --------------------------------------------------------------------------------------------- rights
@rights("report")
def _report_rights(job: Any, user: Any) -> None:
    """A report reads the cycle's datasets: each must still be usable by its creator (own organisation's, or
    shared with it under an agreement that is still active)."""
    from impactlab_web.core import permissions
    from impactlab_web.review.models import ReportVersion

    require(user, "reports.generate", job.programme)
    report = ReportVersion.objects.select_related("cycle__programme", "created_by").get(pk=job.params["report"])
    blocked = [r.name for r in permissions.POLICY.withdrawn_report_datasets(report, user)]
    if blocked:
        raise UserError(_("The report was not made: you may no longer use the dataset(s) %(names)s (a data-sharing "
                          "agreement was withdrawn or has ended).") % {"names": ", ".join(sorted(set(blocked)))})


def _upload_rights(job: Any, user: Any) -> None:
    from impactlab_web.core import permissions
    from impactlab_web.data.models import Upload

    require(user, "data.upload", job.programme)
    upload = Upload.objects.get(pk=job.params["upload"])
    if not permissions.organisations_where(user, permissions.OWNER_DATA_ROLES).filter(pk=upload.owner_id).exists():
        raise UserError(_("You may no longer add data for %(organisation)s; the file was not read.")
                        % {"organisation": upload.owner.name})


rights("dataset.import")(_upload_rights)
rights("dataset.preview")(_upload_rights)


def _needs(action: str) -> Check:
    """The run-time check of a kind that needs one programme action of its creator."""

    def check(job: Any, user: Any) -> None:
        require(user, action, job.programme)

    return check


for _kind, _action in {"fieldwork.responses_snapshot": "questionnaire.manage",
                       "fieldwork.registrations_snapshot": "registrations.export",
                       "model.check": "model.view",  # the editor's background check of a large text
                       "dashboard.figures": "results.view"}.items():  # a large dashboard's figures
    rights(_kind)(_needs(_action))


# -------------------------------------------------------------------------------------------- cleanup
@cleanup_for("report")
def _report_cleanup(job: Any, final: bool) -> None:
    """A report's folder is written only by its job: a partial one goes; a failed version says why."""
    from impactlab_web.review.models import ReportVersion

    report = ReportVersion.objects.filter(pk=job.params.get("report")).first()
    if report is None or report.status == ReportVersion.Status.READY:
        return
    shutil.rmtree(report.folder, ignore_errors=True)
    if final:
        ReportVersion.objects.filter(pk=report.pk).exclude(status=ReportVersion.Status.READY).update(
            status=ReportVersion.Status.FAILED, files={}, error=(job.error or _("The report was not made."))[:2000])


def _upload_cleanup(job: Any, final: bool) -> None:
    """Half-written snapshot files go at once; at the end the raw file goes too, and the upload says why."""
    from impactlab_web.data import uploads
    from impactlab_web.data.models import Upload
    from impactlab_web.jobs.models import Job

    upload = Upload.objects.filter(pk=job.params.get("upload")).first()
    if upload is None:
        return
    if job.kind == "dataset.import" and upload.dataset:
        remove_partial_snapshots(upload.dataset)
    if not final:
        return
    if job.kind == "dataset.import" and upload.record_id is None and upload.path:
        remove_unrecorded_snapshots(upload.dataset, Path(upload.path))
    uploads.discard(upload.path)
    busy = (Upload.State.READING, Upload.State.IMPORTING)
    state = Upload.State.DISCARDED if job.status == Job.Status.CANCELLED else Upload.State.FAILED
    # the job's own message names the stored copy; one the job left on the upload names the user's file
    messages = upload.report.get("messages") or [job.error or _("The file could not be read.")]
    Upload.objects.filter(pk=upload.pk, state__in=busy).update(state=state, path="",
                                                              report=upload.report | {"messages": messages})
    Upload.objects.filter(pk=upload.pk).update(path="")


cleanup_for("dataset.import")(_upload_cleanup)
cleanup_for("dataset.preview")(_upload_cleanup)


def _dataset_folder(dataset: str) -> Path | None:
    from impactlab.evidence.workspace import Workspace

    try:
        folder = Workspace(settings.WORKSPACE_DIR).datasets_dir / dataset
    except Exception:  # no workspace yet
        return None
    return folder if folder.is_dir() else None


def remove_partial_snapshots(dataset: str, older_than: float | None = None) -> list[str]:
    """Delete what a writer killed mid-snapshot leaves: temporary files and data files without metadata (a
    snapshot exists only once its metadata file does). Files younger than `older_than` seconds (default: the
    heartbeat staleness) may belong to a live writer and stay."""
    from impactlab_web.jobs.runner import stale_seconds

    folder = _dataset_folder(dataset)
    if folder is None:
        return []
    cutoff = time.time() - (stale_seconds() / 2 if older_than is None else older_than)
    removed = []
    for path in folder.iterdir():
        if path.name.startswith(".tmp-"):
            orphan = True
        elif path.suffix == ".parquet":
            orphan = not (folder / f"{path.name.split('.')[0]}.json").exists()
        else:
            orphan = False
        try:
            if orphan and path.stat().st_mtime <= cutoff:
                path.unlink()
                removed.append(path.name)
        except FileNotFoundError:
            pass
    return removed


def remove_unrecorded_snapshots(dataset: str, raw: Path | None = None, snapshot_id: str | None = None) -> list[str]:
    """Snapshots of `dataset` made from this raw file (or the one named) that no DatasetRecord refers to: the
    job died or was cancelled after the snapshot was written and before it was recorded, so none is kept."""
    from impactlab.evidence.datasets import sha256_file
    from impactlab.evidence.workspace import Workspace
    from impactlab_web.data.models import DatasetRecord

    if _dataset_folder(dataset) is None:
        return []
    store = Workspace(settings.WORKSPACE_DIR).store()
    if snapshot_id is not None:
        infos = [i for i in store.list(dataset) if i.snapshot_id == snapshot_id]
    elif raw is not None and raw.exists():
        infos = store.find_source(dataset, sha256_file(raw))
    else:
        return []
    removed = []
    for info in infos:
        if DatasetRecord.objects.filter(snapshot_id=info.snapshot_id).exists():
            continue
        folder = store.root / info.dataset
        for name in (f"{info.snapshot_id}.json", info.data_file, info.quarantine_file):
            if name:
                (folder / name).unlink(missing_ok=True)
        removed.append(info.snapshot_id)
    return removed


def sweep() -> dict[str, int]:
    """The periodic housekeeping of the workers: recover stale jobs, expire unmapped uploads, and end uploads
    whose job ended without saying so (each deletes the raw file)."""
    from impactlab_web.data import uploads
    from impactlab_web.data.models import Upload
    from impactlab_web.jobs.models import Job
    from impactlab_web.jobs.runner import recover_stale

    recovered = recover_stale()
    expired = uploads.discard_stale()
    ended = 0
    busy = Upload.objects.filter(state__in=(Upload.State.READING, Upload.State.IMPORTING)).select_related("job")
    for upload in busy:
        job = upload.job
        if job is None or job.status in (Job.Status.FAILED, Job.Status.CANCELLED):
            if job is not None:
                cleanup(job, final=True)
            else:
                uploads.discard(upload.path)
                Upload.objects.filter(pk=upload.pk).update(state=Upload.State.FAILED, path="")
            ended += 1
    return {"recovered": recovered, "expired": expired, "ended": ended}

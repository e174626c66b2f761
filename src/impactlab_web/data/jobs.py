"""Background jobs of the data app: the preview and the import of an uploaded file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from impactlab.errors import UserError
from impactlab_web.jobs import lifecycle
from impactlab_web.jobs.registry import Progress, register
from impactlab_web.jobs.runner import Cancelled

STEPS = {"reading": 0.1, "validating": 0.35, "pseudonymising": 0.6, "writing snapshot": 0.85}
REPORT_LIMIT = 500


def report_rows(report: Any, masked: set[str], filename: str | None = None) -> dict[str, Any]:
    """The core's validation report as stored with the upload: counts per rule and the first issues, with the
    values of identifying columns (respondent id, date of birth) masked. The file is named as the uploader
    named it (the stored copy has a neutral name, which is what reaches the snapshot's metadata)."""
    from impactlab.io.validation import RULE_TEXT

    frame = report.frame
    shown = filename or report.file
    issues = [{"file": shown, "row": row, "column": column,
               "value": "•••" if column in masked and value not in (None, "") else value, "rule": rule,
               "rule_text": RULE_TEXT.get(rule, rule)}
              for row, column, value, rule in frame.head(REPORT_LIMIT).iter_rows()]
    return {"file": shown, "issues": issues, "total": frame.height,
            "rows": int(report.bad_rows().len()) if frame.height else 0, "counts": report.counts()}


@register("dataset.preview")
def preview_upload(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Read an uploaded file once, in the background: its columns and a few masked rows are stored with the
    upload for the mapping page (which never parses the file itself). An unreadable file fails the job; the
    cleanup then deletes it."""
    from impactlab_web.data import uploads
    from impactlab_web.data.models import Upload

    upload = Upload.objects.get(pk=params["upload"], state=Upload.State.READING)
    link = reverse("data:upload", kwargs={"programme": upload.programme_id, "upload": upload.pk})
    progress(0.1, "reading")
    try:
        preview = uploads.preview(upload.path)
    except uploads.BadFile as error:  # the uploader's page names their file; the job row keeps the neutral name
        named = str(error).replace(Path(upload.path).name, upload.filename)
        Upload.objects.filter(pk=upload.pk, state=Upload.State.READING).update(
            report=upload.report | {"messages": [named]})
        raise UserError(str(error)) from None
    progress(0.9, "preview")
    moved = Upload.objects.filter(pk=upload.pk, state=Upload.State.READING).update(
        preview=preview, state=Upload.State.MAPPING)
    if not moved:  # discarded meanwhile
        raise UserError(_("The upload was discarded."))
    return {"state": "mapping", "columns": len(preview["columns"]), "rows": preview["n"], "link": link}


@register("dataset.import")
def import_upload(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Import an upload with its mapping (the core's ``import_file``), make the DatasetRecord, delete the file."""
    from impactlab.deidentify import IdentifiersFound
    from impactlab.evidence.workspace import Workspace
    from impactlab.io.importer import ImportRejected, NothingImported, import_file
    from impactlab_web.data import uploads
    from impactlab_web.data.models import DatasetRecord, Upload

    upload = Upload.objects.select_related("programme", "owner").get(pk=params["upload"])
    link = reverse("data:upload", kwargs={"programme": upload.programme_id, "upload": upload.pk})
    raw = upload.path
    masked = {upload.mapping.get("respondent_id"), upload.mapping.get("date_of_birth")} - {None}

    def say(step: str) -> None:
        progress(next((f for s, f in STEPS.items() if step.startswith(s)), 0.5), step)

    try:
        result = import_file(raw, upload.mapping, upload.dataset, Workspace(settings.WORKSPACE_DIR),
                             upload.on_error, progress=say)
    except ImportRejected as rejected:
        _finish(upload, Upload.State.REJECTED, report_rows(rejected.report, masked, upload.filename))
        return {"state": "rejected", "link": link}
    except NothingImported as empty:  # its messages quote the rejected values: keep the masked report only
        message = f"{upload.dataset}: every row has an issue; nothing was imported."
        report = report_rows(empty.report, masked, upload.filename)
        _finish(upload, Upload.State.FAILED, report | {"messages": [message]})
        raise UserError(message) from None
    except IdentifiersFound as found:  # counts per column, in the user's language; the upload's report names the
        language = translation.get_language()  # file as they did, the job row only the stored copy's neutral name
        _finish(upload, Upload.State.FAILED, {"messages": found.text(language, file=upload.filename)})
        raise UserError(found.text(language, file=Path(raw).name)) from None
    except UserError as error:
        _finish(upload, Upload.State.FAILED, {"messages": error.messages})
        raise
    except Exception:
        _finish(upload, Upload.State.FAILED, {"messages": ["internal error"]})
        raise
    finally:
        uploads.discard(raw)
    info = result.snapshot
    with transaction.atomic():
        if not Upload.objects.select_for_update().filter(pk=upload.pk, state=Upload.State.IMPORTING).exists():
            lifecycle.remove_unrecorded_snapshots(upload.dataset, snapshot_id=info.snapshot_id)
            raise Cancelled()  # discarded while importing: its snapshot is not kept
        record, _ = DatasetRecord.objects.get_or_create(
            snapshot_id=info.snapshot_id,
            defaults={"owner": upload.owner, "programme": upload.programme, "name": upload.dataset,
                      "source_sha256": info.source.sha256, "n": info.rows.imported,
                      "origin": f"{info.source.name} ({info.source.format})"[:300]})
        upload.record = record
        report = report_rows(result.report, masked, upload.filename) | {"imported": info.rows.imported,
                                                        "quarantined": info.rows.quarantined,
                                                        "snapshot": info.snapshot_id, "warnings": result.warnings}
        _finish(upload, Upload.State.IMPORTED, report)
    progress(1.0, "done")
    return {"state": "imported", "snapshot": info.snapshot_id, "record": record.pk, "link": link}


def _finish(upload: Any, state: str, report: dict[str, Any]) -> None:
    """The import's outcome, unless the upload was discarded meanwhile (then it stays discarded)."""
    from impactlab_web.data.models import Upload

    Upload.objects.filter(pk=upload.pk, state=Upload.State.IMPORTING).update(
        state=state, report=report, path="", record=upload.record)

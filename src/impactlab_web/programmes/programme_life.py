"""A programme over its life: rename and describe, archive (read-only, off the home page), take out of the
archive, and delete (typed confirmation; a programme with a finished learning cycle can only be archived).

Who may do each step is the permission policy's (``LEAD_ACTIONS``); the rules of the steps are here, and
every step is audited.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from impactlab_web.core import audit
from impactlab_web.programmes.models import Programme

log = logging.getLogger(__name__)


class ProgrammeError(Exception):
    """A step the rules refuse; the message is for the lead's administrator."""


@transaction.atomic
def change(programme: Programme, name: str, description: str, by: AbstractBaseUser) -> None:
    """Rename and describe (the audit event says which of the two changed, never the text)."""
    changed = [f for f, new in (("name", name), ("description", description)) if getattr(programme, f) != new]
    if not changed:
        return
    programme.name, programme.description = name, description
    programme.save(update_fields=changed)
    audit.record(None, audit.Action.PROGRAMME_CHANGE, programme, user=by, detail={"changed": changed})


@transaction.atomic
def archive(programme: Programme, by: AbstractBaseUser) -> None:
    if programme.archived_at is not None:
        return
    programme.archived_at, programme.archived_by = timezone.now(), by
    programme.save(update_fields=["archived_at", "archived_by"])
    audit.record(None, audit.Action.PROGRAMME_ARCHIVE, programme, user=by)


@transaction.atomic
def unarchive(programme: Programme, by: AbstractBaseUser) -> None:
    if programme.archived_at is None:
        return
    programme.archived_at, programme.archived_by = None, None
    programme.save(update_fields=["archived_at", "archived_by"])
    audit.record(None, audit.Action.PROGRAMME_UNARCHIVE, programme, user=by)


def finished_cycles(programme: Programme) -> int:
    from impactlab_web.review.models import Cycle

    return Cycle.objects.filter(programme=programme, status=Cycle.Status.FINISHED).count()


def deletion_refusal(programme: Programme) -> str | None:
    """Why the programme cannot be deleted (it can be archived instead), or None."""
    if finished_cycles(programme):
        return _("This programme has a finished learning cycle: its results are on record and can only be "
                 "archived, not deleted.")
    return None


def files(programme: Programme) -> list[Path]:
    """Every file or folder on disk that belongs to the programme, besides its snapshots (``datalife``): its
    report folder (VAR_DIR/reports/<programme>/), the raw files of its uploads and the raw transcripts its jobs
    still hold (VAR_DIR/uploads/<key>/). Only paths under VAR_DIR are named; nothing of another programme."""
    from impactlab_web.data import uploads
    from impactlab_web.data.models import Upload
    from impactlab_web.jobs.models import Job

    var = Path(settings.VAR_DIR).resolve()
    found = [var / "reports" / str(programme.pk)]
    raw = [u.path for u in Upload.objects.filter(programme=programme).exclude(path="").only("path")]
    raw += [j.params.get("path") for j in Job.objects.filter(Q(programme=programme)
                                                              | Q(params__programme=programme.pk)).only("params")]
    root = uploads.root().resolve()
    for path in filter(None, raw):
        path = Path(str(path)).resolve()
        if path.parent.parent == root:  # the upload's own private folder
            found.append(path.parent)
        elif path.is_relative_to(var):
            found.append(path)
    return list(dict.fromkeys(found))


def remove_files(paths: list[Path]) -> None:
    """Delete these files and folders; a missing one is no error, a failure is logged (never raised: it runs
    after the commit)."""
    for path in paths:
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        except OSError as error:
            log.error("programme delete: could not remove %s: %s", path, error)


@transaction.atomic
def delete(programme: Programme, by: AbstractBaseUser) -> None:
    """Delete the programme and what belongs to it; the audit trail keeps the event (with its name as text).

    Its datasets go through ``datalife.delete`` (one audit event each, in the owner's trail; the snapshot files
    after the commit), as a dataset deleted on its own would. Its other files (``files``: reports, raw uploads
    and transcripts) are named before the rows go and removed after the commit: a failed delete removes none."""
    from impactlab_web.data import datalife
    from impactlab_web.review.models import Cycle, Tombstone

    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    reason = deletion_refusal(locked)
    if reason:
        raise ProgrammeError(reason)
    records = list(locked.datasets.all())
    leftovers = files(locked)
    audit.record(None, audit.Action.PROGRAMME_DELETE, locked, user=by,
                 detail={"programme": locked.pk, "datasets": len(records)})
    if records:
        datalife.delete(records, by, kind=Tombstone.Kind.DATASET)
    Cycle.objects.filter(programme=locked).delete()  # a cycle protects its frozen model version: first
    locked.delete()
    transaction.on_commit(lambda: remove_files(leftovers))

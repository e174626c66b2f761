"""Deleting a programme leaves nothing of it on disk (issue 11): snapshots, report files, raw uploads and raw
transcripts go after the commit; nothing of another programme is touched; a failed delete removes no file.

Runs on SQLite and on PostgreSQL (DATABASE_URL); see PROTOCOL.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file
from impactlab.io.synth import synth
from impactlab_web.data import uploads
from impactlab_web.data.models import DatasetRecord, Upload
from impactlab_web.jobs.models import Job
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes import programme_life
from impactlab_web.programmes.models import Programme
from impactlab_web.review.models import ReportVersion
from tests_web import review_world
from tests_web.conftest import World
from tests_web.test_evidence_truth import MAPPING


@pytest.fixture(autouse=True)
def _var(var_dir: Path) -> None:
    pass


def _snapshot(programme: Programme, owner: Organisation, folder: Path, seed: int) -> Path:
    """A snapshot of dataset `enquete` imported for the programme; the folder of its files."""
    folder.mkdir(parents=True, exist_ok=True)
    survey = synth(respondents=20, waves=2, out=folder / "enquete.csv", seed=seed, items=11)
    info = import_file(survey, MAPPING, "enquete", Workspace(settings.WORKSPACE_DIR)).snapshot
    DatasetRecord.objects.create(owner=owner, programme=programme, name="enquete", snapshot_id=info.snapshot_id,
                                 source_sha256=info.source.sha256, n=info.rows.imported, origin="enquete.csv")
    found = list(Path(settings.WORKSPACE_DIR).rglob(f"{info.snapshot_id}*"))
    assert found
    return found[0]


def _report(world: World) -> Path:
    report = review_world.report(world)
    report.folder.mkdir(parents=True)
    (report.folder / "report.pdf").write_bytes(b"%PDF-1.4 respondents")
    ReportVersion.objects.filter(pk=report.pk).update(files={"pdf": "report.pdf"})
    return report.folder / "report.pdf"


def _upload(programme: Programme, owner: Organisation, user) -> Path:
    raw = SimpleUploadedFile("clients.csv", b"id,name\n1,Anna\n")
    path, fmt = uploads.save(raw, f"{programme.pk}u" + "0" * 30)
    Upload.objects.create(programme=programme, owner=owner, uploaded_by=user, filename="clients.csv", format=fmt,
                          path=str(path))
    return path


def _transcript(programme: Programme) -> Path:
    raw = SimpleUploadedFile("interview.txt", b"Anna said ...")
    path = uploads.store_raw(raw, f"{programme.pk}t" + "0" * 30, "document.txt")
    Job.objects.create(kind="qualitative.extract", programme=programme,
                       params={"programme": programme.pk, "path": str(path), "suffix": ".txt"})
    return path


def _everything(world: World, tmp_path: Path) -> tuple[list[Path], list[Path]]:
    """Files of the programme, files of the other programme (both on disk)."""
    user = world.user(Role.ADMINISTRATOR, "own")
    mine = [_snapshot(world.programme, world.own, tmp_path / "mine", 8), _report(world),
            _upload(world.programme, world.own, user), _transcript(world.programme)]
    other_report = Path(settings.VAR_DIR) / "reports" / str(world.other.pk) / "1" / "1" / "report.pdf"
    other_report.parent.mkdir(parents=True)
    other_report.write_bytes(b"%PDF other")
    theirs = [_snapshot(world.other, world.foreign, tmp_path / "theirs", 9), other_report,
              _upload(world.other, world.foreign, world.user(Role.ADMINISTRATOR, "foreign")),
              _transcript(world.other)]
    assert all(p.exists() for p in mine + theirs)
    return mine, theirs


def test_deleting_a_programme_leaves_none_of_its_files(world: World, tmp_path: Path,
                                                      django_capture_on_commit_callbacks) -> None:
    mine, theirs = _everything(world, tmp_path)
    client = Client()
    client.force_login(world.user(Role.ADMINISTRATOR, "own"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programmes:delete", kwargs={"programme": world.programme.pk}),
                               {"name": world.programme.name})
    assert response.status_code == 302 and not Programme.objects.filter(pk=world.programme.pk).exists()
    assert [p for p in mine if p.exists()] == []
    var = Path(settings.VAR_DIR)
    assert not (var / "reports" / str(world.programme.pk)).exists()  # the programme's report folder
    assert not mine[2].parent.exists() and not mine[3].parent.exists()  # the private upload folders
    assert all(p.exists() for p in theirs)  # nothing of another programme


def test_a_failed_delete_removes_no_file(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         django_capture_on_commit_callbacks) -> None:
    mine, theirs = _everything(world, tmp_path)

    def fail(*args, **kwargs):
        raise DatabaseError("the database refused")

    monkeypatch.setattr(Programme, "delete", fail)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DatabaseError):
        programme_life.delete(world.programme, world.user(Role.ADMINISTRATOR, "own"))
    assert Programme.objects.filter(pk=world.programme.pk).exists()
    assert DatasetRecord.objects.filter(programme=world.programme).count() == 2  # the fixture's and ours
    assert all(p.exists() for p in mine + theirs)

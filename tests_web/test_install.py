"""Installing for real: backup and restore give identical data, the first-run command, the health endpoint."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import polars as pl
import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from impactlab.evidence.workspace import Workspace
from impactlab_web.core import audit
from impactlab_web.core.backup import MOVED_MODELS, BackupError, create_backup, restore_backup
from impactlab_web.core.models import AuditEvent
from impactlab_web.organisations.models import Membership, Organisation, Role
from impactlab_web.programmes.models import Programme


def database_rows() -> dict[str, list[dict]]:
    """Every row of every application table, read through the ORM (not through the backup's serialiser)."""
    return {model._meta.label: [
        {**row, **{f.name: sorted(getattr(obj, f.name).values_list("pk", flat=True))
                   for f in model._meta.many_to_many}}
        for obj, row in zip(model._base_manager.order_by("pk"), model._base_manager.order_by("pk").values(),
                            strict=True)]
        for model in apps.get_models() if model._meta.app_label not in ("contenttypes", "sessions")
        and model._meta.label != "auth.Permission"}


def files_under(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def installation(world, var_dir, settings) -> Path:
    """The test world plus a real snapshot, its key and a report file on disk."""
    workspace = Workspace(settings.WORKSPACE_DIR)
    workspace.key()
    workspace.store().write("survey", pl.DataFrame({"respondent": ["p1", "p2"], "score": [3, 5]}), None,
                            source={"name": "upload.csv", "sha256": "0" * 64, "size": 10, "format": "csv"},
                            rows={"read": 2, "imported": 2, "quarantined": 0}, columns=[], mapping={},
                            mapping_sha256="0" * 64, key_version=workspace.key_version())
    report = Path(settings.VAR_DIR) / "reports" / "1" / "1" / "1" / "report.html"
    report.parent.mkdir(parents=True)
    report.write_text("<h1>Rapport</h1>", encoding="utf-8")
    # the append-only audit trail goes back too (restore inserts; flush empties it: TRUNCATE / DELETE)
    audit.record(None, AuditEvent.Action.DATASET_VIEW, world.dataset, user=world.user(Role.RESEARCHER, "own"))
    return Path(settings.VAR_DIR)


def snapshot_of_installation(var: Path) -> tuple[dict[str, list[dict]], dict[str, str]]:
    return database_rows(), files_under(var / "workspace") | files_under(var / "reports")


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_an_empty_installation_gives_identical_data(installation, tmp_path) -> None:
    before = snapshot_of_installation(installation)
    archive = tmp_path / "backup.tar.gz"
    manifest = create_backup(archive)
    assert archive.stat().st_mode & 0o777 == 0o600
    assert manifest["rows"]["organisations.organisation"] == 3

    call_command("flush", interactive=False, verbosity=0)
    for area in ("workspace", "reports"):
        for path in sorted((installation / area).rglob("*"), reverse=True):
            path.chmod(0o700) if path.is_dir() else path.unlink()
    assert not Organisation.objects.exists()

    restore_backup(archive)
    assert snapshot_of_installation(installation) == before
    # the id sequences continue after the restored rows (PostgreSQL would repeat an id otherwise)
    Organisation.objects.create(name="Nieuw na herstel", kind="other")
    Programme.objects.create(name="Nieuw programma", lead=Organisation.objects.get(name="Welzijn Test"))


@pytest.mark.django_db(transaction=True)
def test_a_backup_written_before_the_app_split_restores(installation, tmp_path) -> None:
    """Before the web package became one app per domain, its archives named the models by their old apps."""
    archive = tmp_path / "backup.tar.gz"
    create_backup(archive)
    before = snapshot_of_installation(installation)
    old_label = {new: old for old, new in MOVED_MODELS.items()}
    old = tmp_path / "old.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(old, "w:gz") as target:
        members = {member.name: (member, source.extractfile(member).read()) for member in source.getmembers()}
        rows = json.loads(members["database.json"][1])
        for row in rows:
            row["model"] = old_label.get(row["model"], row["model"])
            if row["model"] == "contenttypes.contenttype":
                label = old_label.get(f"{row['fields']['app_label']}.{row['fields']['model']}")
                row["fields"]["app_label"] = label.split(".")[0] if label else row["fields"]["app_label"]
        assert sum(row["model"].startswith("impactlab_web.programme") for row in rows) > 0
        dump = json.dumps(rows).encode("utf-8")
        manifest = json.loads(members["manifest.json"][1])
        manifest["database_sha256"] = hashlib.sha256(dump).hexdigest()
        members["database.json"] = (members["database.json"][0], dump)
        members["manifest.json"] = (members["manifest.json"][0], json.dumps(manifest).encode("utf-8"))
        for member, data in members.values():
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    call_command("flush", interactive=False, verbosity=0)
    restore_backup(old, replace=True)
    assert snapshot_of_installation(installation) == before


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_with_data_unless_replace(installation, tmp_path) -> None:
    archive = tmp_path / "backup.tar.gz"
    create_backup(archive)
    before = snapshot_of_installation(installation)
    with pytest.raises(BackupError, match="holds data already"):
        restore_backup(archive)
    Organisation.objects.create(name="Na de backup", kind="other")
    restore_backup(archive, replace=True)
    assert snapshot_of_installation(installation) == before
    assert not Organisation.objects.filter(name="Na de backup").exists()


@pytest.mark.django_db(transaction=True)
def test_a_damaged_archive_restores_nothing(installation, tmp_path) -> None:
    archive = tmp_path / "backup.tar.gz"
    create_backup(archive)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.endswith(".parquet"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.addfile(member, io.BytesIO(data))
    before = snapshot_of_installation(installation)
    Organisation.objects.create(name="Blijft staan", kind="other")
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(damaged, replace=True)
    assert Organisation.objects.filter(name="Blijft staan").exists()
    assert snapshot_of_installation(installation)[1] == before[1]


@pytest.mark.django_db(transaction=True)
def test_restore_rejects_what_is_not_a_backup(tmp_path, var_dir) -> None:
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_bytes(b"not a tar file")
    with pytest.raises(CommandError, match="cannot be read as a backup"):
        call_command("restore", str(bogus))
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(bogus))


# ------------------------------------------------------------------------------------------------ setup
@pytest.mark.django_db
def test_setup_creates_the_first_organisation_and_its_administrator(monkeypatch) -> None:
    monkeypatch.setenv("IMPACTLAB_ADMIN_PASSWORD", "Ki8-lamp-veld-92x")
    out = io.StringIO()
    call_command("setup", "--no-input", "--organisation", "Welzijn Noord", "--kind", "welfare", "--username",
                 "beheer", "--email", "beheer@welzijn-noord.nl", "--name", "Anna de Vries", "--language", "nl",
                 stdout=out)
    user = User.objects.get(username="beheer")
    assert user.check_password("Ki8-lamp-veld-92x") and (user.first_name, user.last_name) == ("Anna", "de Vries")
    assert user.profile.language == "nl" and not user.is_superuser
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.organisation.name) == (Role.ADMINISTRATOR, "Welzijn Noord")
    login = Client().post("/accounts/login/", {"username": "beheer", "password": "Ki8-lamp-veld-92x"})
    assert login.status_code == 302  # through the login page (django-axes needs the request)
    with pytest.raises(CommandError, match="set up already"):
        call_command("setup", "--no-input", "--organisation", "Tweede", "--username", "x", "--email", "x@y.nl")


@pytest.mark.django_db
def test_setup_names_every_problem_and_creates_nothing(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("IMPACTLAB_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError) as problem:
        call_command("setup", "--no-input", "--email", "not-an-address")
    for part in ("--organisation", "--username", "valid e-mail"):
        assert part in str(problem.value)
    with pytest.raises(CommandError, match="password-file"):
        call_command("setup", "--no-input", "--organisation", "A", "--kind", "other", "--username", "a",
                     "--email", "a@b.nl", "--language", "en")
    weak = tmp_path / "password"
    weak.write_text("12345678\n")
    with pytest.raises(CommandError, match="password"):
        call_command("setup", "--no-input", "--organisation", "A", "--kind", "other", "--username", "a",
                     "--email", "a@b.nl", "--language", "en", "--password-file", str(weak))
    assert not Organisation.objects.exists() and not User.objects.exists()


# ------------------------------------------------------------------------------------------------ health
@pytest.mark.django_db
def test_health_answers_anonymous_callers_without_naming_anything(client, var_dir) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "storage": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_fails_when_the_snapshot_folder_is_not_writable(client, settings, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.WORKSPACE_DIR = blocker / "workspace"
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["storage"] == "failing" and response.json()["database"] == "ok"

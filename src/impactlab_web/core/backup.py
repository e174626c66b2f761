"""Backup and restore of an installation: the database, the dataset snapshots, the pseudonymisation key and
the report files, in one archive whose every file is checked against a manifest on restore.

The archive is a gzipped tar with `manifest.json` (format, versions, applied migrations, rows per model and
the sha256 of every file), `database.json` (Django's serialisation: every row with its own id, content types and
permissions by natural key, so it loads into an empty SQLite or PostgreSQL database alike) and
`files/<area>/...`. The database is read inside one transaction (REPEATABLE READ on PostgreSQL; SQLite's
transaction is a snapshot already), so the dump is consistent while the app keeps running.
Snapshots are immutable files, so copying them afterwards is safe.

The archive holds the pseudonymisation key and personal data: it is written with mode 0600 and must be kept
as carefully as the database itself. Raw uploads that are still waiting for import are left out on purpose
(they hold direct identifiers and live only until their import ends).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from impactlab import __version__
from impactlab.evidence.workspace import Workspace

FORMAT = "impactlab-backup"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the user."""


@dataclass(frozen=True)
class Area:
    """A folder of files that belongs in a backup, and where it goes back on restore."""

    name: str
    path: Path


def areas() -> list[Area]:
    """The folders a backup holds: the snapshots and the report files (the key is handled on its own)."""
    workspace = Workspace(settings.WORKSPACE_DIR)
    return [
        Area("datasets", workspace.root / "datasets"),
        Area("reports", Path(settings.VAR_DIR) / "reports"),
    ]


def key_path() -> Path:
    return Workspace(settings.WORKSPACE_DIR).key_file


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds; a backup keeps them to the microsecond."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | time):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def _models_to_back_up() -> list:
    app_models = [(config, None) for config in apps.get_app_configs()]
    excluded = {"contenttypes", "sessions"}
    return [model for model in serializers.sort_dependencies(app_models, allow_cycles=True)
            if model._meta.app_label not in excluded and model._meta.label_lower != "auth.permission"
            and not model._meta.proxy and model._meta.managed]


def serialise_database() -> bytes:
    """All application rows as JSON (ids kept, content types and permissions by natural key), read as one
    consistent snapshot of the database."""
    buffer = io.StringIO()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        rows = itertools.chain.from_iterable(
            model._base_manager.order_by(model._meta.pk.name).iterator() for model in _models_to_back_up())
        serializers.serialize("json", rows, use_natural_foreign_keys=True, cls=_ExactEncoder, stream=buffer)
    return buffer.getvalue().encode("utf-8")


def row_counts(dump: bytes) -> dict[str, int]:
    """Rows per model in a database dump."""
    counts: dict[str, int] = {}
    for row in json.loads(dump):
        counts[row["model"]] = counts.get(row["model"], 0) + 1
    return dict(sorted(counts.items()))


def applied_migrations() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _files(area: Area) -> Iterator[tuple[str, Path]]:
    if not area.path.is_dir():
        return
    for path in sorted(area.path.rglob("*")):
        if path.is_file() and not path.name.startswith(".tmp-"):
            yield f"files/{area.name}/{path.relative_to(area.path).as_posix()}", path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, mode: int = 0o600) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def create_backup(target: Path) -> dict[str, Any]:
    """Write a backup archive to `target` (never overwriting a file); returns its manifest."""
    target = Path(target)
    if target.exists():
        raise BackupError(_("%(path)s exists already: a backup never overwrites a file.") % {"path": target})
    dump = serialise_database()
    files: dict[str, dict[str, Any]] = {}
    key = key_path()
    partial = target.with_name(f".{target.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            _add_bytes(archive, "database.json", dump)
            for area in areas():
                for name, path in _files(area):
                    files[name] = {"sha256": _sha256_file(path), "size": path.stat().st_size,
                                   "mode": path.stat().st_mode & 0o777}
                    archive.add(path, arcname=name, recursive=False)
            if key.is_file():
                files["files/keys/pseudonym.key"] = {"sha256": _sha256_file(key), "size": key.stat().st_size,
                                                     "mode": 0o600}
                archive.add(key, arcname="files/keys/pseudonym.key", recursive=False)
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION, "created": datetime.now(UTC).isoformat(),
                "impactlab_version": __version__, "database_vendor": connection.vendor,
                "migrations": applied_migrations(), "database_sha256": sha256(dump), "rows": row_counts(dump),
                "files": files,
            }
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode("utf-8"))
        partial.rename(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


# ------------------------------------------------------------------------------------------------ restore
def read_manifest(archive: tarfile.TarFile, source: Path) -> dict[str, Any]:
    try:
        member = archive.extractfile("manifest.json")
        manifest = json.loads(member.read()) if member else None
    except (KeyError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("%(path)s is not an impactlab backup (no manifest).") % {"path": source})
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise BackupError(_("%(path)s was written by a newer impactlab; upgrade first.") % {"path": source})
    return manifest


def database_is_empty() -> bool:
    """True when no application rows exist yet (a freshly migrated database)."""
    from django.contrib.auth.models import User

    from impactlab_web.organisations.models import Organisation

    return not User.objects.exists() and not Organisation.objects.exists()


def _verified(archive: tarfile.TarFile, name: str, expected: dict[str, Any], source: Path) -> bytes:
    member = archive.getmember(name) if name in archive.getnames() else None
    handle = archive.extractfile(member) if member is not None and member.isfile() else None
    if handle is None:
        raise BackupError(_("%(path)s: %(file)s is missing from the archive.") % {"path": source, "file": name})
    data = handle.read()
    if sha256(data) != expected["sha256"]:
        raise BackupError(_("%(path)s: %(file)s is damaged (its checksum differs from the manifest).")
                          % {"path": source, "file": name})
    return data


# Models that moved to another app when the web package was split into one app per domain (2026-12): a backup
# written before names them by their old label. {old label: new label}
MOVED_MODELS = {
    **{f"impactlab_web.{model}": f"organisations.{model}" for model in ("organisation", "profile", "membership")},
    **{f"impactlab_web.{model}": f"programmes.{model}" for model in ("programme", "impactmodelversion", "partnership")},
    **{f"impactlab_web.{model}": f"data.{model}" for model in ("datasetrecord", "datasharingagreement")},
    "dashboards.upload": "data.upload",
}


def current_labels(dump: bytes) -> bytes:
    """A database dump with the models (and content types by natural key) of today's apps."""
    rows = json.loads(dump)
    natural = {tuple(old.split(".")): new.split(".") for old, new in MOVED_MODELS.items()}
    for row in rows:
        row["model"] = MOVED_MODELS.get(row["model"], row["model"])
        fields = row["fields"]
        if row["model"] == "contenttypes.contenttype" and (fields["app_label"], fields["model"]) in natural:
            fields["app_label"] = natural[fields["app_label"], fields["model"]][0]
        for name, value in row["fields"].items():
            if isinstance(value, list) and tuple(value) in natural:
                row["fields"][name] = natural[tuple(value)]
    return json.dumps(rows).encode("utf-8")


def restore_backup(source: Path, replace: bool = False) -> dict[str, Any]:
    """Restore an archive into this installation (migrated already); all or nothing.

    Refuses a database that holds data unless `replace` is set (then its rows are removed first, in the same
    transaction), and refuses to change an existing, different pseudonymisation key.
    """
    source = Path(source)
    try:
        archive = tarfile.open(source, mode="r:gz")  # noqa: SIM115 (closed by the `with` below)
    except (OSError, tarfile.TarError) as error:
        raise BackupError(_("%(path)s cannot be read as a backup (%(reason)s).")
                          % {"path": source, "reason": error}) from None
    with archive:
        manifest = read_manifest(archive, source)
        missing = sorted(set(manifest["migrations"]) - set(applied_migrations()))
        if missing:
            raise BackupError(_("%(path)s needs database migrations this installation lacks: %(names)s. Install "
                                "the impactlab version that wrote it (%(version)s) or newer.")
                              % {"path": source, "names": ", ".join(missing[:5]),
                                 "version": manifest["impactlab_version"]})
        if not replace and not database_is_empty():
            raise BackupError(_("the database holds data already: restore into an empty installation, or give "
                                "--replace to remove what is there."))
        dump = _verified(archive, "database.json", {"sha256": manifest["database_sha256"]}, source)
        key_entry = manifest["files"].get("files/keys/pseudonym.key")
        key_data = _verified(archive, "files/keys/pseudonym.key", key_entry, source) if key_entry else None
        key = key_path()
        if key_data is not None and key.is_file() and key.read_bytes() != key_data and not replace:
            raise BackupError(_("%(key)s holds another pseudonymisation key; the backup's snapshots need their "
                                "own. Move it away or give --replace.") % {"key": key})
        with tempfile.TemporaryDirectory(dir=_staging_parent()) as staging:
            staged = _stage_files(archive, manifest, source, Path(staging))
            with _swapped_in(staged, replace, Path(staging)), transaction.atomic():
                if replace:
                    call_command("flush", interactive=False, verbosity=0)
                for obj in serializers.deserialize("json", current_labels(dump), handle_forward_references=True):
                    obj.save()
                _reset_sequences()
            if key_data is not None:
                _write_key(key, key_data)
    return manifest


def _staging_parent() -> Path:
    parent = Path(settings.VAR_DIR)
    parent.mkdir(parents=True, exist_ok=True)
    return parent


def _stage_files(archive: tarfile.TarFile, manifest: dict[str, Any], source: Path,
                 staging: Path) -> dict[str, Path]:
    """Extract every listed file under `staging`, each checked against its checksum; area name -> folder."""
    targets = {area.name: area.path for area in areas()}
    staged: dict[str, Path] = {}
    for name, entry in manifest["files"].items():
        parts = name.split("/")
        if len(parts) < 3 or parts[0] != "files" or ".." in parts or parts[1] == "keys":
            continue
        if parts[1] not in targets:
            raise BackupError(_("%(path)s: unknown part %(file)s.") % {"path": source, "file": name})
        data = _verified(archive, name, entry, source)
        path = staging / parts[1] / Path(*parts[2:])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(entry.get("mode", 0o600) & 0o777)
        staged[parts[1]] = staging / parts[1]
    return {area: folder for area, folder in staged.items()}


@contextlib.contextmanager
def _swapped_in(staged: dict[str, Path], replace: bool, staging: Path) -> Iterator[None]:
    """Put the staged folders in place; if the block fails, put back what was there before."""
    targets = {area.name: area.path for area in areas()}
    for area in staged:
        target = targets[area]
        if target.exists() and any(p.is_file() for p in target.rglob("*")) and not replace:
            raise BackupError(_("%(path)s is not empty: restore into an empty installation, or give --replace.")
                              % {"path": target})
    moved: list[tuple[Path, Path | None]] = []
    try:
        for area, folder in staged.items():
            target = targets[area]
            previous = None
            if target.exists():
                previous = staging / f"previous-{area}"
                target.rename(previous)
            target.parent.mkdir(parents=True, exist_ok=True)
            folder.rename(target)
            moved.append((target, previous))
        yield
    except BaseException:
        for target, previous in reversed(moved):
            _remove_tree(target)
            if previous is not None:
                previous.rename(target)
        raise


def _remove_tree(path: Path) -> None:
    for child in [path, *path.rglob("*")]:
        if child.is_dir():
            child.chmod(0o700)
    shutil.rmtree(path)


def _write_key(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_name(f".{path.name}.restore")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    tmp.replace(path)


def _reset_sequences() -> None:
    """After rows were saved with their own ids, PostgreSQL's id sequences must continue after them."""
    models = [model for model in apps.get_models() if model._meta.managed]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


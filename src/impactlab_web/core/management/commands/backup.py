"""`manage.py backup FILE`: the database, snapshots, pseudonymisation key and reports in one archive."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from impactlab_web.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = ("Write a backup archive (database, dataset snapshots, pseudonymisation key, report files). It holds "
            "personal data and the key: keep it as safe as the database.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="the archive to write (default: impactlab-backup-<time>.tar.gz)")

    def handle(self, *args, file: str | None = None, **options) -> None:
        target = Path(file or f"impactlab-backup-{datetime.now():%Y%m%d-%H%M%S}.tar.gz")
        try:
            manifest = create_backup(target)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["rows"].values())
        self.stdout.write(self.style.SUCCESS(
            f"Backup written to {target}: {rows:,} database rows, {len(manifest['files']):,} files."))

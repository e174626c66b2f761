"""`manage.py restore FILE [--replace]`: bring back a backup written by `manage.py backup`."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from impactlab_web.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = ("Restore a backup archive into this installation: into an empty one, or with --replace over the "
            "data that is there. Every file is checked against the archive's manifest; all or nothing.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the archive written by `manage.py backup`")
        parser.add_argument("--replace", action="store_true",
                            help="remove this installation's data and files before restoring")

    def handle(self, *args, file: str, replace: bool = False, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        try:
            manifest = restore_backup(Path(file), replace=replace)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["rows"].values())
        self.stdout.write(self.style.SUCCESS(
            f"Restored {file} (written {manifest['created']}): {rows:,} database rows, "
            f"{len(manifest['files']):,} files."))

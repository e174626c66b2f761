"""`manage.py seed_demo`: build the demo workspace (idempotent) and print the demo logins."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from impactlab_web.core import demo


class Command(BaseCommand):
    help = "Create the demo organisations, programme, impact model, datasets and users (safe to run again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quiet", action="store_true", help="do not print the logins")

    def handle(self, *args, quiet: bool = False, **options) -> None:
        say = (lambda _: None) if quiet else self.stdout.write
        programme = demo.seed(say)
        if quiet:
            return
        self.stdout.write(self.style.SUCCESS(f"Demo programme: {programme.name} (id {programme.pk})"))
        self.stdout.write(f"Demo logins (password for all: {demo.PASSWORD}):")
        for user in demo.USERS:
            where = user.organisation or f"programme {programme.name}"
            self.stdout.write(f"  {user.username:<13} {user.role.label:<22} {where}")

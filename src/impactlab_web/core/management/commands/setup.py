"""`manage.py setup`: the first run of a new installation, creating its first organisation and administrator.

Interactive by default; with `--no-input` every answer comes from the options (the password from
`--password-file` or the IMPACTLAB_ADMIN_PASSWORD environment variable). Refuses to run twice.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from impactlab_web.organisations.models import Membership, Organisation, Profile, Role

KINDS = [kind.value for kind in Organisation.Kind]
LANGUAGES = [code for code, _ in settings.LANGUAGES]


class Command(BaseCommand):
    help = "First run: migrate the database and create the installation's first organisation and its administrator."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--organisation", help="the organisation's name")
        parser.add_argument("--kind", choices=KINDS, help="welfare, municipality, university or other")
        parser.add_argument("--username", help="the administrator's login name")
        parser.add_argument("--email", help="the administrator's e-mail address")
        parser.add_argument("--name", default="", help="the administrator's full name")
        parser.add_argument("--language", choices=LANGUAGES, help="the administrator's language (nl or en)")
        parser.add_argument("--password-file", help="a file holding the password (else IMPACTLAB_ADMIN_PASSWORD)")
        parser.add_argument("--superuser", action="store_true",
                            help="also make the administrator a superuser of the installation (Django admin)")
        parser.add_argument("--no-input", action="store_true", help="ask nothing; every answer from the options")

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if Organisation.objects.exists():
            raise CommandError("This installation has been set up already: administrators invite people and "
                               "organisations in the app.")
        ask = (lambda *_: None) if options["no_input"] else self._ask
        organisation = options["organisation"] or ask("Organisation name")
        kind = options["kind"] or ask(f"Kind of organisation ({', '.join(KINDS)})", "welfare")
        username = options["username"] or ask("Administrator's login name", "admin")
        email = options["email"] or ask("Administrator's e-mail address")
        language = options["language"] or ask("Language (nl or en)", "nl")
        name = options["name"] or ask("Administrator's full name (optional)", "") or ""
        problems = _problems(organisation, kind, username, email, language)
        if problems:
            raise CommandError("; ".join(problems))
        password = self._password(options, User(username=username, email=email))
        first, _, last = name.partition(" ")
        with transaction.atomic():
            org = Organisation.objects.create(name=organisation.strip(), kind=kind)
            user = User.objects.create_user(username, email=email, password=password, first_name=first,
                                            last_name=last, is_staff=options["superuser"],
                                            is_superuser=options["superuser"])
            Profile.objects.create(user=user, language=language)
            Membership.objects.create(user=user, role=Role.ADMINISTRATOR, organisation=org)
        self.stdout.write(self.style.SUCCESS(
            f"Created {org.name} ({org.get_kind_display()}) with administrator {username} <{email}>. "
            "Log in and invite your colleagues."))

    def _ask(self, question: str, default: str | None = None) -> str | None:
        suffix = f" [{default}]" if default else ""
        answer = input(f"{question}{suffix}: ").strip()
        return answer or default

    def _password(self, options: dict, user: User) -> str:
        if options["password_file"]:
            try:
                password = Path(options["password_file"]).read_text(encoding="utf-8").strip()
            except OSError as error:
                raise CommandError(
                    f"{options['password_file']}: cannot read the password ({error.strerror}).") from None
        elif os.environ.get("IMPACTLAB_ADMIN_PASSWORD"):
            password = os.environ["IMPACTLAB_ADMIN_PASSWORD"]
        elif options["no_input"]:
            raise CommandError("give --password-file or set IMPACTLAB_ADMIN_PASSWORD with --no-input.")
        else:
            while True:
                password = getpass.getpass("Password: ")
                if password != getpass.getpass("Password again: "):
                    self.stderr.write("The two passwords differ; again.")
                    continue
                try:
                    validate_password(password, user)
                    break
                except ValidationError as error:
                    self.stderr.write(" ".join(error.messages))
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError("password: " + " ".join(error.messages)) from None
        return password


def _problems(organisation: str | None, kind: str | None, username: str | None, email: str | None,
              language: str | None) -> list[str]:
    problems = []
    if not organisation or not organisation.strip():
        problems.append("an organisation name is needed (--organisation)")
    elif Organisation.objects.filter(name=organisation.strip()).exists():
        problems.append(f"an organisation named {organisation!r} exists already")
    if kind not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}")
    if not username:
        problems.append("a login name is needed (--username)")
    elif User.objects.filter(username=username).exists():
        problems.append(f"the login name {username!r} is taken")
    try:
        validate_email(email or "")
    except ValidationError:
        problems.append("a valid e-mail address is needed (--email)")
    if language not in LANGUAGES:
        problems.append(f"language must be one of {', '.join(LANGUAGES)}")
    return problems

"""Limits on every input and safe outputs: formula injection in exports, oversized and hostile uploads, rate limits,
fail-closed settings, no-store caching and private file modes."""

from __future__ import annotations

import csv
import http.client
import io
import os
import re
import secrets
import subprocess
import sys
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from docx import Document as WordDocument
from openpyxl import Workbook

from impactlab.exports import FORMULA_TRIGGERS
from impactlab_web.fieldwork.models import Questionnaire, Wave
from impactlab_web.fieldwork.testing import DOCUMENT
from impactlab_web.jobs.runner import run_pending
from impactlab_web.organisations.models import Role
from tests_web.conftest import World, make_user
from tests_web.test_dashboards import upload as upload_data


def p(world: World) -> str:
    return f"/programmes/{world.programme.pk}"


# ------------------------------------------------------------------------------------ formula injection
def test_links_csv_never_starts_a_formula(client, world: World) -> None:
    questionnaire = Questionnaire.objects.create(programme=world.programme, document=DOCUMENT)
    wave = Wave.objects.create(questionnaire=questionnaire, name="=cmd|' /C calc'!A0")
    client.force_login(world.user(Role.RESEARCHER, "own"))
    made = client.post(f"{p(world)}/questionnaires/{questionnaire.pk}/waves/{wave.pk}/links/",
                       {"kind": "personal", "count": "2"})
    assert made.status_code == 200 and made["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(made.content.decode())))
    assert len(rows) == 3
    assert [row[1] for row in rows[1:]] == ["'" + wave.name] * 2
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_TRIGGERS)]


# ------------------------------------------------------------------------------- oversized and hostile input
def _bomb_docx() -> bytes:
    word = WordDocument()
    word.add_paragraph("Interview.")
    plain = io.BytesIO()
    word.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b"<w:p><w:r><w:t>bla</w:t></w:r></w:p>" * 500_000)
            target.writestr(info.filename, data)
    return out.getvalue()


def _wide_xlsx(columns: int) -> bytes:
    book = Workbook()
    book.active.append([f"c{i}" for i in range(columns)])
    book.active.append(list(range(columns)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_docx_bomb_upload_is_a_message_in_the_users_language(world: World) -> None:
    user = world.user(Role.RESEARCHER, "own")
    client = Client()
    client.force_login(user)
    upload = io.BytesIO(_bomb_docx())
    upload.name = "verhaal.docx"
    response = client.post(f"{p(world)}/qualitative/upload/", {"file": upload, "group": "residents"})
    assert response.status_code == 302  # the file is read in a job; its message is shown on the upload page
    run_pending()
    assert "D-001.docx: the part word/document.xml (17 MB) is more than the limit of 16 MB." in \
        client.get(response["Location"]).content.decode()
    user.profile.language = "nl"
    user.profile.save()
    upload.seek(0)
    dutch = client.post(f"{p(world)}/qualitative/upload/", {"file": upload, "group": "residents"})
    assert dutch.status_code == 302
    run_pending()
    assert "D-001.docx: het onderdeel word/document.xml (17 MB) is meer dan de grens van 16 MB." in \
        client.get(dutch["Location"]).content.decode()


def _upload_wide(world: World, columns: int):
    client = Client()
    client.force_login(world.user(Role.ADMINISTRATOR, "own"))
    return client, upload_data(client, world, Path("breed.xlsx"), content=_wide_xlsx(columns))


def test_a_data_file_with_too_many_columns_is_a_message(world: World, var_dir) -> None:
    client, response = _upload_wide(world, 1_200)
    page = client.get(response["Location"]).content.decode()  # the file is read in a job; its page tells
    assert "the number of columns (1,001 or more) is more than the limit of 1,000" in page


def test_a_mapping_form_for_a_thousand_columns_is_accepted(world: World, var_dir) -> None:
    """A file at the column limit: its mapping form has one field per column and posts without TooManyFieldsSent."""
    client, made = _upload_wide(world, 1_000)
    assert made.status_code == 302
    page = client.get(made["Location"])
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    assert len(data) > 1_000
    posted = client.post(made["Location"], data)
    assert posted.status_code == 422  # no respondent id chosen: the form's own message, not an error page
    assert "respondent id" in posted.content.decode()


def test_too_many_fields_is_a_clear_message_not_an_error_page(world: World, settings) -> None:
    client = Client()
    client.force_login(world.user(Role.ADMINISTRATOR, "own"))
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(f"{p(world)}/model/check/", fields)
    assert response.status_code == 400
    assert "The form sends more than 2,500 fields; this is more than the limit of 2,500." in response.content.decode()
    user = world.user(Role.ADMINISTRATOR, "own")
    user.profile.language = "nl"
    user.profile.save()
    dutch = client.post(f"{p(world)}/model/check/", fields)
    assert dutch.status_code == 400 and "dat is meer dan de grens van 2,500" in dutch.content.decode()


def test_an_xlsform_with_a_doctype_is_a_message(world: World, tmp_path) -> None:
    book = Workbook()
    book.active.title = "survey"
    book.active.append(["type", "name", "label"])
    book.active.append(["text", "q1", "Vraag"])
    book.save(tmp_path / "form.xlsx")
    hostile = io.BytesIO()
    with zipfile.ZipFile(tmp_path / "form.xlsx") as source, zipfile.ZipFile(hostile, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "lol">]>' + data
            out.writestr(info, data)
    client = Client()
    client.force_login(world.user(Role.RESEARCHER, "own"))
    response = client.post(f"{p(world)}/questionnaires/import/",
                           {"file": SimpleUploadedFile("formulier.xlsx", hostile.getvalue())})
    assert response.status_code == 422
    assert "formulier.xlsx: not a readable .xlsx workbook" in response.content.decode()


def test_yaml_nested_a_thousand_levels_is_a_message(world: World) -> None:
    deep = "impactlab: 1\nprogramme:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(1_000)) + "    end: 1\n"
    client = Client()
    client.force_login(world.user(Role.ADMINISTRATOR, "own"))
    checked = client.post(f"{p(world)}/model/check/", {"text": deep})
    assert checked.status_code == 200
    if "Checking the model" in checked.content.decode():  # a large text is checked in a job: follow it
        run_pending()
        checked = client.get(re.search(r'hx-get="([^"]+)"', checked.content.decode()).group(1))
    assert "the nesting depth is more than the limit of 50" in checked.content.decode()
    saved = client.post(f"{p(world)}/model/save/", {"text": deep, "message": "deep"})
    assert saved.status_code == 422 and "the nesting depth is more than the limit of 50" in saved.content.decode()
    questionnaire = client.post(f"{p(world)}/questionnaires/import/", {
        "file": SimpleUploadedFile("diep.xlsx", b"PK\x03\x04 not a zip")})
    assert questionnaire.status_code == 422


# ------------------------------------------------------------------------------------- settings fail closed
ROOT = Path(__file__).resolve().parents[1]
SERVER_ONLY = ("PYTEST_VERSION", "IMPACTLAB_DEVELOPMENT", "DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY",
               "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")


def _server(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """A process as a server starts it: none of the test run's or make run's development variables."""
    clean = {k: v for k, v in os.environ.items() if k not in SERVER_ONLY} | {"IMPACTLAB_VAR": str(tmp_path)} | env
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


PROBE = ("import sys, importlib; module = importlib.import_module(sys.argv[1]); from django.conf import settings; "
         "from django.test import Client, override_settings; "
         "plain = {**settings.STORAGES, 'staticfiles': {'BACKEND': "
         "'django.contrib.staticfiles.storage.StaticFilesStorage'}}; "  # no collectstatic manifest in a test
         "response = override_settings(STORAGES=plain)(lambda: Client().get('/no-such-page/', secure=True))(); "
         "print(settings.SETTINGS_MODULE, settings.DEBUG, response.status_code, "
         "'URLconf' in response.content.decode())")


def test_a_server_without_secrets_refuses_to_start(tmp_path: Path) -> None:
    for entry in (["manage.py", "check"], ["-c", PROBE, "impactlab_web.wsgi"], ["-c", PROBE, "impactlab_web.asgi"]):
        result = _server(entry, tmp_path)
        assert result.returncode != 0
        for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"):
            assert name in result.stderr, (entry, result.stderr[-2000:])
        assert "impactlab refuses to start" in result.stderr
    published = _server(["manage.py", "check"], tmp_path, DJANGO_SECRET_KEY="dev-only-insecure-key-change-me-in-"
                        "production-0123456789", DJANGO_ALLOWED_HOSTS="impact.example.org",
                        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert published.returncode != 0 and "DJANGO_SECRET_KEY must be a secret random value" in published.stderr


def test_servers_default_to_production_settings_without_debug(tmp_path: Path) -> None:
    env = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "DJANGO_ALLOWED_HOSTS": "testserver",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    for module in ("impactlab_web.wsgi", "impactlab_web.asgi"):
        result = _server(["-c", PROBE, module], tmp_path, **env)
        assert result.returncode == 0, result.stderr[-2000:]
        # production settings, no DEBUG, and an anonymous 404 that does not list the URL configuration
        assert result.stdout.split() == ["impactlab_web.settings.production", "False", "404", "False"]
    check = _server(["manage.py", "check"], tmp_path, **env)
    assert check.returncode == 0 and "no issues" in check.stdout


def test_development_asks_for_debug_and_gets_a_random_key(tmp_path: Path) -> None:
    probe = ("from django.conf import settings; import django; django.setup(); "
             "print(settings.DEBUG, len(settings.SECRET_KEY), 'dev-only' in settings.SECRET_KEY)")
    result = _server(["-c", probe], tmp_path, IMPACTLAB_DEVELOPMENT="1",
                     DJANGO_SETTINGS_MODULE="impactlab_web.settings")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True", "86", "False"]
    key = ROOT / "var" / "dev-secret-key"
    assert key.stat().st_mode & 0o777 == 0o600


# --------------------------------------------------------------------------- login throttling under a burst
def _burst(live_server, bodies: list[dict[str, str]]) -> list[int]:
    """POST every body to the login page at once (one thread and connection each); the status codes."""
    address = urlsplit(live_server.url)
    first = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    first.request("GET", "/accounts/login/")
    page = first.getresponse()
    cookie = next(c.split(";")[0] for c in page.headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
    start = threading.Barrier(len(bodies))
    connections = []
    for _ in bodies:  # connected one by one first (the test server's listen queue is short), then all at once
        connections.append(http.client.HTTPConnection(address.hostname, address.port, timeout=120))
        connections[-1].connect()

    def attempt(job: tuple[http.client.HTTPConnection, dict[str, str]]) -> int:
        connection, body = job
        data = urlencode({**body, "csrfmiddlewaretoken": token})
        start.wait()
        connection.request("POST", "/accounts/login/", data, {
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "Referer": live_server.url})
        return connection.getresponse().status

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(attempt, zip(connections, bodies, strict=True)))


def test_a_parallel_burst_gets_exactly_the_allowed_guesses(live_server, transactional_db, settings) -> None:
    """The review's burst of 50 got 24 guesses through; now the count is exact per account and per address."""
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 5
    make_user("burst-target")
    statuses = _burst(live_server, [{"username": "burst-target", "password": f"guess-{i}"} for i in range(50)])
    assert statuses.count(200) == 4 and statuses.count(429) == 46  # 4 wrong, the 5th locks, the rest refused
    right = _burst(live_server, [{"username": "burst-target", "password": "correct-horse-battery"}])
    assert right == [429]  # locked: even the right password is not checked until the cool-off ends

    AccessAttempt.objects.all().delete()
    statuses = _burst(live_server, [{"username": f"someone-{i}", "password": "x"} for i in range(50)])
    assert statuses.count(200) == 4 and statuses.count(429) == 46  # one address, many accounts


# -------------------------------------------------------------------------- no-store and private files
def test_pages_and_downloads_are_not_stored(client, world: World) -> None:
    client.force_login(world.user(Role.RESEARCHER, "own"))
    questionnaire = Questionnaire.objects.create(programme=world.programme, document=DOCUMENT)
    wave = Wave.objects.create(questionnaire=questionnaire, name="T0")
    pages = [client.get(f"{p(world)}/"), client.get("/accounts/login/"),
             client.post(f"{p(world)}/questionnaires/{questionnaire.pk}/waves/{wave.pk}/links/",
                         {"kind": "personal", "count": "1"})]
    assert pages[2]["Content-Type"].startswith("text/csv")
    for response in pages:
        assert "no-store" in response["Cache-Control"].split(", ")


def test_the_database_and_uploads_are_owner_only(world: World, var_dir: Path) -> None:
    from django.conf import settings as django_settings
    from django.db import connection

    if connection.vendor == "sqlite":
        database = Path(connection.settings_dict["NAME"])
        assert database.stat().st_mode & 0o777 == 0o600
    _upload_wide(world, 3)
    uploads = Path(django_settings.VAR_DIR) / "uploads"
    files = list(uploads.rglob("*"))
    assert files
    for path in files:
        assert path.stat().st_mode & 0o777 == (0o700 if path.is_dir() else 0o600), path
    assert uploads.stat().st_mode & 0o077 == 0

"""Security settings: check --deploy, headers, CSP, throttled logins, audit trail, data sharing."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.utils import timezone

from impactlab_web.core import permissions
from impactlab_web.core.models import AuditEvent
from impactlab_web.data.models import DataSharingAgreement
from tests_web.conftest import World

ROOT = Path(__file__).resolve().parents[1]


def test_check_deploy_is_clean_with_production_settings() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the browser tests set it
    env |= {"DJANGO_SECRET_KEY": secrets.token_urlsafe(60), "DJANGO_ALLOWED_HOSTS": "impact.example.org",
            "DATABASE_URL": "postgres://impactlab@/impactlab"}  # production refuses to start without one
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING",
         "--settings", "impactlab_web.settings.production"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_security_headers(client, world: World) -> None:
    response = client.get("/accounts/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_argon2_is_the_first_hasher() -> None:
    from impactlab_web import settings

    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_csrf_is_enforced(world: World) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("administrator", "own"))
    assert client.post(f"/programmes/{world.programme.pk}/model/save/", {"text": "x"}).status_code == 403


def login(client, username: str, password: str = "correct-horse-battery") -> int:
    return client.post("/accounts/login/", {"username": username, "password": password}).status_code


def test_login_is_throttled(client, world: World, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert login(client, "administrator-own", "wrong") == 200
    assert login(client, "administrator-own", "wrong") == 429  # the third guess is counted and locks the account
    locked = client.post("/accounts/login/", {"username": "administrator-own", "password": "correct-horse-battery"})
    assert locked.status_code == 429 and "Too many failed attempts" in locked.content.decode()
    elsewhere = {"REMOTE_ADDR": "10.0.0.9"}  # the account is locked from every address
    assert client.post("/accounts/login/", {"username": "administrator-own", "password": "correct-horse-battery"},
                       **elsewhere).status_code == 429
    # this address is locked too (per address), but another account from another address logs in
    assert login(client, "researcher-own") == 429
    other = client.post("/accounts/login/", {"username": "researcher-own", "password": "correct-horse-battery"},
                        **elsewhere)
    assert other.status_code == 302


def test_successful_login_resets_the_count(client, world: World, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    client.post("/accounts/login/", {"username": "viewer-own", "password": "wrong"})
    assert login(client, "viewer-own") == 302
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": "viewer-own", "password": "wrong"})
    assert login(client, "viewer-own") == 302


def test_viewing_a_dataset_is_audited(client, world: World) -> None:
    user = world.user("researcher", "own")
    client.force_login(user)
    assert client.get(f"/programmes/{world.programme.pk}/data/{world.dataset.pk}/").status_code == 200
    event = AuditEvent.objects.get()
    assert (event.user, event.action, event.object_id) == (user, "dataset.view", world.dataset.snapshot_id)


def test_sharing_agreement_opens_and_withdrawal_closes(client, world: World, shared: DataSharingAgreement) -> None:
    researcher = world.user("researcher", "partner")
    professional = world.user("professional", "partner")
    assert permissions.can(researcher, "dataset.view", world.dataset)
    assert not permissions.can(professional, "dataset.view", world.dataset)
    client.force_login(researcher)
    page = client.get(f"/programmes/{world.programme.pk}/data/").content.decode()
    assert world.dataset.snapshot_id[:12] in page
    shared.withdrawn_at = timezone.now()
    shared.save()
    assert not permissions.can(researcher, "dataset.view", world.dataset)
    assert client.get(f"/programmes/{world.programme.pk}/data/{world.dataset.pk}/").status_code == 404
    shared.withdrawn_at, shared.valid_until = None, dt.date.today() - dt.timedelta(days=1)
    shared.save()
    assert not permissions.can(researcher, "dataset.view", world.dataset)

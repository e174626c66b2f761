"""The right to erasure over fieldwork: a respondent's questionnaire answers, drafts and support registrations go in
the same transaction as their snapshot rows, and their personal wave link stops working. Found by the pasted
personal wave link (its respondent key is what an export pseudonymises) or by the id/client code.

Runs on SQLite and on PostgreSQL (DATABASE_URL); see PROTOCOL.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from impactlab.errors import UserError
from impactlab.evidence.erasure import pseudonym_of
from impactlab.evidence.workspace import Workspace
from impactlab.fieldwork.tokens import verify_token
from impactlab_web.core.models import AuditEvent
from impactlab_web.data import datalife
from impactlab_web.data.models import DatasetRecord
from impactlab_web.fieldwork import service
from impactlab_web.fieldwork.models import Draft, Questionnaire, Registration, Response, RevokedLink, Wave
from impactlab_web.organisations.models import Role
from tests_web.conftest import World

DOCUMENT = {"id": "kort", "title": {"nl": "Kort", "en": "Short"}, "items": [
    {"id": "alone", "type": "single_choice", "required": True, "text": {"nl": "Woont u alleen?", "en": "Alone?"},
     "choices": [{"code": 1, "label": {"nl": "ja", "en": "yes"}}, {"code": 2, "label": {"nl": "nee", "en": "no"}}]}]}


@pytest.fixture
def fieldwork(world: World, var_dir: Path) -> dict:
    """Three respondents answered T0 through personal links (exported to a snapshot); the first began T1 too."""
    questionnaire = Questionnaire.objects.create(programme=world.programme, document=DOCUMENT)
    t0 = Wave.objects.create(questionnaire=questionnaire, name="T0")
    t1 = Wave.objects.create(questionnaire=questionnaire, name="T1")
    links = [service.link_for(t0, respondent=f"key{n}AbC") for n in range(3)]
    keys = [verify_token(link, service.secret()).respondent for link in links]
    for number, key in enumerate(keys):
        assert service.submit(t0, key, {"alone": str(1 + number % 2)}).response is not None
    service.save_draft(t1, keys[0], {"alone": "2"})
    researcher = world.user(Role.RESEARCHER, "own")
    _info, record = service.export_responses(questionnaire, None, researcher, Workspace(settings.WORKSPACE_DIR))
    return {"questionnaire": questionnaire, "t0": t0, "t1": t1, "links": links, "keys": keys, "record": record}


def _admin(world: World) -> Client:
    client = Client()
    client.force_login(world.user(Role.ADMINISTRATOR, "own"))
    return client


def test_a_pasted_wave_link_erases_answers_draft_snapshot_rows_and_stops_the_link(
        world: World, fieldwork: dict, django_capture_on_commit_callbacks) -> None:
    key, other = fieldwork["keys"][0], fieldwork["keys"][1]
    code = pseudonym_of(key, Workspace(settings.WORKSPACE_DIR).key())
    url = reverse("data:erasure", kwargs={"programme": world.programme.pk})
    admin = _admin(world)
    link = f"https://impactlab.example/v/{fieldwork['links'][0]}"
    found = admin.post(url, {"identifier": link})
    page = found.content.decode()
    assert found.status_code == 200 and 'data-testid="erasure-confirm"' in page
    assert 'data-testid="erasure-fieldwork"' in page and key not in page
    search = found.context["search"]
    assert (search.fieldwork.responses, search.fieldwork.drafts, search.fieldwork.registrations) == (1, 1, 0)
    assert [m.rows for m in search.matches] == [1] and search.pseudonym == code

    token = found.context["confirm"]["token"].value()
    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(url, {"token": token, "confirm": "on"})
    assert done.status_code == 200 and 'data-testid="receipt"' in done.content.decode()
    receipt = done.context["receipt"]
    assert (receipt.rows, receipt.fieldwork.responses, receipt.fieldwork.drafts) == (1, 1, 1)
    assert receipt.fieldwork.links == 2  # T0 and T1

    assert not Response.objects.filter(respondent_key=key).exists()
    assert not Draft.objects.filter(respondent_key=key).exists()
    assert Response.objects.filter(respondent_key=other).exists()  # only that respondent
    assert set(RevokedLink.objects.filter(link_id=key).values_list("wave__name", flat=True)) == {"T0", "T1"}
    with pytest.raises(service.LinkProblem):  # the link cannot bring them back
        service.resolve(fieldwork["links"][0])
    service.resolve(fieldwork["links"][1])  # the others' links still work
    record = DatasetRecord.objects.get(pk=fieldwork["record"].pk)
    store = Workspace(settings.WORKSPACE_DIR).store()
    assert code not in store.read(record.snapshot_id)["respondent"].to_list()
    # a new export no longer puts the respondent back into a snapshot
    info, _record = service.export_responses(fieldwork["questionnaire"], None, world.user(Role.RESEARCHER, "own"),
                                             Workspace(settings.WORKSPACE_DIR))
    assert code not in store.read(info.snapshot_id)["respondent"].to_list() and info.rows.imported == 2

    event = AuditEvent.objects.get(action=AuditEvent.Action.RESPONDENT_ERASE)
    detail = json.loads(event.detail)
    assert (detail["responses"], detail["drafts"], detail["links_revoked"]) == (1, 1, 2)
    assert key not in json.dumps(list(AuditEvent.objects.values()), default=str)
    again = admin.post(url, {"identifier": link})
    assert 'data-testid="erasure-none"' in again.content.decode()


def test_answers_not_exported_yet_and_registrations_are_erased_by_key_or_client_code(
        world: World, fieldwork: dict) -> None:
    admin = world.user(Role.ADMINISTRATOR, "own")
    key = fieldwork["keys"][2]
    Response.objects.filter(respondent_key=fieldwork["keys"][1]).delete()
    DatasetRecord.objects.all().delete()  # nothing in a snapshot: the answers alone are enough to erase
    search = datalife.find_respondent(admin, world.programme, key)  # the key as typed, not the whole link
    assert not search.matches and search.found and search.fieldwork.responses == 1
    receipt = datalife.erase_respondent(admin, world.programme, search.pseudonym)
    assert receipt.fieldwork.responses == 1 and not Response.objects.filter(respondent_key=key).exists()

    for day in (1, 2):
        Registration.objects.create(programme=world.programme, recorded_by=world.user(Role.PROFESSIONAL, "own"),
                                    date=dt.date(2025, 3, day), client="C-0042", support="formal", kind="practical",
                                    hours=1)
    kept = Registration.objects.create(programme=world.programme, recorded_by=world.user(Role.PROFESSIONAL, "own"),
                                       date=dt.date(2025, 3, 1), client="C-0043", support="formal", kind="social",
                                       hours=1)
    _info, exported, _frame = service.export_registrations(world.programme, world.user(Role.RESEARCHER, "own"),
                                                           Workspace(settings.WORKSPACE_DIR))
    search = datalife.find_respondent(admin, world.programme, " c-0042 ")  # normalised like an import
    assert search.fieldwork.registrations == 2 and [m.rows for m in search.matches] == [2]
    receipt = datalife.erase_respondent(admin, world.programme, search.pseudonym)
    assert list(Registration.objects.filter(programme=world.programme)) == [kept]
    exported.refresh_from_db()  # the registrations snapshot was rewritten without that client's rows
    assert receipt.rows == 2 and exported.n == 1
    with pytest.raises(UserError):
        datalife.erase_respondent(admin, world.programme, search.pseudonym)


def test_an_id_that_matches_nothing_suggests_the_wave_link(world: World, fieldwork: dict) -> None:
    url = reverse("data:erasure", kwargs={"programme": world.programme.pk})
    page = _admin(world).post(url, {"identifier": "12345"}).content.decode()
    assert 'data-testid="erasure-none"' in page and "personal link" in page

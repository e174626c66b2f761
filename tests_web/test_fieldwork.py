"""Fieldwork in the web app: builder, XLSForm import, wave links, the public pages (validation, skip logic,
save-and-resume, idempotent submission), responses to snapshots, registrations, balance, feed the model."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import polars as pl
import pytest
from django.db import connection
from django.test import Client
from openpyxl import Workbook

from impactlab.evidence.workspace import Workspace
from impactlab.fieldwork.tokens import make_token, new_respondent_key
from impactlab_web.data.models import DatasetRecord
from impactlab_web.fieldwork import service
from impactlab_web.fieldwork.models import Draft, Questionnaire, Registration, Response, Wave
from impactlab_web.fieldwork.testing import DOCUMENT
from impactlab_web.jobs import runner
from impactlab_web.organisations.models import Role
from tests_web.conftest import World

DJG = {"lone3": "1", "lone4": "2", "lone7": "3", "lone8": "1", "lone9": "2", "lone10": "3"}


@pytest.fixture
def wave(world: World) -> Wave:
    questionnaire = Questionnaire.objects.create(programme=world.programme, document=DOCUMENT)
    return Wave.objects.create(questionnaire=questionnaire, name="T0")


def url(token: str, lang: str = "en") -> str:
    return f"/r/{token}/?lang={lang}"


def p(world: World) -> str:
    return f"/programmes/{world.programme.pk}"


# ------------------------------------------------------------------------------------------ builder
def test_build_a_questionnaire_from_an_instrument_and_own_questions(client, world: World) -> None:
    client.force_login(world.user(Role.RESEARCHER, "own"))
    response = client.post(f"{p(world)}/questionnaires/new/",
                           {"slug": "welzijn", "title_nl": "Welzijn", "title_en": "Wellbeing", "instrument": "djg-6"})
    assert response.status_code == 302
    item = Questionnaire.objects.get(programme=world.programme)
    assert [w.name for w in item.waves.all()] == ["T0"]
    base = f"{p(world)}/questionnaires/{item.pk}"
    added = client.post(f"{base}/questions/", {
        "id": "alone", "type": "single_choice", "text_nl": "Woont u alleen?", "text_en": "Alone?",
        "required": "on", "choices": "1=ja|yes\n2=nee|no"})
    assert added.status_code == 302
    follow = client.post(f"{base}/questions/", {
        "id": "housemates", "type": "integer", "text_nl": "Met hoeveel?", "min": "1", "max": "20",
        "show_if": "alone == 2"})
    assert follow.status_code == 302
    item.refresh_from_db()
    core = item.core
    assert [q.id for q in core.questions][-2:] == ["alone", "housemates"]
    assert core.question("alone").codes == [1, 2] and core.question("housemates").show_if == "alone == 2"
    bad = client.post(f"{base}/questions/", {"id": "later", "type": "integer", "text_nl": "x",
                                             "show_if": "nothing_here == 1"})
    assert bad.status_code == 422 and "is not an earlier question" in bad.content.decode()
    clash = client.post(f"{base}/instruments/", {"instrument": "djg-6", "required": "on"})
    assert clash.status_code == 422 and "more than once" in clash.content.decode()
    removed = client.post(f"{base}/remove/", {"item": "0"})
    assert removed.status_code == 302
    item.refresh_from_db()
    assert "lone3" not in [q.id for q in item.core.questions]
    assert client.get(f"{base}/document.yaml").content.decode().startswith("id: welzijn")


def test_questions_are_locked_once_there_are_responses(client, world: World, wave: Wave) -> None:
    Response.objects.create(questionnaire=wave.questionnaire, wave=wave, respondent_key="k", answers={})
    client.force_login(world.user(Role.ADMINISTRATOR, "own"))
    response = client.post(f"{p(world)}/questionnaires/{wave.questionnaire.pk}/remove/", {"item": "0"})
    assert response.status_code == 422 and "can no longer change" in response.content.decode()


def xlsform(path: Path, survey: list[list[object]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    rows = {"survey": [["type", "name", "label::Nederlands (nl)", "label::English (en)", "required", "relevant"],
                       *survey],
            "choices": [["list_name", "name", "label::Nederlands (nl)", "label::English (en)"],
                        ["yesno", 1, "ja", "yes"], ["yesno", 2, "nee", "no"]],
            "settings": [["form_title", "form_id"], ["Thuis", "thuis"]]}
    for name, content in rows.items():
        sheet = book.create_sheet(name)
        for row in content:
            sheet.append(row)
    book.save(path)
    return path


def test_xlsform_import_good_and_malformed(client, world: World, tmp_path: Path) -> None:
    client.force_login(world.user(Role.RESEARCHER, "own"))
    good = xlsform(tmp_path / "thuis.xlsx", [
        ["select_one yesno", "alone", "Alleen?", "Alone?", "yes"],
        ["integer", "housemates", "Hoeveel?", "How many?", "yes", "${alone} = 2"]])
    with good.open("rb") as handle:
        response = client.post(f"{p(world)}/questionnaires/import/", {"file": handle})
    assert response.status_code == 302
    item = Questionnaire.objects.get(programme=world.programme)
    assert item.slug == "thuis" and item.core.question("housemates").show_if == "alone == 2"
    bad = xlsform(tmp_path / "kapot.xlsx", [["select_one yesno", "alone", "Alleen?"], ["geopoint", "where", "Waar?"]])
    with bad.open("rb") as handle:
        response = client.post(f"{p(world)}/questionnaires/import/", {"file": handle})
    page = response.content.decode()
    assert response.status_code == 422
    assert "kapot.xlsx" in page and "sheet &#x27;survey&#x27;, row 3, column &#x27;type&#x27;" in page
    assert str(tmp_path) not in page  # the server's temporary path is not shown
    not_a_workbook = tmp_path / "leeg.xlsx"
    not_a_workbook.write_bytes(b"this is not a zip")
    with not_a_workbook.open("rb") as handle:
        assert client.post(f"{p(world)}/questionnaires/import/", {"file": handle}).status_code == 422
    assert Questionnaire.objects.filter(programme=world.programme).count() == 1


def test_an_imported_xlsform_default_fills_a_blank_form(client, world: World, tmp_path: Path) -> None:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    for row in (["type", "name", "label::English (en)", "default"], ["integer", "people", "How many?", 2],
                ["text", "town", "Town?", "Utrecht"]):
        survey.append(row)
    book.save(tmp_path / "defaults.xlsx")
    client.force_login(world.user(Role.RESEARCHER, "own"))
    with (tmp_path / "defaults.xlsx").open("rb") as handle:
        assert client.post(f"{p(world)}/questionnaires/import/", {"file": handle}).status_code == 302
    item = Questionnaire.objects.get(programme=world.programme)
    wave = item.waves.first() or Wave.objects.create(questionnaire=item, name="T0")
    page = client.get(url(service.link_for(wave))).content.decode()
    assert 'value="2"' in page and '>Utrecht</textarea>' in page


# ------------------------------------------------------------------------------------------ links
def test_valid_forged_and_expired_links(client, wave: Wave) -> None:
    token = service.link_for(wave)
    dutch = client.get(url(token, "nl")).content.decode()
    assert "Woont u alleen" in dutch and "Antwoorden versturen" in dutch and 'lang="nl"' in dutch
    assert "Alone?" in client.get(url(token)).content.decode()
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.post(url(forged), {"alone": "1", **DJG})
    assert response.status_code == 400 and "not valid" in response.content.decode()
    other = make_token(b"x" * 32, wave.questionnaire.public_id, "T0")
    assert client.get(url(other)).status_code == 400
    expired = make_token(service.secret(), wave.questionnaire.public_id, "T0",
                         now=dt.datetime.now(dt.UTC) - dt.timedelta(days=200))
    response = client.post(url(expired, "nl"), {"alone": "1", **DJG})
    assert response.status_code == 410 and "verlopen" in response.content.decode()
    assert Response.objects.count() == 0 and Draft.objects.count() == 0
    wave.closed = True
    wave.save()
    assert client.get(url(token)).status_code == 410


def test_anonymous_link_gives_each_visitor_a_personal_link(client, wave: Wave) -> None:
    anonymous = service.link_for(wave, anonymous=True)
    first, second = client.get(url(anonymous)), client.get(url(anonymous))
    assert first.status_code == second.status_code == 302 and first["Location"] != second["Location"]
    assert client.post(first["Location"], {"alone": "1", **DJG}).status_code == 302
    assert Response.objects.count() == 1


def test_next_wave_links_keep_the_respondent_key(client, world: World, wave: Wave) -> None:
    t1 = Wave.objects.create(questionnaire=wave.questionnaire, name="T1")
    client.force_login(world.user(Role.RESEARCHER, "own"))
    base = f"{p(world)}/questionnaires/{wave.questionnaire.pk}/waves"
    made = client.post(f"{base}/{wave.pk}/links/", {"kind": "personal", "count": "3"})
    rows = made.content.decode().splitlines()
    assert made["Content-Type"].startswith("text/csv") and len(rows) == 4
    first = rows[1].split(",")[2]
    follow = client.post(f"{base}/{t1.pk}/links/", {"kind": "next", "earlier": first})
    t1_link = follow.content.decode().splitlines()[1].split(",")[2]
    key_t0 = service.resolve(first.rstrip("/").rsplit("/", 1)[-1])[0].respondent
    link, found = service.resolve(t1_link.rstrip("/").rsplit("/", 1)[-1])
    assert found == t1 and link.respondent == key_t0


# ------------------------------------------------------------------------------- answering the form
def _links_page(world: World, wave: Wave) -> str:
    return f"{p(world)}/questionnaires/{wave.questionnaire.pk}/waves/{wave.pk}"


def test_a_revoked_link_answers_410_takes_no_answers_and_makes_no_follow_up(client, world: World,
                                                                           wave: Wave) -> None:
    from impactlab_web.core.models import AuditEvent

    kept, revoked = service.link_for(wave), service.link_for(wave)
    assert client.post(url(revoked), {"alone": "1", "action": "save"}).status_code == 200  # a draft
    team = Client()
    team.force_login(world.user(Role.RESEARCHER, "own"))
    base = _links_page(world, wave)
    answer = team.post(f"{base}/revoke/", {"links": f"http://testserver{url(revoked)}\n"})
    assert answer.status_code == 302
    assert Draft.objects.count() == 0  # whoever found the link may have typed it: it goes
    event = AuditEvent.objects.get(action="links.revoke")
    assert event.object_type == "wave" and event.object_id == str(wave.pk) and '"links": 1' in event.detail
    for lang, words in (("en", "withdrawn"), ("nl", "ingetrokken")):
        page = client.get(url(revoked, lang))
        assert page.status_code == 410 and words in page.content.decode()
    assert client.post(url(revoked), {"alone": "1", **DJG}).status_code == 410
    assert Response.objects.count() == 0
    assert client.get(url(kept)).status_code == 200  # one by one: the other link still works
    t1 = Wave.objects.create(questionnaire=wave.questionnaire, name="T1")
    follow = team.post(f"{_links_page(world, t1)}/links/", {"kind": "next", "earlier": url(revoked)})
    assert follow.status_code == 422 and "revoked" in follow.content.decode()
    assert team.post(f"{base}/visit/", {"earlier": revoked}).status_code == 422  # nor during a visit
    # a link of another wave, or no link: nothing revoked, a message
    other = team.post(f"{base}/revoke/", {"links": service.link_for(t1)})
    assert other.status_code == 422 and "not a link of wave T0" in other.content.decode()
    assert team.post(f"{base}/revoke/", {"links": kept}).status_code == 302
    assert client.get(url(kept)).status_code == 410
    professional = Client()
    professional.force_login(world.user(Role.PROFESSIONAL, "own"))
    assert professional.post(f"{base}/revoke/", {"links": kept}).status_code == 403


def test_revoking_an_anonymous_link_stops_the_links_it_handed_out(client, world: World, wave: Wave) -> None:
    anonymous = service.link_for(wave, anonymous=True)
    handed_out = client.get(url(anonymous))["Location"]
    assert client.get(handed_out).status_code == 200
    team = Client()
    team.force_login(world.user(Role.ADMINISTRATOR, "own"))
    assert team.post(f"{_links_page(world, wave)}/revoke/", {"links": anonymous}).status_code == 302
    assert client.get(url(anonymous)).status_code == 410
    page = client.post(handed_out, {"alone": "1", **DJG})
    assert page.status_code == 410 and "withdrawn" in page.content.decode()
    assert Response.objects.count() == 0


def test_a_closed_wave_answers_410_and_can_be_opened_again(client, world: World, wave: Wave) -> None:
    from impactlab_web.core.models import AuditEvent

    token = service.link_for(wave)
    team = Client()
    team.force_login(world.user(Role.RESEARCHER, "own"))
    base = _links_page(world, wave)
    assert team.post(f"{base}/close/").status_code == 302
    wave.refresh_from_db()
    assert wave.closed and AuditEvent.objects.filter(action="wave.close", object_id=str(wave.pk)).exists()
    page = client.post(url(token, "nl"), {"alone": "1", **DJG})
    assert page.status_code == 410 and "gesloten" in page.content.decode()
    assert Response.objects.count() == 0
    assert "Open T0 again" in team.get(f"{p(world)}/questionnaires/{wave.questionnaire.pk}/").content.decode()
    assert team.post(f"{base}/close/", {"open": "1"}).status_code == 302
    assert AuditEvent.objects.filter(action="wave.reopen").exists()
    assert client.post(url(token), {"alone": "1", **DJG}).status_code == 302
    assert Response.objects.count() == 1
    viewer = Client()
    viewer.force_login(world.user(Role.PROFESSIONAL, "own"))
    assert viewer.post(f"{base}/close/").status_code == 403


def test_validation_messages_and_skip_logic_through_the_page(client, wave: Wave) -> None:
    token = service.link_for(wave)
    response = client.post(url(token), {"alone": "2", "lone3": "1"})
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="e-housemates"' in page and "this question needs an answer" in page
    assert 'aria-describedby="e-housemates"' in page and 'href="#a-housemates"' in page
    dutch = client.post(url(token, "nl"), {"alone": "2", "housemates": "99", **DJG})
    assert dutch.status_code == 422 and "valt buiten het bereik" in dutch.content.decode()
    assert Response.objects.count() == 0
    # living alone: the housemates question is skipped, and a stale answer to it is dropped
    done = client.post(url(token), {"alone": "1", "housemates": "3", **DJG})
    assert done.status_code == 302
    stored = Response.objects.get()
    assert "housemates" not in stored.answers and stored.answers["alone"] == 1
    assert "Thank you" in client.get(url(token)).content.decode()


def test_skip_logic_shows_the_follow_up_question_on_refresh(client, wave: Wave) -> None:
    token = service.link_for(wave)
    assert 'id="a-housemates"' not in client.get(url(token)).content.decode()
    fragment = client.post(url(token), {"alone": "2", "action": "refresh"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and 'id="a-housemates"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_save_and_resume(client, wave: Wave) -> None:
    token = service.link_for(wave)
    saved = client.post(url(token), {"alone": "2", "housemates": "2", "lone3": "3", "action": "save"})
    assert saved.status_code == 200 and "Open this same link again" in saved.content.decode()
    assert Response.objects.count() == 0 and Draft.objects.count() == 1
    page = Client().get(url(token)).content.decode()  # another device, the same link
    assert "Welcome back" in page and 'value="2"' in page
    assert 'id="a-lone3-2" value="3" checked' in page
    assert client.post(url(token), {"alone": "2", "housemates": "2", **DJG}).status_code == 302
    assert Draft.objects.count() == 0 and Response.objects.count() == 1


def test_a_repeated_submit_is_stored_once(client, wave: Wave) -> None:
    token = service.link_for(wave)
    answers = {"alone": "1", **DJG}
    assert [client.post(url(token), answers).status_code for _ in range(3)] == [302, 302, 302]
    assert Client().post(url(token), {"alone": "2", "housemates": "4", **DJG}).status_code == 302
    assert Response.objects.count() == 1 and Response.objects.get().answers["alone"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_are_stored_once(world: World) -> None:
    questionnaire = Questionnaire.objects.create(programme=world.programme, document=DOCUMENT)
    wave = Wave.objects.create(questionnaire=questionnaire, name="T0")
    statuses: list[int] = []
    for _ in range(5):
        token = service.link_for(wave)
        barrier = threading.Barrier(2)

        def post(token: str = token, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            statuses.append(Client().post(url(token), {"alone": "1", **DJG}).status_code)
            connection.close()

        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [302] * 10
    assert Response.objects.filter(wave=wave).count() == 5


def test_a_professional_fills_it_in_during_a_visit(client, world: World, wave: Wave) -> None:
    client.force_login(world.user(Role.PROFESSIONAL, "own"))
    base = f"{p(world)}/questionnaires/{wave.questionnaire.pk}/waves/{wave.pk}"
    started = client.post(f"{base}/visit/", {})
    assert started.status_code == 302 and "/visit/" in started["Location"]
    assert client.post(started["Location"], {"alone": "1", **DJG}).status_code == 302
    assert Response.objects.get().channel == "visit"
    other = Client()
    other.force_login(world.user(Role.PROFESSIONAL, "foreign"))
    assert other.get(started["Location"]).status_code == 404


def test_too_many_posts_on_one_link_are_refused(client, wave: Wave, settings) -> None:
    settings.FIELDWORK_RATE_LIMITS = {"post_per_link": 2}
    token = service.link_for(wave)
    codes = [client.post(url(token), {"alone": "1", "action": "save"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# ------------------------------------------------------------------------------------------ snapshots
def test_responses_become_a_pseudonymised_scored_snapshot(client, world: World, wave: Wave, var_dir) -> None:
    keys = [new_respondent_key() for _ in range(3)]
    for number, key in enumerate(keys):
        remarks = {"remarks": "bel me op 0612345678 of mail jan@example.org"} if number == 0 else {}
        token = service.link_for(wave, respondent=key)
        document = dict(DOCUMENT, items=[*DOCUMENT["items"], {"id": "remarks", "type": "text",
                                                               "text": {"nl": "Opmerkingen"}}])
        if number == 0:
            wave.questionnaire.document = document
            wave.questionnaire.save()
        assert client.post(url(token), {"alone": "1", **DJG, **remarks}).status_code == 302
    client.force_login(world.user(Role.RESEARCHER, "own"))
    base = f"{p(world)}/questionnaires/{wave.questionnaire.pk}/waves/{wave.pk}"
    assert client.post(f"{base}/export/").status_code == 302
    runner.run_pending()
    record = DatasetRecord.objects.get(name=f"p{world.programme.pk}-welzijn")
    assert record.n == 3 and record.owner == world.own
    store = Workspace(var_dir / "workspace").store()
    info = store.get(record.snapshot_id)
    frame = store.read(record.snapshot_id)
    assert frame.columns[:2] == ["respondent", "wave"] and "djg-6" in frame.columns
    assert frame["djg-6"].to_list() == [3.0, 3.0, 3.0] or frame["djg-6"].null_count() == 0
    assert info.mapping["instrument"] == "djg-6" and info.key_version
    raw = (store.path(info)).read_bytes()
    assert not any(key.encode() in raw for key in keys)
    assert set(frame["respondent"].to_list()).isdisjoint(keys)
    assert b"0612345678" not in raw and b"jan@example.org" not in raw
    assert "[telefoon]" in frame["remarks"][0]
    # the same responses again: the same snapshot, no second record
    assert client.post(f"{base}/export/").status_code == 302
    runner.run_pending()
    assert DatasetRecord.objects.filter(name=f"p{world.programme.pk}-welzijn").count() == 1


# --------------------------------------------------------------------------------------- registrations
def entry(**changes: object) -> dict[str, object]:
    return {"date": "2025-03-03", "client": "C-123", "support": "informal", "kind": "social", "hours": "1,5",
            "contacts": "", "team": "Noord", "neighbourhood": "Blerick", "provider": "VR-7"} | changes


def test_registration_entry_and_validation(client, world: World) -> None:
    client.force_login(world.user(Role.PROFESSIONAL, "own"))
    base = f"{p(world)}/registrations/"
    assert client.post(base, entry(hours="1.5")).status_code == 302
    saved = Registration.objects.get()
    assert (saved.client, float(saved.hours), saved.recorded_by) == ("C-123", 1.5,
                                                                     world.user(Role.PROFESSIONAL, "own"))
    for bad, message in [(entry(client="Jan Jansen"), "never a name"), (entry(client="123456782"), "BSN"),
                         (entry(date=(dt.date.today() + dt.timedelta(days=2)).isoformat()), "future"),
                         (entry(hours="30"), "between 0 and 24"), (entry(hours="", contacts=""), "hours, the number"),
                         (entry(support="sometimes"), "valid choice")]:
        response = client.post(base, bad)
        page = response.content.decode()
        assert response.status_code == 422 and message in page, message
        assert 'aria-invalid="true"' in page and "_error" in page
    assert Registration.objects.count() == 1


def test_one_sees_and_changes_only_own_registrations(client, world: World) -> None:
    mine, theirs = world.user(Role.PROFESSIONAL, "own"), world.user(Role.ADMINISTRATOR, "own")
    own = Registration.objects.create(programme=world.programme, recorded_by=mine, date=dt.date(2025, 3, 1),
                                      client="C-1", support="formal", kind="practical", hours=2)
    other = Registration.objects.create(programme=world.programme, recorded_by=theirs, date=dt.date(2025, 3, 1),
                                        client="C-999", support="formal", kind="practical", hours=2)
    client.force_login(mine)
    page = client.get(f"{p(world)}/registrations/").content.decode()
    assert "C-1<" in page and "C-999" not in page
    assert client.get(f"{p(world)}/registrations/{other.pk}/").status_code == 404
    assert client.post(f"{p(world)}/registrations/{other.pk}/delete/").status_code == 404
    assert client.post(f"{p(world)}/registrations/{own.pk}/", entry(client="C-2")).status_code == 302
    own.refresh_from_db()
    assert own.client == "C-2"
    assert client.post(f"{p(world)}/registrations/{own.pk}/delete/").status_code == 302
    assert list(Registration.objects.all()) == [other]


def _many(world: World, clients: int, user=None, team: str = "Noord") -> None:
    user = user or world.user(Role.PROFESSIONAL, "own")
    Registration.objects.bulk_create([
        Registration(programme=world.programme, recorded_by=user, date=dt.date(2025, 3, 1 + c % 20),
                     client=f"C-{team}{c}", support="informal" if c % 2 else "formal", kind="social", hours=1,
                     contacts=1, team=team, provider=f"V-{c % 3}" if c % 2 else "")
        for c in range(clients)])


def test_balance_with_disclosure_control(client, world: World) -> None:
    for team in ("Noord", "West", "Oost"):
        _many(world, 12, team=team)
    _many(world, 4, team="Zuid")
    client.force_login(world.user(Role.VIEWER, "own"))
    response = client.get(f"{p(world)}/registrations/balance/?by=team&period=month")
    page = response.content.decode()
    assert response.status_code == 200
    assert "fewer than 10 clients" in page  # Zuid: 4 clients (and one more group: secondary suppression)
    assert "50%" in page and '<td class="num">12</td><td class="num">3</td>' in page  # 12 clients, 3 volunteers
    # a professional sees the balance of their own caseload only
    professional = world.user(Role.PROFESSIONAL, "partner")
    _many(world, 3, user=professional, team="Eigen")
    client.force_login(professional)
    page = client.get(f"{p(world)}/registrations/balance/").content.decode()
    assert "own caseload" in page and "Noord" not in page


def test_feed_the_model(client, world: World, var_dir) -> None:
    _many(world, 12)
    client.force_login(world.user(Role.RESEARCHER, "own"))
    form = client.get(f"{p(world)}/registrations/feed/")
    assert form.status_code == 200 and "volunteer_hour_minimum_wage" in form.content.decode()
    response = client.post(f"{p(world)}/registrations/feed/", {
        "stakeholder": "volunteers", "proxy": "volunteer_hour_minimum_wage", "activity": "support"})
    assert response.status_code == 302
    runner.run_pending()
    proposal = client.get(response["Location"])
    page = proposal.content.decode()
    record = DatasetRecord.objects.get(name=f"p{world.programme.pk}-registrations")
    assert record.snapshot_id[:12] in page and "informal_hours" in page
    raw = Workspace(var_dir / "workspace").store().path(
        Workspace(var_dir / "workspace").store().get(record.snapshot_id)).read_bytes()
    assert b"C-Noord1" not in raw
    before = world.programme.latest_version().number
    applied = client.post(response["Location"])
    assert applied.status_code == 302
    latest = world.programme.latest_version()
    assert latest.number == before + 1 and record.snapshot_id[:12] in latest.message
    inputs = {i["id"]: i for i in latest.document["inputs"]}
    assert inputs["informal_hours"]["quantity"] == 6.0 and inputs["informal_hours"]["proxy"] == \
        "volunteer_hour_minimum_wage"
    assert any(o["activity"] == "support" for o in latest.document["outputs"])
    assert record.snapshot_id[:12] in inputs["informal_hours"]["source"]


def test_demo_part_is_idempotent(db, var_dir) -> None:
    from impactlab_web.core.demo import DemoContext
    from impactlab_web.fieldwork import demo as fieldwork_demo
    from impactlab_web.organisations.models import Organisation
    from impactlab_web.programmes.models import Programme
    from tests_web.conftest import make_user

    organisation = Organisation.objects.create(name="Welzijn Demo")
    programme = Programme.objects.create(name="Demo", lead=organisation)
    users = {"researcher": make_user("r"), "professional": make_user("pr")}
    context = DemoContext(programme, programme, {}, users, Workspace(var_dir), var_dir, lambda _: None)
    fieldwork_demo.seed(context)
    counts = (Response.objects.count(), Registration.objects.count())
    fieldwork_demo.seed(context)
    assert (Response.objects.count(), Registration.objects.count()) == counts
    assert counts[0] == 68 and counts[1] > 300
    questionnaire = Questionnaire.objects.get()
    frame = service.export_responses(questionnaire, None, users["researcher"], Workspace(var_dir))[0]
    assert frame.rows.imported == 68
    assert pl.__version__


def test_a_registration_sent_twice_is_stored_once(client, world: World) -> None:
    """Issue 10: a double tap on "save" stored the registration twice. The form carries an idempotency key;
    the database refuses a second row with it (unique per recorder)."""
    from django.db import IntegrityError, transaction

    user = world.user(Role.PROFESSIONAL, "own")
    client.force_login(user)
    form = client.get(f"{p(world)}/registrations/").content.decode()
    key = form.split('name="submission" value="', 1)[1].split('"', 1)[0]
    data = {**entry(client="C-7"), "submission": key}
    assert client.post(f"{p(world)}/registrations/", data).status_code == 302
    assert client.post(f"{p(world)}/registrations/", data).status_code == 302
    assert Registration.objects.filter(client="C-7").count() == 1
    first = Registration.objects.get(client="C-7")
    twin = Registration(programme=world.programme, recorded_by=user, date=first.date, client="C-7",
                        support=first.support, kind=first.kind, hours=first.hours,
                        idempotency_key=first.idempotency_key)
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    other = {**entry(client="C-7"), "submission": "00000000-0000-4000-8000-000000000001"}
    assert client.post(f"{p(world)}/registrations/", other).status_code == 302
    assert Registration.objects.filter(client="C-7").count() == 2

"""The audit trail (issue 10): every view and export of personal data writes exactly one event, with the right
action, user, programme and organisation; the trail is append-only in the application and in the database; an
organisation's administrator reads (and exports) their own organisation's trail, nobody else does."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from impactlab_web.core import audit, audit_triggers
from impactlab_web.core.models import AuditEvent
from impactlab_web.core.models.audit import AppendOnly
from impactlab_web.fieldwork import testing as fieldwork_world
from impactlab_web.fieldwork.models import Registration
from impactlab_web.jobs.runner import run_pending
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.qualitative.testing import sample
from impactlab_web.review.models import ReportVersion
from tests_web import review_world
from tests_web.conftest import World, make_user
from tests_web.test_dashboards import survey_csv

Action = AuditEvent.Action


def _event(world: World, **extra) -> AuditEvent:
    return audit.record(None, Action.DATASET_VIEW, world.dataset, user=world.user(Role.RESEARCHER, "own"), **extra)


# ------------------------------------------------------------------------------------------- append-only
def test_an_event_cannot_be_changed_or_deleted_through_the_application(world: World) -> None:
    event = _event(world)
    assert (event.username, event.programme, event.programme_name, event.organisation, event.organisation_name,
            event.object_type, event.object_id) == ("researcher-own", world.programme, "Circles", world.own,
                                                    "Welzijn Test", "dataset", world.dataset.snapshot_id)
    event.detail = "changed"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(detail="changed")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.bulk_update([event], ["detail"])
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(None, "dataset.peek", world.dataset)
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.detail == ""


def test_the_database_refuses_a_raw_update(world: World) -> None:
    event = _event(world)
    assert audit_triggers.installed(connection, AuditEvent)
    for sql in ("UPDATE impactlab_web_auditevent SET detail = 'changed' WHERE id = %s",
                "UPDATE impactlab_web_auditevent SET username = 'someone-else' WHERE id = %s",
                "UPDATE impactlab_web_auditevent SET user_id = NULL, action = 'audit.view' WHERE id = %s",
                "UPDATE impactlab_web_auditevent SET organisation_id = %s WHERE id = %s"):
        params = [world.foreign.pk, event.pk] if sql.count("%s") == 2 else [event.pk]
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DELETE trigger is PostgreSQL's (see audit_triggers)")
def test_postgresql_refuses_a_raw_delete(world: World) -> None:
    event = _event(world)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM impactlab_web_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_migrate_puts_a_lost_trigger_back(world: World) -> None:
    """SQLite drops a table's triggers when a migration rebuilds it: every migrate installs it again."""
    from django.core.management import call_command

    audit_triggers.uninstall(connection, AuditEvent)
    assert not audit_triggers.installed(connection, AuditEvent)
    call_command("migrate", verbosity=0)
    assert audit_triggers.installed(connection, AuditEvent)


def test_deleting_a_user_or_organisation_keeps_their_events_by_name(world: World) -> None:
    person = make_user("leaving", Role.ADMINISTRATOR, world.own)
    departing = Organisation.objects.create(name="Opgeheven Stichting", kind="welfare")
    by_person = audit.record(None, Action.PEOPLE_REMOVE, world.own, user=person, detail={"person": 1})
    about_organisation = audit.record(None, Action.PEOPLE_INVITE, departing, user=person)
    person.delete()
    departing.delete()
    by_person, about_organisation = (AuditEvent.objects.get(pk=e.pk) for e in (by_person, about_organisation))
    assert (by_person.user, by_person.username) == (None, "leaving")
    assert (about_organisation.organisation, about_organisation.organisation_name) == (None, "Opgeheven Stichting")


# ------------------------------------------------------------------------------------------------ coverage
class Steps:
    """Requests one after another; each must write exactly one event, with the expected fields, and answer
    ``Cache-Control: no-store``."""

    def __init__(self, world: World, role: Role = Role.ADMINISTRATOR) -> None:
        self.world, self.user = world, world.user(role, "own")
        self.client = Client()
        self.client.force_login(self.user)
        self.seen: set[str] = set()

    def __call__(self, method: str, url: str, action: Action, data: dict | None = None, *, programme: bool = True,
                 client: Client | None = None, user: User | None = None):
        before = set(AuditEvent.objects.values_list("pk", flat=True))
        client = client or self.client
        response = client.get(url, data or {}) if method == "GET" else client.post(url, data or {})
        assert response.status_code in (200, 302), (url, response.status_code)
        assert "no-store" in response["Cache-Control"].split(", "), url  # no browser or proxy keeps a copy
        new = list(AuditEvent.objects.exclude(pk__in=before))
        assert [e.action for e in new] == [action], (url, [e.action for e in new])
        event = new[0]
        user = self.user if user is None else user
        assert (event.user, event.username) == ((user, user.username) if user.pk else (None, "")), url
        assert (event.organisation, event.organisation_name) == (self.world.own, self.world.own.name), url
        expected = (self.world.programme, self.world.programme.name) if programme else (None, "")
        assert (event.programme, event.programme_name) == expected, url
        assert event.ip == "127.0.0.1" and event.at <= timezone.now()
        self.seen.add(action)
        return response, event


def _form_data(client: Client, url: str, **changes) -> dict:
    form = client.get(url).context["form"]
    return {name: form[name].value() or "" for name in form.fields} | changes


def test_every_view_and_export_of_personal_data_writes_one_event(world: World, var_dir: Path,
                                                                 tmp_path: Path) -> None:
    step = Steps(world)
    p, own = world.programme.pk, world.own
    # data: upload, preview of the raw rows, import, its validation report, the dataset's page, sharing and
    # withdrawing it
    path = survey_csv(tmp_path)
    frame = pl.read_csv(path, infer_schema_length=0)  # one answer the validation reports: not a code of the scale
    frame.with_columns(pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("7")).otherwise(pl.col("lone2"))
                       .alias("lone2")).write_csv(path)
    response, event = step("POST", reverse("data:upload_new", kwargs={"programme": p}), Action.DATA_UPLOAD,
                           {"file": SimpleUploadedFile("Jansen-dossier.csv", path.read_bytes()), "owner": own.pk})
    run_pending()
    upload_url = response["Location"]
    step("GET", upload_url, Action.DATA_PREVIEW)
    data = _form_data(step.client, upload_url, missing_codes="-9", dataset="enquete")
    step("POST", upload_url, Action.DATA_IMPORT, data)
    run_pending()
    step("GET", upload_url, Action.DATA_REPORT)
    step("GET", reverse("data:upload_status", kwargs={"programme": p, "upload": upload_url.split("/")[-2]}),
         Action.DATA_REPORT)
    step("GET", reverse("data:detail", kwargs={"programme": p, "dataset": world.dataset.pk}), Action.DATASET_VIEW)
    _, shared = step("POST", reverse("data:agreement_new", kwargs={"programme": p, "dataset": world.dataset.pk}),
                     Action.DATASET_SHARE, {"partner": world.partner.pk, "purpose": "evaluatie mevrouw Jansen",
                                            "valid_until": (dt.date.today() + dt.timedelta(days=9)).isoformat()})
    agreement = world.dataset.agreements.get()
    step("POST", reverse("data:agreement_withdraw", kwargs={"programme": p, "agreement": agreement.pk}),
         Action.DATASET_WITHDRAW)
    # fieldwork: the personal link list, the response export, a visit with a client, the registrations (one's own
    # list and one entry) and their feed
    q, w = fieldwork_world.questionnaire(world), fieldwork_world.wave(world)
    links, _ = step("POST", reverse("fieldwork:links", kwargs={"programme": p, "questionnaire": q, "wave": w}),
                    Action.LINKS_EXPORT, {"kind": "personal", "count": 3})
    assert links["Content-Type"].startswith("text/csv")
    step("POST", reverse("fieldwork:export_wave", kwargs={"programme": p, "questionnaire": q, "wave": w}),
         Action.RESPONSES_EXPORT)
    visit = step.client.post(reverse("fieldwork:start_visit", kwargs={"programme": p, "questionnaire": q, "wave": w}))
    step("GET", visit["Location"], Action.VISIT_VIEW)
    entry = Registration.objects.create(programme=world.programme, recorded_by=step.user, date=dt.date.today(),
                                        client="CL-0001", support="formal", kind="advice", hours=1)
    step("GET", reverse("fieldwork:registrations", kwargs={"programme": p}), Action.REGISTRATIONS_VIEW)
    step("GET", reverse("fieldwork:edit_registration", kwargs={"programme": p, "registration": entry.pk}),
         Action.REGISTRATIONS_VIEW)
    feed = reverse("fieldwork:feed", kwargs={"programme": p})
    step("POST", feed, Action.REGISTRATIONS_FEED, _form_data(step.client, feed))
    # qualitative: a transcript uploaded, read, the quotes, the REFI-QDA export
    document = sample(world.programme).document
    transcript = io.BytesIO(b"Interviewer: Hoe gaat het?\nDeelnemer: Beter.")
    transcript.name = "interview-mevrouw-Jansen.txt"
    step("POST", reverse("qualitative:upload", kwargs={"programme": p}), Action.TRANSCRIPT_UPLOAD,
         {"file": transcript, "group": "residents", "label": "R-77"})
    step("GET", reverse("qualitative:document", kwargs={"programme": p, "qdoc": document.pk}),
         Action.TRANSCRIPT_VIEW)
    step("GET", reverse("qualitative:quotes", kwargs={"programme": p}), Action.QUOTES_VIEW)
    step("GET", reverse("qualitative:export", kwargs={"programme": p}), Action.QUALITATIVE_EXPORT)
    # a report with respondent data: its page and its file, by the team and through a personal link
    report = review_world.report(world)
    ReportVersion.objects.filter(pk=report.pk).update(snapshots=[world.dataset.snapshot_id], files={"pdf": "r.pdf"})
    report.refresh_from_db()
    report.folder.mkdir(parents=True, exist_ok=True)
    (report.folder / "r.pdf").write_bytes(b"%PDF-1.7 test")
    page, viewed = step("GET", reverse("review:report", kwargs={"programme": p, "report": report.pk}),
                        Action.REPORT_VIEW)
    assert "Reading and downloading this report are logged" in page.content.decode()
    _, downloaded = step("GET", reverse("review:report_file", kwargs={"programme": p, "report": report.pk,
                                                                      "fmt": "pdf"}), Action.REPORT_DOWNLOAD)
    assert (viewed.object_type, viewed.object_id, downloaded.detail) == ("report", str(report.pk), '{"format": "pdf"}')
    token = review_world.token(world)
    anonymous = User()
    step("GET", reverse("review:shared", kwargs={"token": token}), Action.REPORT_VIEW, client=Client(),
         user=anonymous)
    _, by_link = step("GET", reverse("review:shared_file", kwargs={"token": token, "fmt": "pdf"}),
                      Action.REPORT_DOWNLOAD, client=Client(), user=anonymous)
    assert "Gemma" not in by_link.detail and '"share"' in by_link.detail
    # the model: publishing a version (its figures become what everyone sees)
    _, published = step("POST", reverse("editor:publish", kwargs={"programme": p, "number": 2}), Action.MODEL_PUBLISH)
    assert (published.object_type, published.detail.startswith('{"sroi_ratio"')) == ("model_version", True)
    # the audit trail itself: reading and exporting it
    step("GET", reverse("people:audit", kwargs={"organisation": own.pk}), Action.AUDIT_VIEW, programme=False)
    step("GET", reverse("people:audit_export", kwargs={"organisation": own.pk}), Action.AUDIT_EXPORT,
         programme=False)
    # people: an invitation and a removal (the other people actions: tests_web/test_people.py)
    step("POST", reverse("people:list", kwargs={"organisation": own.pk}), Action.PEOPLE_INVITE,
         {"email": "nieuw@welzijn.test", "role": Role.RESEARCHER, "language": "nl"}, programme=False)
    step("POST", reverse("people:remove", kwargs={"organisation": own.pk,
                                                  "person": world.user(Role.VIEWER, "own").pk}),
         Action.PEOPLE_REMOVE, programme=False)

    # changes of access, with tests of their own: people (test_people), wave links and waves (test_fieldwork)
    access = {a for a in Action.values if a.startswith("people.")} - {Action.PEOPLE_INVITE, Action.PEOPLE_REMOVE}
    access |= {Action.LINKS_REVOKE, Action.WAVE_CLOSE, Action.WAVE_REOPEN}
    access |= {Action.DATASET_DELETE, Action.RESPONDENT_ERASE}  # removing data: tests_web/test_datalife.py
    # partnerships and a programme's life: tests_web/test_partners.py
    access |= {a for a in Action.values if a.startswith(("partner.", "programme."))}
    access.add(Action.ACCOUNT_EMAIL)  # one's own e-mail address: tests_web/test_email_change.py
    access |= {Action.TOKEN_CREATE, Action.TOKEN_REVOKE}  # personal access tokens: tests_web/test_api.py
    assert set(Action.values) - step.seen - access == set(), "every audited action has its step here"
    # no detail names a file, a client, a reviewer or a purpose typed by a user
    for event in AuditEvent.objects.all():
        assert not any(word in event.detail for word in ("Jansen", "dossier", "Gemma", "evaluatie", ".csv",
                                                          ".txt")), event.detail
    assert shared.detail == (f'{{"agreement": {agreement.pk}, "partner": "Gemeente Test", '
                             f'"until": "{agreement.valid_until.isoformat()}"}}')


def test_a_report_without_respondent_data_or_quotes_is_not_logged(world: World, var_dir: Path) -> None:
    report = review_world.report(world)  # its model version published (an event of its own)
    before = AuditEvent.objects.count()
    client = Client()
    client.force_login(world.user(Role.RESEARCHER, "own"))
    assert client.get(reverse("review:report", kwargs={"programme": world.programme.pk,
                                                       "report": report.pk})).status_code == 200
    assert AuditEvent.objects.count() == before


# -------------------------------------------------------------------------------------------- audit page
def _admin(world: World, scope: str = "own", language: str = "en") -> Client:
    client = Client()
    user = world.user(Role.ADMINISTRATOR, scope)
    user.profile.language = language
    user.profile.save()
    client.force_login(user)
    return client


def _page(client: Client, world: World, scope_org: Organisation | None = None, **query) -> list[AuditEvent]:
    response = client.get(reverse("people:audit", kwargs={"organisation": (scope_org or world.own).pk}), query)
    assert response.status_code == 200
    return [e for e in response.context["page"] if e.action != Action.AUDIT_VIEW]


def test_an_administrator_reads_their_organisations_trail_only(world: World) -> None:
    researcher, partner_researcher = world.user(Role.RESEARCHER, "own"), world.user(Role.RESEARCHER, "partner")
    mine = audit.record(None, Action.DATASET_VIEW, world.dataset, user=researcher)
    by_partner = audit.record(None, Action.QUOTES_VIEW, world.programme, user=partner_researcher)
    elsewhere = audit.record(None, Action.QUOTES_VIEW, world.other, user=world.user(Role.RESEARCHER, "foreign"))
    own_admin = _admin(world)
    assert {e.pk for e in _page(own_admin, world)} == {mine.pk, by_partner.pk}  # data and programme of own
    # the partner's administrator sees what their own people did, not the lead's data
    partner_admin = _admin(world, "partner")
    assert {e.pk for e in _page(partner_admin, world, world.partner)} == {by_partner.pk}
    assert elsewhere.pk not in {e.pk for e in _page(partner_admin, world, world.partner)}
    # others: 404 for another organisation's trail, 403 for a non-administrator of the own organisation
    assert partner_admin.get(reverse("people:audit", kwargs={"organisation": world.own.pk})).status_code == 404
    viewer = Client()
    viewer.force_login(world.user(Role.RESEARCHER, "own"))
    assert viewer.get(reverse("people:audit_export", kwargs={"organisation": world.own.pk})).status_code == 403
    # reading it was written to the trail, in the organisation, without a programme
    read = AuditEvent.objects.filter(action=Action.AUDIT_VIEW, organisation=world.own)
    assert read.count() == 1 and read.get().username == "administrator-own"
    people = own_admin.get(reverse("people:list", kwargs={"organisation": world.own.pk})).content.decode()
    assert reverse("people:audit", kwargs={"organisation": world.own.pk}) in people


def test_filters_pages_and_a_formula_safe_csv_in_dutch(world: World) -> None:
    researcher = world.user(Role.RESEARCHER, "own")
    odd = make_user("=cmd", Role.PROFESSIONAL, world.own)
    for _n in range(55):
        audit.record(None, Action.DATASET_VIEW, world.dataset, user=researcher)
    audit.record(None, Action.TRANSCRIPT_VIEW, sample(world.programme).document, user=odd)
    old = audit.record(None, Action.QUOTES_VIEW, world.programme, user=researcher)
    with connection.cursor() as cursor:  # an event of last year (the trigger refuses this UPDATE: insert it so)
        cursor.execute("INSERT INTO impactlab_web_auditevent (username, organisation_id, organisation_name, "
                       "programme_id, programme_name, action, object_type, object_id, detail, at) "
                       "VALUES (%s, %s, %s, %s, %s, %s, 'programme', %s, '', %s)",
                       ["researcher-own", world.own.pk, "Welzijn Test", world.programme.pk, "Circles",
                        Action.QUOTES_VIEW, str(world.programme.pk), timezone.now() - dt.timedelta(days=400)])
    client = _admin(world, language="nl")
    url = reverse("people:audit", kwargs={"organisation": world.own.pk})
    first = client.get(url)
    assert first.context["page"].paginator.count == 58 and len(first.context["page"]) == 50
    assert "Auditspoor" in first.content.decode()
    assert [e.username for e in _page(client, world, person="=cmd")] == ["=cmd"]
    assert len(_page(client, world, action=Action.QUOTES_VIEW)) == 2
    recent = _page(client, world, action=Action.QUOTES_VIEW, since=(dt.date.today() - dt.timedelta(days=30)))
    assert [e.pk for e in recent] == [old.pk]
    assert len(_page(client, world, object=world.dataset.snapshot_id[:8])) == 50
    bad = client.get(url, {"since": "2026-02-01", "until": "2026-01-01"})
    assert bad.status_code == 422
    export = client.get(reverse("people:audit_export", kwargs={"organisation": world.own.pk}),
                        {"person": "=cmd"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:3] == ["tijd (UTC)", "gebruiker", "organisatie"]
    assert [r[1] for r in rows[1:]] == ["'=cmd"] and rows[1][4] == Action.TRANSCRIPT_VIEW
    exported = AuditEvent.objects.get(action=Action.AUDIT_EXPORT)
    assert exported.detail == '{"person": "=cmd", "rows": 1}' and exported.username == "administrator-own"

"""Data over its life (issue 11): deleting a snapshot or a dataset with what used it named first, tombstones on
frozen and finished cycles, and a respondent's right to erasure over every snapshot the organisation owns.

Runs on SQLite and on PostgreSQL (DATABASE_URL); see PROTOCOL.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from impactlab.evidence import erasure
from impactlab.evidence.erasure import pseudonym_of
from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file
from impactlab.io.synth import synth
from impactlab_web.core import evidence
from impactlab_web.core.models import AuditEvent
from impactlab_web.core.permissions import Action, can
from impactlab_web.dashboards import figures
from impactlab_web.dashboards.models import CachedFigures, Simulation
from impactlab_web.data import datalife
from impactlab_web.data.models import DatasetRecord, DataSharingAgreement
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes import modelling
from impactlab_web.review import cycles
from impactlab_web.review.models import Cycle, Phase, ReportVersion, Tombstone
from tests_web.conftest import World, make_user
from tests_web.test_evidence_truth import MAPPING, MODEL  # the evidence model over dataset `enquete`


@pytest.fixture(autouse=True)
def _fresh(var_dir: Path) -> None:
    figures.MEMO.clear()
    figures.SNAPSHOTS.clear()


def _survey(folder: Path) -> Path:
    return synth(respondents=60, waves=2, out=folder / "enquete.csv", seed=8, items=11)


def _waves(world: World, folder: Path) -> list[DatasetRecord]:
    """The survey imported as two snapshots of dataset `enquete` (T0 and T1 separately)."""
    survey = pl.read_csv(_survey(folder), infer_schema_length=0)
    records = []
    for wave in ("T0", "T1"):
        path = folder / f"enquete_{wave}.csv"
        survey.filter(pl.col("wave") == wave).write_csv(path)
        info = import_file(path, MAPPING, "enquete", Workspace(settings.WORKSPACE_DIR)).snapshot
        records.append(DatasetRecord.objects.create(
            owner=world.own, programme=world.programme, name="enquete", snapshot_id=info.snapshot_id,
            source_sha256=info.source.sha256, n=info.rows.imported, origin=path.name))
    return records


def _files(snapshot_id: str) -> list[Path]:
    return list(Path(settings.WORKSPACE_DIR).rglob(f"{snapshot_id}*"))


def _client(world: World, role: Role, scope: str = "own") -> Client:
    client = Client()
    client.force_login(world.user(role, scope))
    return client


def _url(name: str, world: World, **kwargs: object) -> str:
    return reverse(name, kwargs={"programme": world.programme.pk, **kwargs})


def _finished_cycle(world: World, records: list[DatasetRecord]) -> tuple[Cycle, ReportVersion]:
    """Cycle 1, frozen on the evidence model, with these snapshots and a report made from them; finished."""
    version = modelling.publish(modelling.save_version(world.programme, json.dumps(MODEL),
                                                       world.user(Role.RESEARCHER, "own"), "evidence"), None)
    cycle = cycles.create_cycle(world.programme, "first year", None)
    cycles.freeze(cycle, version)
    cycle.datasets.set(records)
    report = ReportVersion.objects.create(cycle=cycle, number=1, lang="nl", formats=["pdf"], model_version=version,
                                          status=ReportVersion.Status.READY,
                                          snapshots=[r.snapshot_id for r in records])
    cycle.phases.update(status=Phase.Status.DONE)
    cycles.finish(cycle)
    return cycle, report


def test_deleting_a_snapshot_names_what_used_it_then_removes_it_with_a_tombstone(
        world: World, tmp_path: Path, django_capture_on_commit_callbacks) -> None:
    t0, t1 = _waves(world, tmp_path)
    cycle, report = _finished_cycle(world, [t0, t1])
    DataSharingAgreement.objects.create(dataset=t1, partner=world.partner, purpose="evaluation",
                                        valid_until=dt.date.today() + dt.timedelta(days=30))
    admin = _client(world, Role.ADMINISTRATOR)
    url = _url("data:delete_snapshot", world, dataset=t1.pk)
    version = world.programme.latest_version()
    owner = world.user(Role.ADMINISTRATOR, "own")
    assert "error" not in figures.valuation(version, evidence.scope_for(owner, world.programme))

    page = admin.get(url).content.decode()
    assert "Cycle 1" in page and "first year" in page  # the cycle
    assert _url("review:report", world, report=report.pk) in page  # the report made from it
    assert _url("editor:version", world, number=version.number) in page  # the model version reading `enquete`
    assert world.partner.name in page  # the agreement that ends
    assert _url("editor:version", world, number=1) not in page  # version 1 (no evidence quantity) did not

    wrong = admin.post(url, {"confirm": "enquete2"})
    assert wrong.status_code == 422 and "nothing was deleted" in wrong.content.decode()
    assert DatasetRecord.objects.filter(pk=t1.pk).exists() and _files(t1.snapshot_id)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin.post(url, {"confirm": " enquete "})
        assert response.status_code == 302
        assert _files(t1.snapshot_id)  # the files go only after the commit
    for callback in callbacks:
        callback()
    assert not DatasetRecord.objects.filter(pk=t1.pk).exists()
    assert _files(t1.snapshot_id) == [] and _files(t0.snapshot_id)  # only that snapshot
    assert not DataSharingAgreement.objects.filter(dataset_id=t1.pk).exists()
    assert list(cycle.datasets.all()) == [t0]
    stone = Tombstone.objects.get(cycle=cycle)
    assert (stone.kind, stone.dataset, stone.snapshot_id, stone.rows) == ("snapshot", "enquete", t1.snapshot_id, t1.n)
    assert stone.removed_by_name == "administrator-own"
    event = AuditEvent.objects.get(action=AuditEvent.Action.DATASET_DELETE)
    assert event.object_id == t1.snapshot_id and event.organisation == world.own
    # the figures follow: without the T1 wave the evidence quantity cannot be computed (a message, not old figures)
    after = figures.valuation(version, evidence.scope_for(owner, world.programme))
    assert after["error"] and "T1" in " ".join(after["error"])

    shown = _client(world, Role.VIEWER).get(_url("review:cycle", world, cycle=cycle.number)).content.decode()
    assert 'data-testid="tombstones"' in shown
    assert f"Snapshot {t1.snapshot_id[:12]} of enquete ({t1.n} rows) deleted" in shown
    assert "by administrator-own" in shown


def test_deleting_a_dataset_removes_every_snapshot(world: World, tmp_path: Path,
                                                   django_capture_on_commit_callbacks) -> None:
    records = _waves(world, tmp_path)
    cycle = cycles.create_cycle(world.programme, "running", None)
    cycle.datasets.set(records)  # neither frozen nor finished: no tombstone
    admin = _client(world, Role.ADMINISTRATOR)
    url = _url("data:delete_dataset", world, dataset=records[0].pk)
    page = admin.get(url).content.decode()
    assert all(r.snapshot_id[:12] in page for r in records) and world.dataset.snapshot_id[:12] not in page
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(url, {"confirm": "enquete"}).status_code == 302
    assert not DatasetRecord.objects.filter(name="enquete").exists()
    assert DatasetRecord.objects.filter(pk=world.dataset.pk).exists()  # another dataset stays
    assert all(_files(r.snapshot_id) == [] for r in records)
    assert not Tombstone.objects.exists() and AuditEvent.objects.filter(action="dataset.delete").count() == 2


def test_only_the_owners_administrators_may_delete_or_erase(world: World, tmp_path: Path) -> None:
    (record, _t1) = _waves(world, tmp_path)
    DataSharingAgreement.objects.create(dataset=record, partner=world.partner, purpose="evaluation",
                                        valid_until=dt.date.today() + dt.timedelta(days=30))
    urls = [_url("data:delete_snapshot", world, dataset=record.pk),
            _url("data:delete_dataset", world, dataset=record.pk), _url("data:erasure", world)]
    for role, scope in [(Role.ADMINISTRATOR, "partner"), (Role.RESEARCHER, "own"), (Role.RESEARCHER, "partner"),
                        (Role.PROFESSIONAL, "own")]:
        client = _client(world, role, scope)
        for url in urls:
            assert client.get(url).status_code == 403, (role, scope, url)
            assert client.post(url, {"confirm": "enquete", "identifier": "R0000001"}).status_code == 403
        assert not can(world.user(role, scope), Action.DATASET_DELETE, record)
    # the partner's administrator sees the shared dataset, but no button to delete it
    detail = _client(world, Role.ADMINISTRATOR, "partner").get(_url("data:detail", world, dataset=record.pk))
    assert detail.status_code == 200 and b'data-testid="delete-snapshot"' not in detail.content
    assert b'data-testid="delete-snapshot"' in _client(world, Role.ADMINISTRATOR).get(
        _url("data:detail", world, dataset=record.pk)).content
    assert DatasetRecord.objects.filter(pk=record.pk).exists() and _files(record.snapshot_id)


def _rows(records: list[DatasetRecord]) -> dict[str, pl.DataFrame]:
    store = Workspace(settings.WORKSPACE_DIR).store()
    return {r.name + r.origin: store.read(r.snapshot_id) for r in records}


def _cached_with(snapshot_ids: list[str]) -> list[str]:
    """Kinds of the cached figures whose value names one of these snapshots."""
    return [row.kind for row in CachedFigures.objects.all() if any(i in json.dumps(row.value) for i in snapshot_ids)]


def test_erasure_removes_exactly_that_respondent_from_every_snapshot(
        world: World, tmp_path: Path, django_capture_on_commit_callbacks) -> None:
    records = _waves(world, tmp_path)
    cycle, report = _finished_cycle(world, records)
    version = world.programme.latest_version()
    scope = evidence.scope_for(world.user(Role.ADMINISTRATOR, "own"), world.programme)
    before_figures = figures.valuation(version, scope)
    assert before_figures["evidence"][0]["n_pairs"] > 0
    old_ids = [r.snapshot_id for r in records]
    simulation = Simulation.objects.create(version=version, key="k" * 64, snapshots=old_ids, draws=10, seed=0,
                                           result={"summary": {}})
    assert _cached_with(old_ids)
    raw = "R0000007"
    code = pseudonym_of(raw, Workspace(settings.WORKSPACE_DIR).key())
    before = _rows(records)
    held = {k: frame.filter(pl.col("respondent") == code).height for k, frame in before.items()}
    assert sum(held.values()) == 2  # one row per wave

    admin = _client(world, Role.ADMINISTRATOR)
    url = _url("data:erasure", world)
    found = admin.post(url, {"identifier": " r0000007 "})  # as typed at the office: case and spaces differ
    page = found.content.decode()
    assert found.status_code == 200 and 'data-testid="erasure-confirm"' in page
    assert raw not in page and raw.lower() not in page  # the id is not echoed
    for record in records:
        assert record.snapshot_id[:12] in page
    token = found.context["confirm"]["token"].value()

    unconfirmed = admin.post(url, {"token": token})
    assert unconfirmed.status_code == 422
    assert [r.snapshot_id for r in DatasetRecord.objects.filter(name="enquete").order_by("pk")] == old_ids
    assert admin.post(url, {"token": token + "x", "confirm": "on"}).status_code == 422  # tampered: refused

    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(url, {"token": token, "confirm": "on"})
    assert done.status_code == 200 and 'data-testid="receipt"' in done.content.decode()
    assert code in done.content.decode() and raw not in done.content.decode()

    after_records = list(DatasetRecord.objects.filter(name="enquete").order_by("pk"))
    after = _rows(after_records)
    for key, frame in before.items():
        kept = after[key]
        assert kept.height == frame.height - held[key]
        assert code not in kept["respondent"].to_list()
        assert kept.sort("respondent").equals(frame.filter(pl.col("respondent") != code).sort("respondent"))
    for old, record in zip(old_ids, after_records, strict=True):
        assert record.snapshot_id != old and _files(old) == []  # the old files are gone
        assert record.n == before[record.name + record.origin].height - 1
    assert list(cycle.datasets.order_by("pk")) == after_records  # the cycle reads the new snapshots
    report.refresh_from_db()
    assert report.snapshots == [r.snapshot_id for r in after_records]
    stones = list(Tombstone.objects.filter(cycle=cycle, kind="erasure"))
    assert sorted(s.snapshot_id for s in stones) == sorted(old_ids) and all(s.rows == 1 for s in stones)

    event = AuditEvent.objects.get(action=AuditEvent.Action.RESPONDENT_ERASE)
    assert code in event.detail and raw not in event.detail and raw.lower() not in event.detail
    assert event.organisation == world.own and event.user == world.user(Role.ADMINISTRATOR, "own")
    assert raw not in json.dumps(list(AuditEvent.objects.values()), default=str)

    assert not Simulation.objects.filter(pk=simulation.pk).exists() and not _cached_with(old_ids)
    scope = evidence.scope_for(world.user(Role.ADMINISTRATOR, "own"), world.programme)
    after_figures = figures.valuation(version, scope)
    assert after_figures["evidence"][0]["snapshot"] != before_figures["evidence"][0]["snapshot"]
    assert after_figures["evidence"][0]["n_pairs"] == before_figures["evidence"][0]["n_pairs"] - 1

    again = admin.post(url, {"identifier": raw})
    assert 'data-testid="erasure-none"' in again.content.decode()


def test_an_erasure_that_fails_keeps_the_old_snapshots_and_removes_the_new(world: World, tmp_path: Path) -> None:
    """The second rewrite clashes with a record of another programme (the same content imported there): the
    database refuses, nothing changes, the first new snapshot is deleted again, the other programme's stays."""
    records = _waves(world, tmp_path)
    code = pseudonym_of("R0000003", Workspace(settings.WORKSPACE_DIR).key())
    store = Workspace(settings.WORKSPACE_DIR).store()
    ahead = erasure.erase_respondent(store, code, [records[1].snapshot_id], delete_old=False)
    clash = ahead.replaced[records[1].snapshot_id]
    DatasetRecord.objects.create(owner=world.foreign, programme=world.other, name="enquete", snapshot_id=clash,
                                 source_sha256="c" * 64, n=1, origin="elders.csv")
    before = {info.snapshot_id for info in store.list("enquete")}
    with pytest.raises(IntegrityError):
        datalife.erase_respondent(world.user(Role.ADMINISTRATOR, "own"), world.programme, code)
    assert {info.snapshot_id for info in store.list("enquete")} == before
    assert [r.snapshot_id for r in DatasetRecord.objects.filter(programme=world.programme, name="enquete")
            .order_by("pk")] == [r.snapshot_id for r in records]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.RESPONDENT_ERASE).exists()
    assert not Tombstone.objects.exists()


def test_the_pages_speak_dutch(world: World) -> None:
    client = Client()
    client.force_login(make_user("beheerder", Role.ADMINISTRATOR, world.own, language="nl"))
    delete = client.get(_url("data:delete_snapshot", world, dataset=world.dataset.pk)).content.decode()
    assert "Een snapshot van survey verwijderen" in delete and "Wat ze gebruikte" in delete
    assert "Typ ter bevestiging de naam van de dataset" in delete
    wrong = client.post(_url("data:delete_dataset", world, dataset=world.dataset.pk), {"confirm": "x"})
    assert "er is niets verwijderd" in wrong.content.decode()
    erasure = client.get(_url("data:erasure", world)).content.decode()
    assert "Recht op vergetelheid" in erasure and "Het nummer van de respondent in het bronbestand" in erasure


def test_a_deletion_that_ends_an_agreement_tells_the_partners_administrators(
        world: World, tmp_path: Path, mailoutbox, django_capture_on_commit_callbacks) -> None:
    """In-app and by e-mail (after the commit), in their own language, naming dataset and programme only; a
    withdrawn agreement ends nothing, and the one who deleted is not told."""
    from impactlab_web.notifications.models import Notification

    t0, t1 = _waves(world, tmp_path)
    DataSharingAgreement.objects.create(dataset=t1, partner=world.partner, purpose="evaluation",
                                        valid_until=dt.date.today() + dt.timedelta(days=30))
    partner_admin = world.user(Role.ADMINISTRATOR, "partner")
    partner_admin.email = "beheer@gemeente.example"
    partner_admin.save()
    partner_admin.profile.language = "nl"
    partner_admin.profile.save()
    withdrawn = Organisation.objects.create(name="Stichting Ingetrokken", kind="welfare")
    DataSharingAgreement.objects.create(dataset=t0, partner=withdrawn, purpose="old", withdrawn_at=timezone.now(),
                                        valid_until=dt.date.today() + dt.timedelta(days=30))
    make_user("admin-withdrawn", Role.ADMINISTRATOR, withdrawn)
    owner = world.user(Role.ADMINISTRATOR, "own")
    respondents = set(Workspace(settings.WORKSPACE_DIR).store().read(t1.snapshot_id)["respondent"].to_list())

    with django_capture_on_commit_callbacks(execute=True):
        removal = datalife.delete([t0, t1], owner, kind=Tombstone.Kind.DATASET)
    assert removal.agreements == 2
    told = Notification.objects.get()
    assert told.user == partner_admin and told.kind == Notification.Kind.AGREEMENT_ENDED
    assert told.title == (f"{world.own.name} heeft dataset enquete van {world.programme.name} verwijderd: "
                          "uw gegevensdelingsovereenkomst daarvoor is beëindigd")
    assert [m.to for m in mailoutbox] == [["beheer@gemeente.example"]]
    text = told.title + mailoutbox[0].subject + mailoutbox[0].body
    assert respondents and not any(code in text for code in respondents)  # no respondent is named

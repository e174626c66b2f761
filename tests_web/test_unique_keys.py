"""Keys two rows must never share, held by the database (issue 10, "unique constraints where two rows must never
share a key"): a questionnaire id per programme, one active reviewer share per report version and reviewer, one
data-sharing agreement in force per dataset and partner. A doubled or concurrent submit makes one row and the
other gets a clear form message, never a server error; the migrations close existing duplicates."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from impactlab_web.data.models import DataSharingAgreement
from impactlab_web.fieldwork.models import Questionnaire
from impactlab_web.organisations.models import Role
from impactlab_web.review import sharing
from impactlab_web.review.models import Share
from tests_web import review_world
from tests_web.conftest import World


def _client(world: World, role: Role = Role.ADMINISTRATOR) -> Client:
    client = Client()
    client.force_login(world.user(role, "own"))
    return client


def _in_parallel(world: World, post: Callable[[Client], int], times: int = 2) -> list[int]:
    """`post` from `times` threads at once (each its own client and database connection); their status codes."""
    barrier, codes, lock = threading.Barrier(times), [], threading.Lock()

    def run() -> None:
        try:
            client = _client(world)
            barrier.wait()
            code = post(client)
            with lock:
                codes.append(code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(codes)


# --- questionnaire ids per programme ---------------------------------------------------------------------------

def _new_questionnaire(world: World) -> str:
    return reverse("fieldwork:create", kwargs={"programme": world.programme.pk})


def test_a_questionnaire_id_is_taken_once_per_programme(world: World) -> None:
    client, url = _client(world), _new_questionnaire(world)
    data = {"slug": "welzijn", "title_nl": "Welzijn"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data | {"title_nl": "Nog eens"})  # a doubled submit: the database refuses it
    assert again.status_code == 422
    assert "This programme already has a questionnaire with this id." in again.content.decode()
    assert Questionnaire.objects.filter(programme=world.programme, slug="welzijn").count() == 1
    assert Questionnaire.objects.get(slug="welzijn").waves.count() == 1  # no wave of a questionnaire not made
    Questionnaire.objects.create(programme=world.other, document=Questionnaire.objects.get().document)  # elsewhere
    assert Questionnaire.objects.filter(slug="welzijn").count() == 2
    dutch = _client(world)
    dutch.post(reverse("accounts:language"), {"language": "nl", "next": "/"})
    assert "Dit programma heeft al een vragenlijst met deze id." in dutch.post(url, data).content.decode()


def test_two_parallel_submits_make_one_questionnaire(world: World, transactional_db) -> None:
    url = _new_questionnaire(world)
    codes = _in_parallel(world, lambda client: client.post(url, {"slug": "tegelijk", "title_nl": "T"}).status_code)
    assert codes == [302, 422]
    assert Questionnaire.objects.filter(programme=world.programme, slug="tegelijk").count() == 1


# --- one active share per report version and reviewer ----------------------------------------------------------

def _share(world: World, report, **data) -> object:
    url = reverse("review:share_create", kwargs={"programme": world.programme.pk, "report": report.pk})
    return _client(world).post(url, {"kind": "link", "days": 14} | data)


def test_one_active_personal_link_per_reviewer(world: World) -> None:
    report = review_world.report(world)
    assert _share(world, report, name="Jan de Vries").status_code == 302
    again = _share(world, report, name="jan  de vries")  # the same reviewer, typed again
    assert again.status_code == 422
    assert "jan de vries already has a personal link to this report version" in again.content.decode()
    links = report.shares.filter(kind=Share.Kind.LINK)
    assert links.count() == 1
    assert _share(world, report, name="Gemma Gemeente").status_code == 302  # another reviewer

    first = links.get(name="Jan de Vries")
    sharing.revoke(first)  # withdrawn: a new link may be made
    assert _share(world, report, name="Jan de Vries").status_code == 302
    second = links.get(name="Jan de Vries", revoked_at__isnull=True)
    expired_at = timezone.now() - dt.timedelta(days=1)
    Share.objects.filter(pk=second.pk).update(expires_at=expired_at)  # expired, never withdrawn
    assert _share(world, report, name="Jan de Vries").status_code == 302
    second.refresh_from_db()
    assert second.revoked_at == expired_at  # closed at the moment it expired
    assert links.filter(name__iexact="jan de vries", revoked_at__isnull=True).count() == 1

    sharing.share_with_role(report)  # the role's share exists (review_world made it): the same one
    assert report.shares.filter(kind=Share.Kind.ROLE).count() == 1


def test_two_parallel_shares_make_one_link(world: World, transactional_db) -> None:
    report = review_world.report(world)
    url = reverse("review:share_create", kwargs={"programme": world.programme.pk, "report": report.pk})
    codes = _in_parallel(world, lambda client: client.post(url, {"kind": "link", "name": "Gemma", "days": 7})
                         .status_code)
    assert codes == [302, 422]
    role = _in_parallel(world, lambda client: client.post(url, {"kind": "role"}).status_code)
    assert role == [302, 302]  # sharing with the role twice is no mistake: the one share stays
    assert report.shares.filter(kind=Share.Kind.LINK, name="Gemma").count() == 1
    assert report.shares.filter(kind=Share.Kind.ROLE, revoked_at__isnull=True).count() == 1


# --- one agreement in force per dataset and partner ------------------------------------------------------------

def _agree(world: World, client: Client | None = None, days: int = 90) -> object:
    url = reverse("data:agreement_new", kwargs={"programme": world.programme.pk, "dataset": world.dataset.pk})
    until = (timezone.localdate() + dt.timedelta(days=days)).isoformat()
    return (client or _client(world)).post(url, {"partner": world.partner.pk, "purpose": "evaluation",
                                                 "valid_until": until})


def test_one_agreement_in_force_per_dataset_and_partner(world: World) -> None:
    assert _agree(world).status_code == 302
    again = _agree(world, days=30)
    assert again.status_code == 422
    assert "This dataset is already shared with Gemeente Test" in again.content.decode()
    agreements = DataSharingAgreement.objects.filter(dataset=world.dataset, partner=world.partner)
    assert agreements.count() == 1
    first = agreements.get()
    first.withdrawn_at = timezone.now()
    first.save()
    assert _agree(world).status_code == 302  # after withdrawing, a new one
    second = agreements.get(withdrawn_at__isnull=True)
    DataSharingAgreement.objects.filter(pk=second.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=2))
    assert _agree(world).status_code == 302  # the expired one is closed at the end of its last day
    second.refresh_from_db()
    last_day = timezone.localdate() - dt.timedelta(days=2)
    assert timezone.localtime(second.withdrawn_at) == timezone.make_aware(
        dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min))
    assert agreements.filter(withdrawn_at__isnull=True).count() == 1


def test_two_parallel_agreements_make_one(world: World, transactional_db) -> None:
    codes = _in_parallel(world, lambda client: _agree(world, client).status_code)
    assert codes == [302, 422]
    assert DataSharingAgreement.objects.filter(dataset=world.dataset, withdrawn_at__isnull=True).count() == 1


# --- the migrations close existing duplicates ------------------------------------------------------------------

BEFORE = [("fieldwork", "0003_revoked_links"), ("review", "0002_tombstone"),
          ("impactlab_web", "0006_partnerships")]


def test_the_migrations_close_existing_duplicates(world: World, transactional_db) -> None:
    """Rows made before the constraints: the questionnaire ids are renumbered (the oldest keeps its id), expired
    shares and agreements are closed when they expired, and of active duplicates the one valid longest stays."""
    report = review_world.report(world)
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        OldQuestionnaire = apps.get_model("fieldwork", "Questionnaire")
        OldShare = apps.get_model("review", "Share")
        OldAgreement = apps.get_model("impactlab_web", "DataSharingAgreement")
        document = {"id": "welzijn", "title": {"nl": "Welzijn"},
                    "items": [{"id": "intro", "type": "note", "text": {"nl": "Welkom"}}]}
        questionnaires = [OldQuestionnaire.objects.create(programme_id=world.programme.pk, document=document,
                                                          public_id=f"q{k}") for k in range(3)]
        taken = OldQuestionnaire.objects.create(programme_id=world.programme.pk, public_id="q3",
                                                document=document | {"id": "welzijn-2"})
        elsewhere = OldQuestionnaire.objects.create(programme_id=world.other.pk, document=document, public_id="q4")
        now = timezone.now()
        old_shares = {
            "short": OldShare.objects.create(report_id=report.pk, kind="link", name="Gemma", nonce="a",
                                             expires_at=now + dt.timedelta(days=10)),
            "long": OldShare.objects.create(report_id=report.pk, kind="link", name="gemma", nonce="b",
                                            expires_at=now + dt.timedelta(days=30)),
            "expired": OldShare.objects.create(report_id=report.pk, kind="link", name="GEMMA", nonce="c",
                                               expires_at=now - dt.timedelta(days=3)),
            "role": OldShare.objects.create(report_id=report.pk, kind="role"),
        }
        today = timezone.localdate()
        old_agreements = {days: OldAgreement.objects.create(
            dataset_id=world.dataset.pk, partner_id=world.partner.pk, purpose="p",
            valid_until=today + dt.timedelta(days=days)) for days in (30, 90, -5)}
    finally:
        MigrationExecutor(connection).migrate(latest)

    slugs = {q.public_id: q.slug for q in Questionnaire.objects.all()}
    assert [slugs[q.public_id] for q in questionnaires] == ["welzijn", "welzijn-3", "welzijn-4"]
    assert slugs[taken.public_id] == "welzijn-2" and slugs[elsewhere.public_id] == "welzijn"
    renamed = Questionnaire.objects.get(public_id=questionnaires[1].public_id)
    assert renamed.document["id"] == "welzijn-3" and renamed.core.id == "welzijn-3"

    shares = {key: Share.objects.get(pk=share.pk) for key, share in old_shares.items()}
    assert shares["long"].revoked_at is None and shares["short"].revoked_at is not None
    assert shares["expired"].revoked_at == old_shares["expired"].expires_at
    active_roles = report.shares.filter(kind=Share.Kind.ROLE, revoked_at__isnull=True)
    assert active_roles.count() == 1 and active_roles.get().pk == old_shares["role"].pk  # the newest stays

    agreements = {days: DataSharingAgreement.objects.get(pk=a.pk) for days, a in old_agreements.items()}
    assert agreements[90].withdrawn_at is None and agreements[30].withdrawn_at is not None
    assert timezone.localtime(agreements[-5].withdrawn_at).date() == today - dt.timedelta(days=4)

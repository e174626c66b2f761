"""Partners with consent (issue 11): invitations by e-mail or code, accept or decline, end or leave (withdrawing
data-sharing agreements), no list of organisations anywhere; a programme's life: rename, archive, delete."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from impactlab_web.core.models import AuditEvent
from impactlab_web.core.permissions import POLICY, Action, can
from impactlab_web.data.models import DataSharingAgreement
from impactlab_web.notifications.models import Notification
from impactlab_web.organisations.models import Membership, Organisation, Role
from impactlab_web.programmes import partnerships
from impactlab_web.programmes.models import Partnership, Programme
from tests_web.conftest import World, make_user

NEW_ADMIN = "anna@buurtteam.test"


@pytest.fixture
def newcomer(world: World) -> tuple[Organisation, User, User]:
    """An organisation that has nothing to do with the programme yet: its administrator and a researcher."""
    org = Organisation.objects.create(name="Buurtteam Noord", kind="welfare")
    admin = make_user("anna", Role.ADMINISTRATOR, org)
    admin.email = NEW_ADMIN
    admin.save()
    researcher = make_user("ruben", Role.RESEARCHER, org)
    return org, admin, researcher


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def lead(world: World) -> Client:
    return login(world.user(Role.ADMINISTRATOR, "own"))


def url(name: str, world: World, **kwargs: object) -> str:
    return reverse(name, kwargs={"programme": world.programme.pk, **kwargs})


def invite(world: World, email: str = NEW_ADMIN):
    return lead(world).post(url("partners:invite", world), {"email": email})


def make_code(world: World) -> str:
    response = lead(world).post(url("partners:code", world))
    assert response.status_code == 200
    return re.search(r'id="partner-code">([A-Z0-9-]+)<', response.content.decode()).group(1)


def actions(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# ------------------------------------------------------------------------------------------- by e-mail
def test_invited_by_e_mail_the_administrator_accepts_and_only_then_takes_part(
        world: World, newcomer, django_capture_on_commit_callbacks) -> None:
    org, admin, researcher = newcomer
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(world)
    assert response.status_code == 302
    partnership = Partnership.objects.get(programme=world.programme, email=NEW_ADMIN)
    assert partnership.state == Partnership.State.INVITED and partnership.organisation is None
    assert Notification.objects.filter(user=admin, kind=Notification.Kind.PARTNERSHIP).exists()
    assert any(NEW_ADMIN in m.to for m in mail.outbox)
    assert actions(AuditEvent.Action.PARTNER_INVITE) == 1
    # before accepting: not a partner, no roles, the programme is not found
    for user in (admin, researcher):
        assert POLICY.roles(user, world.programme) == set()
        assert login(user).get(url("programmes:detail", world)).status_code == 404
        assert world.programme not in POLICY.programmes(user)
    assert org not in world.programme.partners
    inbox = login(admin).get(reverse("partners:inbox"))
    assert inbox.status_code == 200 and world.programme.name in inbox.content.decode()
    # accepting
    answer = login(admin).post(reverse("partners:accept", args=[partnership.pk]),
                               {f"p{partnership.pk}-organisation": org.pk})
    assert answer.status_code == 302
    partnership.refresh_from_db()
    assert partnership.state == Partnership.State.ACCEPTED and partnership.organisation == org
    assert partnership.answered_by == admin
    assert org in world.programme.partners
    assert actions(AuditEvent.Action.PARTNER_ACCEPT) == 1
    assert Notification.objects.filter(user=world.user(Role.ADMINISTRATOR, "own"),
                                       kind=Notification.Kind.PARTNERSHIP).exists()
    # the roles their own administrator gave them (organisation roles), nothing more
    POLICY.forget(researcher)
    assert POLICY.roles(researcher, world.programme) == {Role.RESEARCHER}
    assert login(researcher).get(url("programmes:detail", world)).status_code == 200
    # a partner's administrator does not manage the lead's programme
    assert not can(admin, Action.PARTNERS_MANAGE, world.programme)
    assert not can(admin, Action.PROGRAMME_DELETE, world.programme)
    assert can(admin, Action.PROGRAMME_LEAVE, world.programme)


def test_declined_invitation_gives_nothing_and_cannot_be_accepted_after(world: World, newcomer) -> None:
    org, admin, researcher = newcomer
    invite(world)
    partnership = Partnership.objects.get(email=NEW_ADMIN)
    assert login(admin).post(reverse("partners:decline", args=[partnership.pk])).status_code == 302
    partnership.refresh_from_db()
    assert partnership.state == Partnership.State.DECLINED
    assert actions(AuditEvent.Action.PARTNER_DECLINE) == 1
    login(admin).post(reverse("partners:accept", args=[partnership.pk]), {f"p{partnership.pk}-organisation": org.pk})
    partnership.refresh_from_db()
    assert partnership.state == Partnership.State.DECLINED and org not in world.programme.partners
    assert login(researcher).get(url("programmes:detail", world)).status_code == 404


def test_an_invitation_is_answered_only_by_the_administrator_it_was_sent_to(world: World, newcomer) -> None:
    _org, admin, researcher = newcomer
    invite(world)
    partnership = Partnership.objects.get(email=NEW_ADMIN)
    other_admin = world.user(Role.ADMINISTRATOR, "foreign")
    response = login(other_admin).post(reverse("partners:accept", args=[partnership.pk]),
                                       {f"p{partnership.pk}-organisation": world.foreign.pk})
    assert response.status_code == 404
    assert login(researcher).post(reverse("partners:accept", args=[partnership.pk])).status_code == 403
    # and an administrator cannot make another organisation accept
    response = login(admin).post(reverse("partners:accept", args=[partnership.pk]),
                                 {f"p{partnership.pk}-organisation": world.foreign.pk})
    partnership.refresh_from_db()
    assert partnership.state == Partnership.State.INVITED and world.foreign not in world.programme.partners


def test_an_expired_invitation_cannot_be_accepted(world: World, newcomer) -> None:
    org, admin, _researcher = newcomer
    invite(world)
    partnership = Partnership.objects.get(email=NEW_ADMIN)
    Partnership.objects.filter(pk=partnership.pk).update(expires=timezone.now() - timedelta(minutes=1))
    assert world.programme.name not in login(admin).get(reverse("partners:inbox")).content.decode()
    login(admin).post(reverse("partners:accept", args=[partnership.pk]), {f"p{partnership.pk}-organisation": org.pk})
    assert org not in world.programme.partners


# ------------------------------------------------------------------------------------------- by code
def test_a_code_works_once_in_any_spelling_and_not_after_it_expires(world: World, newcomer) -> None:
    org, admin, _researcher = newcomer
    code = make_code(world)
    assert not Partnership.objects.filter(code_sha256=code).exists()  # only its hash is kept
    response = login(admin).post(reverse("partners:redeem"),
                                 {"code": code.replace("-", " ").lower(), "organisation": org.pk})
    assert response.status_code == 302
    assert org in world.programme.partners
    # used: a second organisation cannot join with it
    other = Organisation.objects.create(name="Tweede Org")
    second = make_user("tweede", Role.ADMINISTRATOR, other)
    again = login(second).post(reverse("partners:redeem"), {"code": code, "organisation": other.pk})
    assert again.status_code == 422 and other not in world.programme.partners
    # expired
    late = make_code(world)
    Partnership.objects.filter(state=Partnership.State.INVITED).update(expires=timezone.now() - timedelta(seconds=1))
    response = login(second).post(reverse("partners:redeem"), {"code": late, "organisation": other.pk})
    assert response.status_code == 422 and "not valid" in response.content.decode()
    assert other not in world.programme.partners


# ------------------------------------------------------------------------------------------- refusals
def test_an_organisation_cannot_be_its_own_partner(world: World) -> None:
    own_admin = world.user(Role.ADMINISTRATOR, "own")
    own_admin.email = "lead@welzijn.test"
    own_admin.save()
    response = invite(world, "lead@welzijn.test")
    assert response.status_code == 422
    assert "cannot be its own partner" in response.content.decode()
    code = make_code(world)
    response = login(own_admin).post(reverse("partners:redeem"), {"code": code, "organisation": world.own.pk})
    assert response.status_code == 422 and "cannot be its own partner" in response.content.decode()
    assert world.own not in world.programme.partners
    with pytest.raises(partnerships.PartnershipError):
        partnerships.seed_accepted(world.programme, world.own)


def test_no_page_lists_the_organisations_of_the_installation(world: World, newcomer,
                                                             django_capture_on_commit_callbacks) -> None:
    """The bug: the create form listed every organisation, and enrolled any of them without consent."""
    researcher = world.user(Role.RESEARCHER, "own")
    page = login(researcher).get(reverse("programmes:create")).content.decode()
    for name in (world.partner.name, world.foreign.name, "Buurtteam Noord"):
        assert name not in page
    for name in ("programmes:settings", "partners:list"):
        page = lead(world).get(url(name, world)).content.decode()
        assert world.foreign.name not in page and "Buurtteam Noord" not in page
    # naming a partner in the create form does nothing
    login(researcher).post(reverse("programmes:create"), {"name": "Stiekem", "lead": world.own.pk,
                                                          "partners": [world.foreign.pk]})
    created = Programme.objects.get(name="Stiekem")
    assert list(created.partners) == []
    assert login(world.user(Role.ADMINISTRATOR, "foreign")).get(
        reverse("programmes:detail", args=[created.pk])).status_code == 404
    # the invitation page answers the same whether the address is known or not; the unknown one gets an e-mail
    with django_capture_on_commit_callbacks(execute=True):
        known, unknown = invite(world), invite(world, "nobody@nowhere.test")
    assert known.status_code == unknown.status_code == 302
    assert known.content == unknown.content
    sent = [m for m in mail.outbox if "nobody@nowhere.test" in m.to]
    assert len(sent) == 1 and world.programme.name in sent[0].body


def test_the_invitation_page_and_roles_of_a_partner_go_through_its_own_administrator(world: World,
                                                                                      newcomer) -> None:
    """A partner's people hold only what their own administrator gives: the lead cannot give them a role."""
    from impactlab_web.organisations import people

    org, admin, researcher = newcomer
    with pytest.raises(people.PeopleError):
        people.set_roles(world.own, researcher, {Role.VIEWER}, set(), world.user(Role.ADMINISTRATOR, "own"))
    # before acceptance its own administrator cannot give a programme role there either
    with pytest.raises(people.PeopleError):
        people.set_roles(org, researcher, {Role.RESEARCHER}, {(world.programme.pk, Role.ADMINISTRATOR)}, admin)
    assert world.programme not in people.programmes_of(org)


# ------------------------------------------------------------------------------------------- ending
def test_ending_a_partnership_withdraws_its_agreements_and_access_at_once(world: World, shared) -> None:
    partner_researcher = world.user(Role.RESEARCHER, "partner")
    viewer = make_user("gemma", None)
    Membership.objects.create(user=viewer, organisation=world.partner, role=Role.VIEWER)
    Membership.objects.create(user=viewer, programme=world.programme, role=Role.RESEARCHER)
    assert list(POLICY.datasets(partner_researcher, world.programme)) == [world.dataset]
    partnership = Partnership.objects.accepted().get(programme=world.programme, organisation=world.partner)
    response = lead(world).post(url("partners:end", world, partnership=partnership.pk))
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.withdrawn_at is not None and not shared.is_active()
    withdrawn = AuditEvent.objects.get(action=AuditEvent.Action.DATASET_WITHDRAW)
    assert "partnership ended" in withdrawn.detail
    assert actions(AuditEvent.Action.PARTNER_END) == 1
    POLICY.forget(partner_researcher)
    assert POLICY.roles(partner_researcher, world.programme) == set()
    assert list(POLICY.datasets(partner_researcher, world.programme)) == []
    assert login(partner_researcher).get(url("programmes:detail", world)).status_code == 404
    # programme roles of the partner's people go too
    assert not Membership.objects.filter(user=viewer, programme=world.programme).exists()
    assert login(viewer).get(url("programmes:detail", world)).status_code == 404
    assert world.partner not in world.programme.partners


def test_a_partner_leaves_and_its_agreements_end(world: World, shared) -> None:
    partner_admin = world.user(Role.ADMINISTRATOR, "partner")
    client = login(partner_admin)
    assert client.get(url("partners:leave", world)).status_code == 200
    assert client.post(url("partners:leave", world), {"organisation": world.partner.pk}).status_code == 422
    assert world.partner in world.programme.partners  # not confirmed: nothing happened
    response = client.post(url("partners:leave", world), {"organisation": world.partner.pk, "confirm": "on"})
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.withdrawn_at is not None
    assert actions(AuditEvent.Action.PARTNER_LEAVE) == 1
    assert world.partner not in world.programme.partners
    assert client.get(url("programmes:detail", world)).status_code == 404
    # the lead cannot "leave" its own programme
    assert lead(world).get(url("partners:leave", world)).status_code == 403


def test_withdrawing_an_open_invitation(world: World, newcomer) -> None:
    org, admin, _researcher = newcomer
    invite(world)
    partnership = Partnership.objects.get(email=NEW_ADMIN)
    lead(world).post(url("partners:end", world, partnership=partnership.pk))
    partnership.refresh_from_db()
    assert partnership.state == Partnership.State.ENDED
    login(admin).post(reverse("partners:accept", args=[partnership.pk]), {f"p{partnership.pk}-organisation": org.pk})
    assert org not in world.programme.partners


# ------------------------------------------------------------------------------------------- life
def test_rename_and_describe(world: World) -> None:
    response = lead(world).post(url("programmes:settings", world), {"name": "Cirkels", "description": "Nieuw"})
    assert response.status_code == 302
    world.programme.refresh_from_db()
    assert (world.programme.name, world.programme.description) == ("Cirkels", "Nieuw")
    assert actions(AuditEvent.Action.PROGRAMME_CHANGE) == 1
    partner_admin = login(world.user(Role.ADMINISTRATOR, "partner"))
    assert partner_admin.post(url("programmes:settings", world), {"name": "Gekaapt"}).status_code == 403


def test_an_archived_programme_is_read_only_and_off_the_home_page(world: World) -> None:
    editor = world.user(Role.RESEARCHER, "own")
    assert lead(world).post(url("programmes:archive", world)).status_code == 302
    world.programme.refresh_from_db()
    assert world.programme.archived and actions(AuditEvent.Action.PROGRAMME_ARCHIVE) == 1
    home = login(editor).get(reverse("programmes:home")).content.decode()
    assert world.programme.name not in home
    archived = login(editor).get(reverse("programmes:home") + "?archived=1").content.decode()
    assert world.programme.name in archived
    # reading works, every change is refused through the policy
    assert login(editor).get(url("programmes:detail", world)).status_code == 200
    assert login(editor).get(url("editor:edit", world)).status_code == 200
    for action in (Action.MODEL_EDIT, Action.QUESTIONNAIRE_MANAGE, Action.REGISTRATIONS_RECORD,
                   Action.QUALITATIVE_CODE, Action.CYCLES_MANAGE, Action.DATA_UPLOAD, Action.REVIEW_COMMENT):
        assert not can(editor, action, world.programme), action
    assert not can(world.user(Role.ADMINISTRATOR, "own"), Action.PARTNERS_MANAGE, world.programme)
    # removing personal data stays possible in the archive (the owner's administrator)
    assert can(world.user(Role.ADMINISTRATOR, "own"), Action.DATASET_DELETE, world.dataset)
    assert login(editor).post(url("editor:save", world), {"text": "x"}).status_code == 403
    assert login(editor).post(url("review:cycle_create", world), {"title": "x"}).status_code == 403
    # taken out of the archive: writable again
    assert lead(world).post(url("programmes:unarchive", world)).status_code == 302
    world.programme.refresh_from_db()
    assert not world.programme.archived and actions(AuditEvent.Action.PROGRAMME_UNARCHIVE) == 1
    assert can(editor, Action.MODEL_EDIT, world.programme)


def test_delete_needs_the_typed_name(world: World) -> None:
    pk, name = world.programme.pk, world.programme.name
    response = lead(world).post(url("programmes:delete", world), {"name": name.upper()})
    assert response.status_code == 422 and Programme.objects.filter(pk=pk).exists()
    assert login(world.user(Role.ADMINISTRATOR, "partner")).post(
        url("programmes:delete", world), {"name": name}).status_code == 403
    response = lead(world).post(url("programmes:delete", world), {"name": name})
    assert response.status_code == 302 and not Programme.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.PROGRAMME_DELETE)
    assert event.programme_name == name  # the trail keeps it
    assert not Partnership.objects.filter(programme_id=pk).exists()


def test_a_programme_with_a_finished_cycle_can_only_be_archived(world: World) -> None:
    from impactlab_web.review.models import Cycle
    from tests_web import review_world

    Cycle.objects.filter(pk=review_world.cycle(world).pk).update(status=Cycle.Status.FINISHED)
    response = lead(world).post(url("programmes:delete", world), {"name": world.programme.name})
    assert response.status_code == 422 and "can only be archived" in response.content.decode()
    assert Programme.objects.filter(pk=world.programme.pk).exists()
    assert lead(world).post(url("programmes:archive", world)).status_code == 302
    world.programme.refresh_from_db()
    assert world.programme.archived


def test_a_programme_with_a_running_cycle_and_data_is_deleted_whole(world: World, shared) -> None:
    from tests_web import review_world

    review_world.report(world)
    pk = world.programme.pk
    assert lead(world).post(url("programmes:delete", world), {"name": world.programme.name}).status_code == 302
    assert not Programme.objects.filter(pk=pk).exists()
    assert not DataSharingAgreement.objects.filter(pk=shared.pk).exists()
    removed = AuditEvent.objects.get(action=AuditEvent.Action.DATASET_DELETE)  # in the data owner's trail
    assert removed.organisation == world.own and removed.object_id == world.dataset.snapshot_id


def test_an_archived_programme_takes_no_answers_through_its_public_links(world: World, client) -> None:
    from impactlab_web.fieldwork import testing as fieldwork_args

    link = reverse("fieldwork:respond", kwargs={"wave_link": fieldwork_args.wave_link(world)})
    assert client.get(link).status_code == 200
    lead(world).post(url("programmes:archive", world))
    response = client.get(link)
    assert response.status_code == 410 and "archived" in response.content.decode()


def test_a_shared_report_takes_no_comments_once_archived(world: World) -> None:
    from tests_web import review_world

    token = review_world.token(world)
    lead(world).post(url("programmes:archive", world))
    response = Client().post(reverse("review:shared_comment", kwargs={"token": token}), {"text": "x"})
    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_existing_partners_as_accepted_partnerships() -> None:
    """Installations keep their partners: each old partner row becomes an accepted partnership (not the lead)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("impactlab_web", "0005_audit_data_removal")], [("impactlab_web", "0006_partnerships")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Org, Prog = old.get_model("impactlab_web", "Organisation"), old.get_model("impactlab_web", "Programme")
    lead_org, partner = Org.objects.create(name="Lead"), Org.objects.create(name="Partner")
    programme = Prog.objects.create(name="Oud", lead=lead_org)
    programme.partners.add(partner, lead_org)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    rows = new.get_model("impactlab_web", "Partnership").objects.values_list("programme_id", "organisation_id",
                                                                             "state")
    assert list(rows) == [(programme.pk, partner.pk, "accepted")]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

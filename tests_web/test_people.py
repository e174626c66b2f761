"""An organisation's administrator manages its people: invitations by e-mail, roles, deactivation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from impactlab_web.organisations.models import Invitation, Membership, Role
from tests_web.conftest import World, make_user

PASSWORD = "veld-lamp-92-kies"


def admin_client(world: World) -> Client:
    client = Client()
    client.force_login(world.user(Role.ADMINISTRATOR, "own"))
    return client


def invite(world: World, email: str = "sanne@welzijn.test", role: Role = Role.RESEARCHER,
           language: str = "nl") -> str:
    """Invite through the page; returns the link from the e-mail."""
    response = admin_client(world).post(reverse("people:list", args=[world.own.pk]),
                                        {"email": email, "role": role.value, "language": language})
    assert response.status_code == 302, response.content.decode()[:2000]
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    return link.group(0).split("testserver", 1)[1]


def accept(link: str, username: str = "sanne", client: Client | None = None):
    client = client or Client()
    return client, client.post(link, {"username": username, "name": "Sanne de Boer", "language": "nl",
                                      "password1": PASSWORD, "password2": PASSWORD})


def test_an_invited_colleague_sets_a_password_and_gets_the_role(world: World) -> None:
    link = invite(world)
    message = mail.outbox[-1]
    assert message.to == ["sanne@welzijn.test"]
    assert "Uitnodiging" in message.subject and "Welzijn Test" in message.subject  # the invitee's language
    client, response = accept(link)
    assert response.status_code == 302
    user = User.objects.get(username="sanne")
    assert user.email == "sanne@welzijn.test" and user.get_full_name() == "Sanne de Boer"
    assert user.check_password(PASSWORD) and user.profile.language == "nl"
    assert set(Membership.objects.filter(user=user).values_list("role", "organisation")) == {
        (Role.RESEARCHER.value, world.own.pk)}
    home = client.get(reverse("programmes:home"))
    assert home.status_code == 200 and world.programme.name in home.content.decode()
    # the link works once
    again = Client().get(link)
    assert again.status_code == 410 and "used already" in again.content.decode()
    _, reuse = accept(link, username="someone-else")
    assert reuse.status_code == 410 and not User.objects.filter(username="someone-else").exists()


def test_expired_cancelled_and_unknown_links_let_no_one_in(world: World) -> None:
    link = invite(world)
    Invitation.objects.update(expires=timezone.now() - timedelta(seconds=1))
    _, response = accept(link)
    assert response.status_code == 410 and not User.objects.filter(username="sanne").exists()
    # sending again gives a new link; the old one is unknown from then on
    invitation = Invitation.objects.get()
    admin_client(world).post(reverse("people:resend", args=[world.own.pk, invitation.pk]))
    new_link = re.search(r"/invitations/\S+/", mail.outbox[-1].body).group(0)
    assert new_link != link and Client().get(link).status_code == 404
    admin_client(world).post(reverse("people:cancel", args=[world.own.pk, invitation.pk]))
    _, response = accept(new_link)
    assert response.status_code == 410 and not User.objects.filter(username="sanne").exists()
    # guessing: a thousand random tokens find nothing
    for n in range(1000):
        assert Client().get(f"/invitations/guess{n:04d}-{'x' * 30}/").status_code == 404


def test_the_last_administrator_stays_and_roles_per_programme(world: World) -> None:
    client = admin_client(world)
    admin = world.user(Role.ADMINISTRATOR, "own")
    for user in User.objects.filter(memberships__organisation=world.own, memberships__role=Role.ADMINISTRATOR):
        if user != admin:
            Membership.objects.filter(user=user, organisation=world.own, role=Role.ADMINISTRATOR).delete()
    response = client.post(reverse("people:person", args=[world.own.pk, admin.pk]), {"roles": ["researcher"]})
    assert response.status_code == 422 and "administrator" in response.content.decode()
    assert Membership.objects.filter(user=admin, role=Role.ADMINISTRATOR, organisation=world.own).exists()
    viewer = world.user(Role.VIEWER, "own")
    response = client.post(reverse("people:person", args=[world.own.pk, viewer.pk]),
                           {"roles": ["viewer"], f"programme_{world.programme.pk}": ["researcher"]})
    assert response.status_code == 302
    assert set(Membership.objects.filter(user=viewer).values_list("role", "organisation", "programme")) == {
        ("viewer", world.own.pk, None), ("researcher", None, world.programme.pk)}
    # a programme of another organisation cannot be named
    response = client.post(reverse("people:person", args=[world.own.pk, viewer.pk]),
                           {"roles": ["viewer"], f"programme_{world.other.pk}": ["researcher"]})
    assert not Membership.objects.filter(user=viewer, programme=world.other).exists()


def test_deactivating_ends_every_session_at_once(world: World) -> None:
    professional = world.user(Role.PROFESSIONAL, "own")
    theirs = Client()
    assert _logs_in(theirs, professional.username)
    assert theirs.get(reverse("programmes:home")).status_code == 200
    response = admin_client(world).post(reverse("people:active", args=[world.own.pk, professional.pk]),
                                        {"active": "0"})
    assert response.status_code == 302
    assert theirs.get(reverse("programmes:home")).status_code == 302  # back to the login page
    assert not _logs_in(Client(), professional.username)
    admin_client(world).post(reverse("people:active", args=[world.own.pk, professional.pk]), {"active": "1"})
    assert _logs_in(Client(), professional.username)


def test_an_administrator_never_reaches_another_organisations_people(world: World) -> None:
    client = admin_client(world)
    partner_person = world.user(Role.RESEARCHER, "partner")
    assert client.get(reverse("people:list", args=[world.partner.pk])).status_code == 404
    assert client.get(reverse("people:person", args=[world.own.pk, partner_person.pk])).status_code == 404
    assert client.post(reverse("people:active", args=[world.own.pk, partner_person.pk]),
                       {"active": "0"}).status_code == 404
    assert User.objects.get(pk=partner_person.pk).is_active
    # someone who works for two organisations is removed from one, not deactivated by it
    both = make_user("twee-organisaties", Role.RESEARCHER, world.own)
    Membership.objects.create(user=both, organisation=world.partner, role=Role.RESEARCHER)
    client.post(reverse("people:active", args=[world.own.pk, both.pk]), {"active": "0"})
    assert User.objects.get(pk=both.pk).is_active
    client.post(reverse("people:remove", args=[world.own.pk, both.pk]))
    assert set(Membership.objects.filter(user=both).values_list("organisation", flat=True)) == {world.partner.pk}


def test_a_signed_in_person_accepts_only_an_invitation_to_their_own_address(world: World) -> None:
    link = invite(world, email="partner-researcher@gemeente.test")
    someone = Client()
    someone.force_login(world.user(Role.VIEWER, "partner"))
    response = someone.post(link)
    assert response.status_code == 422 and "partner-researcher@gemeente.test" in response.content.decode()
    invited = world.user(Role.RESEARCHER, "partner")
    invited.email = "Partner-Researcher@gemeente.test"
    invited.save()
    theirs = Client()
    theirs.force_login(invited)
    assert theirs.post(link).status_code == 302
    assert Membership.objects.filter(user=invited, organisation=world.own, role=Role.RESEARCHER).exists()


def test_inviting_twice_renews_the_open_invitation(world: World) -> None:
    first = invite(world, language="en")
    assert "Invitation to impactlab" in mail.outbox[-1].subject
    second = invite(world, role=Role.VIEWER)
    assert Invitation.objects.count() == 1 and Invitation.objects.get().role == Role.VIEWER
    assert Client().get(first).status_code == 404 and Client().get(second).status_code == 200
    response = admin_client(world).post(reverse("people:list", args=[world.own.pk]),
                                        {"email": "niet-een-adres", "role": "viewer", "language": "nl"})
    assert response.status_code == 422


@pytest.mark.parametrize("language", ["nl", "en"])
def test_people_page_in_both_languages(world: World, language: str) -> None:
    admin = world.user(Role.ADMINISTRATOR, "own")
    admin.profile.language = language
    admin.profile.save()
    page = admin_client(world).get(reverse("people:list", args=[world.own.pk])).content.decode()
    assert ("Collega uitnodigen" if language == "nl" else "Invite a colleague") in page


def _logs_in(client, username: str) -> bool:
    """A login through the login page (django-axes needs the request, as a real login has)."""
    response = client.post("/accounts/login/", {"username": username, "password": "correct-horse-battery"})
    return response.status_code == 302

"""Changing one's own e-mail address: it takes effect only through the one-time link sent to the new address.

The old address stays in force (password resets, single sign-on) until the person opens the link, logged in;
the old address is told; an address another account uses is refused without naming it; sending is throttled.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from impactlab_web.accounts.models import EmailChange
from impactlab_web.core.models import AuditEvent
from impactlab_web.notifications.models import Notification
from impactlab_web.organisations.models import Role
from tests_web.conftest import World
from tests_web.oidc_provider import Provider
from tests_web.test_accounts import NEW_PASSWORD, PASSWORD, signed_in
from tests_web.test_single_sign_on import enabled, idp, sso  # noqa: F401 (idp: the provider fixture)

OLD = "sanne@welzijn.test"
PROFILE = reverse("accounts:profile")


@pytest.fixture
def sanne(world: World) -> User:
    user = world.user(Role.RESEARCHER, "own")
    User.objects.filter(pk=user.pk).update(email=OLD)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def send(django_capture_on_commit_callbacks) -> Callable:
    """A POST whose e-mails leave (they are sent after the transaction commits)."""
    def post(client: Client, url: str, data: dict | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {})
    return post


def ask(send: Callable, client: Client, email: str, password: str = PASSWORD):
    return send(client, PROFILE, {"first_name": "Sanne", "last_name": "de Boer", "email": email, "language": "en",
                                  "password": password})


def link_to(email: str) -> str:
    """The path of the newest confirmation link sent to `email`."""
    sent = [m for m in mail.outbox if m.to == [email] and "/accounts/email/confirm/" in m.body]
    return re.search(r"https?://[^/\s]+(/accounts/email/confirm/\S+/)", sent[-1].body).group(1)


def address(user: User) -> str:
    return User.objects.get(pk=user.pk).email


# ------------------------------------------------------------------------------------------- the link
def test_a_new_address_waits_for_the_link_which_works_once(sanne: User, send: Callable) -> None:
    client = signed_in(sanne.username)
    response = ask(send, client, "sanne.nieuw@welzijn.test")
    assert response.status_code == 302
    assert address(sanne) == OLD  # nothing changed yet
    page = client.get(PROFILE).content.decode()
    assert "Waiting for confirmation: sanne.nieuw@welzijn.test" in page and "Send the link again" in page
    assert User.objects.get(pk=sanne.pk).first_name == "Sanne"  # the rest of the profile is saved

    link = link_to("sanne.nieuw@welzijn.test")
    assert client.get(link).status_code == 200 and address(sanne) == OLD  # opening the link changes nothing
    assert client.post(link).status_code == 302
    assert address(sanne) == "sanne.nieuw@welzijn.test"
    assert not EmailChange.objects.filter(user=sanne).exists()
    event = AuditEvent.objects.get(action="account.email")
    assert (event.user_id, event.object_type, event.object_id) == (sanne.pk, "person", str(sanne.pk))
    assert "welzijn.test" not in event.detail  # no address in the trail

    again = client.post(link, follow=True)
    assert "This link does not work (any more)" in again.content.decode()
    assert address(sanne) == "sanne.nieuw@welzijn.test"


def test_the_link_works_only_for_the_person_logged_in(sanne: User, send: Callable, world: World) -> None:
    ask(send, signed_in(sanne.username), "sanne.nieuw@welzijn.test")
    link = link_to("sanne.nieuw@welzijn.test")
    anonymous = Client().post(link)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("accounts:login"))
    someone_else = signed_in(world.user(Role.PROFESSIONAL, "own").username)
    assert "This link does not work" in someone_else.get(link).content.decode()
    someone_else.post(link)
    assert address(sanne) == OLD and address(world.user(Role.PROFESSIONAL, "own")) != "sanne.nieuw@welzijn.test"


@override_settings(PASSWORD_RESET_TIMEOUT=-1)
def test_an_expired_link_is_refused(sanne: User, send: Callable) -> None:
    client = signed_in(sanne.username)
    ask(send, client, "sanne.nieuw@welzijn.test")
    link = link_to("sanne.nieuw@welzijn.test")
    assert "This link does not work" in client.get(link).content.decode()
    client.post(link)
    assert address(sanne) == OLD


def test_a_newer_request_a_cancel_or_a_new_password_ends_the_links(sanne: User, send: Callable) -> None:
    client = signed_in(sanne.username)
    ask(send, client, "eerste@welzijn.test")
    first = link_to("eerste@welzijn.test")
    ask(send, client, "tweede@welzijn.test")
    second = link_to("tweede@welzijn.test")
    client.post(first)
    assert address(sanne) == OLD  # superseded

    send(client, reverse("accounts:email_cancel"))
    assert "Waiting for confirmation" not in client.get(PROFILE).content.decode()
    client.post(second)
    assert address(sanne) == OLD  # cancelled

    ask(send, client, "derde@welzijn.test")
    third = link_to("derde@welzijn.test")
    client.post(reverse("accounts:password_change"),
                {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.post(third)
    assert address(sanne) == OLD  # the password changed since

    ask(send, client, "vierde@welzijn.test", password=NEW_PASSWORD)
    send(client, reverse("accounts:email_resend"))
    client.post(link_to("vierde@welzijn.test"))  # the resent link
    assert address(sanne) == "vierde@welzijn.test"


# ------------------------------------------------------------------------------------------- refusals and notices
def test_an_address_of_another_account_is_refused_without_naming_it(sanne: User, send: Callable,
                                                                     world: World) -> None:
    other = world.user(Role.ADMINISTRATOR, "partner")
    User.objects.filter(pk=other.pk).update(email="Kees@Gemeente.test")
    client = signed_in(sanne.username)
    response = ask(send, client, "kees@gemeente.TEST")
    page = response.content.decode()
    assert response.status_code == 422
    assert "This e-mail address cannot be used for your account. Choose another one." in page
    assert other.username not in page and "Gemeente" not in page.replace("kees@gemeente.TEST", "")
    assert mail.outbox == [] and not EmailChange.objects.exists()
    # without the password nothing is said about the address; with it, refusals count toward the throttle
    guess = ask(send, client, "kees@gemeente.test", password="")
    assert guess.status_code == 422 and "cannot be used" not in guess.content.decode()
    assert [ask(send, client, "KEES@gemeente.test").status_code for _ in range(3)] == [422, 422, 429]

    # taken between the request and the link: the same answer, and the address stays
    ask(send, client, "vrij@gemeente.test")
    User.objects.filter(pk=other.pk).update(email="VRIJ@gemeente.test")
    refused = client.post(link_to("vrij@gemeente.test"), follow=True)
    assert "This e-mail address cannot be used for your account." in refused.content.decode()
    assert address(sanne) == OLD


def test_the_old_address_is_told_in_the_persons_language(sanne: User, send: Callable) -> None:
    sanne.profile.language = "nl"
    sanne.profile.save()
    ask(send, signed_in(sanne.username), "sanne.nieuw@welzijn.test")
    to_old = [m for m in mail.outbox if m.to == [OLD]]
    assert len(to_old) == 1 and "sanne.nieuw@welzijn.test" in to_old[0].body
    assert "/accounts/email/confirm/" not in to_old[0].body  # the link goes to the new address only
    notice = Notification.objects.get(user=sanne, kind="account")
    assert notice.title in to_old[0].body and "wachtwoord" in notice.title  # Dutch: the person's language
    to_new = [m for m in mail.outbox if m.to == ["sanne.nieuw@welzijn.test"]]
    assert len(to_new) == 1 and "Bevestig" in to_new[0].subject


def test_sending_is_throttled_per_person_and_per_address(sanne: User, send: Callable) -> None:
    client = signed_in(sanne.username)
    answers = [ask(send, client, f"nieuw{i}@welzijn.test").status_code for i in range(6)]
    assert answers == [302] * 5 + [429]
    assert "Too many e-mails sent" in ask(send, client, "nog@welzijn.test").content.decode()
    assert len([m for m in mail.outbox if "/accounts/email/confirm/" in m.body]) == 5

    other = signed_in(User.objects.create_user("kees", password=PASSWORD).username)
    ask(send, other, "doel@welzijn.test")
    for _ in range(3):
        send(other, reverse("accounts:email_resend"))
    assert len([m for m in mail.outbox if m.to == ["doel@welzijn.test"]]) == 3  # per address: 3 an hour


# ------------------------------------------------------------------------------------------- single sign-on
def test_single_sign_on_uses_the_confirmed_address_only(idp: Provider, sanne: User,  # noqa: F811
                                                         send: Callable) -> None:
    client = signed_in(sanne.username)
    ask(send, client, "sanne@gemeente.test")
    with enabled(idp):
        pending = Client()
        back = sso(idp, pending, {"email": "sanne@gemeente.test", "email_verified": True})
        assert back.url == reverse("accounts:login") and "_auth_user_id" not in pending.session
        old = Client()
        sso(idp, old, {"email": OLD, "email_verified": True})
        assert old.session["_auth_user_id"] == str(sanne.pk)

        client.post(link_to("sanne@gemeente.test"))
        new = Client()
        sso(idp, new, {"email": "sanne@gemeente.test", "email_verified": True})
        assert new.session["_auth_user_id"] == str(sanne.pk)
        gone = Client()
        back = sso(idp, gone, {"email": OLD, "email_verified": True})
        assert back.url == reverse("accounts:login") and "_auth_user_id" not in gone.session

"""Accounts: password change and reset, two-factor login (TOTP), profile, one's own sessions."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from impactlab_web.accounts.models import TwoFactorRule, UserSession
from impactlab_web.organisations.models import Membership, Role
from tests_web.conftest import World, make_user

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "veld-lamp-92-kies"
HOME = "/"


def signed_in(username: str, password: str = PASSWORD, agent: str = "browser") -> Client:
    """A client logged in through the login page (django-axes sees every attempt)."""
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:1000]
    return client


def is_in(client: Client) -> bool:
    return client.get(reverse("programmes:home")).status_code == 200


def code(device: TOTPDevice, offset: int = 0) -> str:
    """The device's code now (`offset` time steps ahead), computed with RFC 6238 independently of the view."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


# ------------------------------------------------------------------------------------------- password
def test_changing_the_password_ends_every_other_session(world: World) -> None:
    user = world.user(Role.RESEARCHER, "own")
    here, elsewhere = signed_in(user.username), signed_in(user.username, agent="phone")
    response = here.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert is_in(here) and not is_in(elsewhere)
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    wrong = here.post(reverse("accounts:password_change"), {
        "old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert wrong.status_code == 422


def _reset_link() -> str:
    link = re.search(r"https?://testserver(/accounts/password/reset/\S+/\S+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    return link.group(1)


def test_a_forgotten_password_is_reset_by_a_link_that_works_once(world: World) -> None:
    user = world.user(Role.RESEARCHER, "own")
    User.objects.filter(pk=user.pk).update(email="sanne@welzijn.test")
    session = signed_in(user.username)
    anonymous = Client()
    response = anonymous.post(reverse("accounts:password_reset"), {"email": "SANNE@welzijn.test"})
    assert response.status_code == 302 and len(mail.outbox) == 1 and mail.outbox[0].to == ["sanne@welzijn.test"]
    form = anonymous.get(_reset_link(), follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = anonymous.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert not is_in(session)  # every session ended
    again = Client().get(_reset_link(), follow=True)
    assert not again.context["validlink"]  # used once: the password changed, the token with it


def test_an_unknown_address_gets_the_same_answer_and_no_mail(world: World) -> None:
    response = Client().post(reverse("accounts:password_reset"), {"email": "niemand@nergens.test"})
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


@override_settings(PASSWORD_RESET_TIMEOUT=-1)
def test_an_expired_reset_link_is_refused(world: World) -> None:
    user = world.user(Role.RESEARCHER, "own")
    User.objects.filter(pk=user.pk).update(email="sanne@welzijn.test")
    Client().post(reverse("accounts:password_reset"), {"email": "sanne@welzijn.test"})
    page = Client().get(_reset_link(), follow=True)
    assert not page.context["validlink"] and "expired" in page.content.decode()


def test_reset_requests_are_throttled_per_address(world: World) -> None:
    user = world.user(Role.RESEARCHER, "own")
    User.objects.filter(pk=user.pk).update(email="sanne@welzijn.test")
    answers = [Client().post(reverse("accounts:password_reset"), {"email": "sanne@welzijn.test"}).status_code
               for _ in range(5)]
    assert answers == [302, 302, 302, 429, 429]
    assert len(mail.outbox) == 3


# ------------------------------------------------------------------------------------------- two factors
def enrol(client: Client, user: User) -> TOTPDevice:
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(reverse("accounts:two_factor_setup"), {"token": "000000" if code(device) != "000000"
                                                              else "111111"}).status_code == 422
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
    device.save()
    response = client.post(reverse("accounts:two_factor_setup"), {"token": code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_with_a_second_factor_every_page_waits_for_the_code(world: World) -> None:
    user = world.user(Role.RESEARCHER, "own")
    device = enrol(signed_in(user.username), user)
    client = signed_in(user.username)
    for name, args in [("programmes:home", []), ("programmes:detail", [world.programme.pk]),
                       ("people:list", [world.own.pk]), ("accounts:profile", []), ("accounts:sessions", [])]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:verify")), name
    wrong = client.post(reverse("accounts:verify"), {"token": "12345"})
    assert wrong.status_code == 422 and not is_in(client)
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
    device.save()
    right = client.post(reverse("accounts:verify") + "?next=/accounts/profile/", {"token": code(device, 1)})
    assert right.status_code == 302 and right.url == "/accounts/profile/"
    assert is_in(client)
    # the same code does not work twice (django-otp keeps the last time step used)
    other = signed_in(user.username)
    assert other.post(reverse("accounts:verify"), {"token": code(device, 1)}).status_code == 422


def test_wrong_codes_are_throttled(world: World) -> None:
    """After a wrong code django-otp refuses every code for a growing time: guessing 10^6 codes is hopeless."""
    user = world.user(Role.RESEARCHER, "own")
    device = enrol(signed_in(user.username), user)
    client = signed_in(user.username)
    right = code(device, 1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert client.post(reverse("accounts:verify"), {"token": wrong}).status_code == 422
    assert client.post(reverse("accounts:verify"), {"token": right}).status_code == 422  # throttled
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # a throttled attempt is refused unchecked, not counted
    assert not is_in(client)


def test_an_organisation_can_require_a_second_factor_of_the_roles_that_see_personal_data(world: World) -> None:
    admin = Client()
    admin.force_login(world.user(Role.ADMINISTRATOR, "own"))
    # the administrator's own page still works (no device yet): the rule takes effect at the next request
    assert admin.post(reverse("people:two_factor_rule", args=[world.own.pk]), {"required": "1"}).status_code == 302
    assert TwoFactorRule.objects.get(organisation=world.own).required
    researcher, viewer = world.user(Role.RESEARCHER, "own"), world.user(Role.VIEWER, "own")
    client = signed_in(researcher.username)
    response = client.get(reverse("programmes:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:two_factor_setup"))
    assert is_in(signed_in(viewer.username))  # a viewer sees no personal data
    assert is_in(signed_in(world.user(Role.RESEARCHER, "partner").username))  # another organisation's rule
    # a programme role in a programme the organisation leads counts too
    programme_person = make_user("alleen-programma", Role.PROFESSIONAL, programme=world.programme)
    assert not is_in(signed_in(programme_person.username))
    enrol(client, researcher)
    assert is_in(client)
    # it cannot be turned off while required
    device = TOTPDevice.objects.get(user=researcher)
    client.post(reverse("accounts:two_factor_disable"), {"password": PASSWORD, "token": code(device, 1)})
    assert TOTPDevice.objects.filter(user=researcher, confirmed=True).exists()


def test_turning_the_second_factor_off_needs_the_password_and_a_code(world: World) -> None:
    user = world.user(Role.RESEARCHER, "own")
    client = signed_in(user.username)
    device = enrol(client, user)
    client.post(reverse("accounts:two_factor_disable"), {"password": "wrong", "token": code(device, 1)})
    assert TOTPDevice.objects.filter(user=user).exists()
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
    device.save()
    client.post(reverse("accounts:two_factor_disable"), {"password": PASSWORD, "token": code(device, 1)})
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_an_administrator_resets_a_lost_second_factor_of_their_own_people_only(world: World) -> None:
    researcher = world.user(Role.RESEARCHER, "own")
    session = signed_in(researcher.username)
    enrol(session, researcher)
    partner_person = world.user(Role.RESEARCHER, "partner")
    TOTPDevice.objects.create(user=partner_person, name="x", confirmed=True)
    admin = Client()
    admin.force_login(world.user(Role.ADMINISTRATOR, "own"))
    assert admin.post(reverse("people:two_factor_reset", args=[world.own.pk, partner_person.pk])).status_code == 404
    assert TOTPDevice.objects.filter(user=partner_person).exists()
    assert admin.post(reverse("people:two_factor_reset", args=[world.own.pk, researcher.pk])).status_code == 302
    assert not TOTPDevice.objects.filter(user=researcher).exists()
    assert not is_in(session)  # their sessions ended


# ------------------------------------------------------------------------------------------- sessions, profile
def test_one_sees_ones_own_sessions_and_logs_out_elsewhere(world: World) -> None:
    user = world.user(Role.RESEARCHER, "own")
    here, phone, laptop = (signed_in(user.username, agent=a) for a in ("desk", "phone", "laptop"))
    other_person = signed_in(world.user(Role.VIEWER, "own").username)
    page = here.get(reverse("accounts:sessions")).content.decode()
    assert all(agent in page for agent in ("desk", "phone", "laptop"))
    phone_row = UserSession.objects.get(user=user, user_agent="phone")
    here.post(reverse("accounts:session_end"), {"session": phone_row.pk})
    assert not is_in(phone) and is_in(laptop) and is_in(here)
    # another person's session cannot be ended by its id
    theirs = UserSession.objects.exclude(user=user).first()
    here.post(reverse("accounts:session_end"), {"session": theirs.pk})
    assert is_in(other_person)
    here.post(reverse("accounts:session_end"), {"others": "1"})
    assert not is_in(laptop) and is_in(here) and is_in(other_person)


def test_a_new_email_address_needs_the_password(world: World) -> None:
    user = world.user(Role.RESEARCHER, "own")
    client = signed_in(user.username)
    data = {"first_name": "Sanne", "last_name": "de Boer", "email": "nieuw@welzijn.test", "language": "nl"}
    assert client.post(reverse("accounts:profile"), data).status_code == 422
    assert client.post(reverse("accounts:profile"), {**data, "password": PASSWORD}).status_code == 302
    user.refresh_from_db()
    assert (user.get_full_name(), user.email, user.profile.language) == ("Sanne de Boer", "", "nl")
    assert user.email_change.email == "nieuw@welzijn.test"  # in force once the link is opened: test_email_change
    assert "Profiel" in client.get(reverse("accounts:profile")).content.decode()


@pytest.mark.parametrize("name", ["accounts:profile", "accounts:sessions", "accounts:two_factor_setup",
                                  "accounts:password_change"])
def test_account_pages_need_a_login(name: str) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_deactivating_ends_sessions_through_the_index(world: World) -> None:
    professional = world.user(Role.PROFESSIONAL, "own")
    theirs = signed_in(professional.username)
    assert UserSession.objects.filter(user=professional).count() == 1
    admin = Client()
    admin.force_login(world.user(Role.ADMINISTRATOR, "own"))
    admin.post(reverse("people:active", args=[world.own.pk, professional.pk]), {"active": "0"})
    assert not UserSession.objects.filter(user=professional).exists() and not is_in(theirs)
    assert Membership.objects.filter(user=professional).exists()

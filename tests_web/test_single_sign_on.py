"""Single sign-on through OpenID Connect: the whole code flow against a real (test) provider over HTTP.

The app's views and mozilla-django-oidc run unmocked; the provider (tests_web/oidc_provider.py) signs real
RS256 ID tokens. Only existing active accounts with the provider's verified e-mail address get in; the app's
second-factor rule still holds unless the installation says the provider enforces multi-factor login.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse

from impactlab_web.accounts.models import TwoFactorRule
from impactlab_web.core.management.commands.oidc_discover import discover
from impactlab_web.organisations.models import Role
from impactlab_web.settings import oidc as oidc_settings
from tests_web.conftest import World
from tests_web.oidc_provider import Provider
from tests_web.test_accounts import enrol, is_in, signed_in

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def idp() -> Iterator[Provider]:
    provider = Provider()
    yield provider
    provider.close()


@pytest.fixture(autouse=True)
def _fresh(idp: Provider) -> None:
    idp.signing_key, idp.id_token_changes, idp.userinfo_changes, idp.claims = idp.key, {}, {}, {}


@contextmanager
def enabled(idp: Provider, **extra: str) -> Iterator[oidc_settings.Provider]:
    """The app configured for `idp` as an installation's environment would configure it."""
    config = oidc_settings.from_environment(idp.environment(**extra), development=True)
    with override_settings(IMPACTLAB_OIDC=config, AUTHENTICATION_BACKENDS=[*settings.AUTHENTICATION_BACKENDS,
                                                                           oidc_settings.BACKEND],
                           **config.django_settings()):
        yield config


def person(email: str, role: Role = Role.RESEARCHER, world: World | None = None, *, active: bool = True) -> User:
    user = world.user(role, "own") if world else User.objects.create_user("someone", password="x" * 12)
    User.objects.filter(pk=user.pk).update(email=email, is_active=active)
    return User.objects.get(pk=user.pk)


def sso(idp: Provider, client: Client, claims: dict, next_url: str = "") -> object:
    """Log in at the provider as `claims` and come back: the browser's part of the code flow, hop by hop."""
    idp.claims = {"sub": "sub-" + str(claims.get("email")), **claims}
    start = client.get(reverse("accounts:oidc_start") + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302 and start.url.startswith(idp.issuer + "/authorize?"), start
    at_provider = requests.get(start.url, allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == reverse("accounts:oidc_callback")
    return client.get(f"{back.path}?{back.query}")


def message(client: Client) -> str:
    return " ".join(str(m) for m in client.get(reverse("accounts:login")).context["messages"])


# ------------------------------------------------------------------------------------------- configuration
def test_off_by_default_no_button_and_no_single_sign_on_pages(db) -> None:
    client = Client()
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200 and "single-sign-on" not in page.content.decode()
    assert client.get(reverse("accounts:oidc_start")).status_code == 404
    assert client.get(reverse("accounts:oidc_callback") + "?code=a&state=b").status_code == 404


@pytest.mark.parametrize("leave_out", ["IMPACTLAB_OIDC_CLIENT_SECRET", "IMPACTLAB_OIDC_JWKS_ENDPOINT",
                                       "IMPACTLAB_OIDC_ISSUER"])
def test_a_provider_named_in_part_refuses_to_start(idp: Provider, leave_out: str) -> None:
    env = idp.environment()
    del env[leave_out]
    with pytest.raises(ImproperlyConfigured, match=f"configured in part; missing: {leave_out}"):
        oidc_settings.from_environment(env, development=True)


@pytest.mark.parametrize(("extra", "problem"), [
    ({"ALLOWED_DOMAIN": "gemeente.test"}, "IMPACTLAB_OIDC_ALLOWED_DOMAIN is not a setting"),  # a typo is no no-op
    ({"TRUST_EMAIL": "1"}, "TRUST_EMAIL=1 needs IMPACTLAB_OIDC_ALLOWED_DOMAINS"),
    ({"PROVIDER_MFA": "yes"}, "PROVIDER_MFA must be 0 or 1"),
    ({"SIGN_ALGO": "HS256"}, "SIGN_ALGO must be one of"),
])
def test_unsafe_or_unknown_settings_refuse_to_start(idp: Provider, extra: dict, problem: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=problem):
        oidc_settings.from_environment(idp.environment(**extra), development=True)


def test_a_server_needs_https_addresses(idp: Provider) -> None:
    with pytest.raises(ImproperlyConfigured, match="IMPACTLAB_OIDC_TOKEN_ENDPOINT must be an https://"):
        oidc_settings.from_environment(idp.environment(), development=False)
    https = {k: v.replace("http://", "https://") for k, v in idp.environment().items()}
    assert oidc_settings.from_environment(https, development=False).name == "Test IdP"
    assert oidc_settings.from_environment({}, development=False) is None


def test_the_app_does_not_start_with_a_partial_provider(idp: Provider) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMPACTLAB_OIDC_")}
    env.update(IMPACTLAB_DEVELOPMENT="1", DJANGO_SETTINGS_MODULE="impactlab_web.settings",
               IMPACTLAB_OIDC_ISSUER=idp.issuer, IMPACTLAB_OIDC_CLIENT_ID="impactlab")
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "refuses to start: single sign-on" in done.stderr and "IMPACTLAB_OIDC_CLIENT_SECRET" in done.stderr


# ------------------------------------------------------------------------------------------- logging in
def test_a_verified_matching_address_logs_into_the_existing_account(idp: Provider, world: World) -> None:
    user = person("Sanne.de.Vries@Welzijn.test", world=world)
    accounts = User.objects.count()
    with enabled(idp):
        client = Client()
        page = client.get(reverse("accounts:login") + "?next=/accounts/profile/").content.decode()
        assert "Log in with Test IdP" in page and 'href="/accounts/sso/?next=/accounts/profile/"' in page
        back = sso(idp, client, {"email": "sanne.de.vries@welzijn.test", "email_verified": True},
                   next_url="/accounts/profile/")
        assert back.status_code == 302 and back.url == "/accounts/profile/"
        assert client.session["_auth_user_id"] == str(user.pk) and is_in(client)
        assert client.session["_auth_user_backend"] == oidc_settings.BACKEND
        assert idp.calls[-3:] == ["/token", "/jwks", "/userinfo"]
        # the password login goes on working beside it
        assert is_in(signed_in(user.username))
    assert User.objects.count() == accounts


def test_a_next_address_on_another_site_is_ignored(idp: Provider, world: World) -> None:
    person("kees@welzijn.test", world=world)
    with enabled(idp):
        client = Client()
        back = sso(idp, client, {"email": "kees@welzijn.test", "email_verified": True},
                   next_url="https://elders.test/phish")
        assert back.status_code == 302 and back.url == reverse("programmes:home") and is_in(client)


def test_an_unknown_address_is_refused_and_no_account_is_made(idp: Provider, world: World) -> None:
    accounts = User.objects.count()
    with enabled(idp):
        client = Client()
        back = sso(idp, client, {"email": "nieuw@gemeente.test", "email_verified": True})
        assert back.status_code == 302 and back.url == reverse("accounts:login")
        assert "No active account has the e-mail address nieuw@gemeente.test" in message(client)
        assert not is_in(client)
    assert User.objects.count() == accounts


def test_a_deactivated_account_is_refused_and_deactivation_ends_a_single_sign_on_session(
        idp: Provider, world: World) -> None:
    user = person("kees@welzijn.test", world=world, active=False)
    with enabled(idp):
        refused = Client()
        sso(idp, refused, {"email": "kees@welzijn.test", "email_verified": True})
        assert not is_in(refused) and "No active account" in message(refused)
        User.objects.filter(pk=user.pk).update(is_active=True)
        client = Client()
        sso(idp, client, {"email": "kees@welzijn.test", "email_verified": True})
        assert is_in(client)
        User.objects.filter(pk=user.pk).update(is_active=False)  # even without the session index ending it
        assert not is_in(client)


@pytest.mark.parametrize("claims", [
    {"email": "kees@welzijn.test"},  # the provider does not vouch for the address
    {"email": "kees@welzijn.test", "email_verified": False},
    {"email_verified": True},  # no address at all
])
def test_an_unverified_address_is_refused(idp: Provider, world: World, claims: dict) -> None:
    person("kees@welzijn.test", world=world)
    with enabled(idp):
        client = Client()
        sso(idp, client, claims)
        assert not is_in(client) and "did not confirm an e-mail address" in message(client)


def test_the_allowed_domains_limit_single_sign_on(idp: Provider, world: World) -> None:
    person("kees@welzijn.test", world=world)
    with enabled(idp, ALLOWED_DOMAINS="gemeente.test"):
        client = Client()
        sso(idp, client, {"email": "kees@welzijn.test", "email_verified": True})
        assert not is_in(client) and "not open to the address kees@welzijn.test" in message(client)
    with enabled(idp, ALLOWED_DOMAINS="gemeente.test, Welzijn.test", TRUST_EMAIL="1"):
        client = Client()  # the provider hands these addresses out itself: email_verified is not needed
        sso(idp, client, {"email": "kees@welzijn.test"})
        assert is_in(client)


# ------------------------------------------------------------------------------------------- forged answers
@pytest.mark.parametrize("tamper", ["stranger_key", "audience", "issuer", "expired", "userinfo_subject"])
def test_a_token_not_meant_for_this_app_is_refused(idp: Provider, world: World, tamper: str) -> None:
    person("kees@welzijn.test", world=world)
    if tamper == "stranger_key":
        idp.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif tamper == "audience":
        idp.id_token_changes = {"aud": "another-app"}
    elif tamper == "issuer":
        idp.id_token_changes = {"iss": "https://elders.test"}
    elif tamper == "expired":
        idp.id_token_changes = {"exp": 1_000_000_000, "iat": 999_999_000}
    else:
        idp.userinfo_changes = {"sub": "someone-else"}
    with enabled(idp):
        client = Client()
        back = sso(idp, client, {"email": "kees@welzijn.test", "email_verified": True})
        assert back.status_code == 302 and back.url == reverse("accounts:login")
        assert not is_in(client) and "Single sign-on did not succeed" in message(client)


def test_a_callback_works_once_and_only_in_the_browser_that_started_it(idp: Provider, world: World) -> None:
    person("kees@welzijn.test", world=world)
    with enabled(idp):
        client = Client()
        idp.claims = {"sub": "kees", "email": "kees@welzijn.test", "email_verified": True}
        start = client.get(reverse("accounts:oidc_start"))
        back = requests.get(start.url, allow_redirects=False, timeout=10).headers["Location"]
        path = back.removeprefix("http://testserver")
        other = Client()  # another browser (login CSRF): it has no such state
        assert other.get(path).status_code == 302 and not is_in(other)
        assert client.get(path).status_code == 302 and is_in(client)
        client.logout()
        assert client.get(path).status_code == 302 and not is_in(client)  # state and code used up


# ------------------------------------------------------------------------------------------- second factor
def test_the_apps_second_factor_still_applies_after_single_sign_on(idp: Provider, world: World) -> None:
    user = person("kees@welzijn.test", world=world)
    enrol(signed_in(user.username), user)
    with enabled(idp):
        client = Client()
        sso(idp, client, {"email": "kees@welzijn.test", "email_verified": True})
        response = client.get(reverse("programmes:home"))
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:verify"))


def test_an_organisations_rule_makes_one_set_up_a_second_factor_after_single_sign_on(
        idp: Provider, world: World) -> None:
    person("kees@welzijn.test", world=world)
    TwoFactorRule.objects.create(organisation=world.own, required=True)
    with enabled(idp):
        client = Client()
        sso(idp, client, {"email": "kees@welzijn.test", "email_verified": True})
        response = client.get(reverse("programmes:home"))
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:two_factor_setup"))
    with enabled(idp, PROVIDER_MFA="1"):  # the installation says its provider enforces multi-factor login
        client = Client()
        sso(idp, client, {"email": "kees@welzijn.test", "email_verified": True})
        assert is_in(client)
    # the same session no longer passes once the installation stops trusting the provider's second factor
    with enabled(idp):
        assert not is_in(client)


def test_a_password_login_never_inherits_the_providers_second_factor(idp: Provider, world: World) -> None:
    user = person("kees@welzijn.test", world=world)
    enrol(signed_in(user.username), user)
    with enabled(idp, PROVIDER_MFA="1"):
        client = Client()
        sso(idp, client, {"email": "kees@welzijn.test", "email_verified": True})
        assert is_in(client)
        client.post(reverse("accounts:logout"))
        client.post(reverse("accounts:login"), {"username": user.username, "password": "correct-horse-battery"})
        response = client.get(reverse("programmes:home"))
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:verify"))


def test_the_button_and_the_refusals_speak_dutch(idp: Provider, world: World) -> None:
    with enabled(idp):
        client = Client(HTTP_ACCEPT_LANGUAGE="nl")
        assert "Inloggen met Test IdP" in client.get(reverse("accounts:login")).content.decode()
        sso(idp, client, {"email": "nieuw@gemeente.test", "email_verified": True})
        assert "Geen actief account heeft het e-mailadres nieuw@gemeente.test" in message(client)


def test_failed_single_sign_ons_count_toward_the_login_throttle(idp: Provider, world: World) -> None:
    """django-axes counts a refused single sign-on as a failed login from that address, as a wrong password."""
    user = person("kees@welzijn.test", world=world)
    with enabled(idp):
        client = Client()
        for attempt in range(settings.AXES_FAILURE_LIMIT):
            sso(idp, client, {"email": f"nieuw{attempt}@gemeente.test", "email_verified": True})
        assert sso(idp, Client(), {"email": "kees@welzijn.test", "email_verified": True}).status_code == 429
        assert Client().post(reverse("accounts:login"), {"username": user.username,
                                                         "password": "correct-horse-battery"}).status_code == 429


# ------------------------------------------------------------------------------------------- discovery
def test_discovery_prints_the_providers_issuer_and_endpoints(idp: Provider) -> None:
    out = io.StringIO()
    call_command("oidc_discover", idp.issuer + "/", stdout=out)  # a test run counts as development: http is fine
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    expected = idp.environment()
    for name in ("ISSUER", "AUTHORIZATION_ENDPOINT", "TOKEN_ENDPOINT", "USERINFO_ENDPOINT", "JWKS_ENDPOINT"):
        assert lines[f"IMPACTLAB_OIDC_{name}"] == expected[f"IMPACTLAB_OIDC_{name}"]
    assert "IMPACTLAB_OIDC_CLIENT_SECRET" in lines
    with pytest.raises(CommandError, match="https://"):  # a server accepts https providers only
        discover(idp.issuer, development=False)
    with pytest.raises(CommandError, match="names another issuer"):  # the same document under another name
        discover(idp.issuer.replace("127.0.0.1", "localhost"), development=True)
    with pytest.raises(CommandError, match="no discovery document"):
        discover(idp.issuer + "/elsewhere", development=True)

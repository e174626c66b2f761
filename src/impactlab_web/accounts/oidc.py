"""Single sign-on through OpenID Connect with mozilla-django-oidc: the authorization code flow (state, nonce, PKCE).

Off unless settings.IMPACTLAB_OIDC names a provider (settings/oidc.py); then the login page offers "Log in with
<provider>", and both views below answer 404 while it is off. A login through the provider only ever enters an
existing, active account whose e-mail address equals the address the provider vouches for (``email_verified``),
optionally only in the installation's allowed domains: accounts come from invitations, none is made here.
The library checks the signature (keys from the provider's JWKS) and the nonce; this backend adds the issuer,
the audience and the expiry of the ID token (PyJWT) and that userinfo speaks of the same subject.

The second factor: a provider login counts as one only where the installation says its provider enforces
multi-factor login (IMPACTLAB_OIDC_PROVIDER_MFA=1); otherwise the app's own rule (twofactor.py) applies as after a
password: an enrolled person gives their code, a person whose organisation requires one sets it up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from impactlab_web.accounts import twofactor
from impactlab_web.core.permissions import public
from impactlab_web.settings.oidc import Provider

LOGGER = logging.getLogger(__name__)
REFUSAL = "impactlab_oidc_refusal"  # request attribute: why the backend refused, shown on the login page
CLOCK_SKEW_SECONDS = 30


def provider() -> Provider | None:
    """The installation's provider, or None when single sign-on is off."""
    return getattr(settings, "IMPACTLAB_OIDC", None)


def _refuse(request: HttpRequest, message: str) -> None:
    setattr(request, REFUSAL, message)


def email_of(claims: dict, request: HttpRequest) -> str | None:
    """The e-mail address the provider vouches for, if the installation accepts it; else None (reason noted)."""
    config = provider()
    email = str(claims.get("email") or "").strip()
    verified = claims.get("email_verified") in (True, "true")
    if not email or "@" not in email or not (verified or config.trust_email):
        _refuse(request, _("Your identity provider did not confirm an e-mail address, so no account can be "
                           "found. Log in with your password, or ask your administrator."))
        return None
    if config.allowed_domains and email.rsplit("@", 1)[1].lower() not in config.allowed_domains:
        _refuse(request, _("Single sign-on is not open to the address %(email)s here.") % {"email": email})
        return None
    return email


class Backend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, made strict: existing active accounts only, the ID token checked in full."""

    def _verify_jws(self, payload: str, key) -> dict:
        """Signature (the configured algorithm only), issuer, audience, expiry and issue time, by PyJWT."""
        config = provider()
        try:
            claims = jwt.decode(payload, key, algorithms=[self.OIDC_RP_SIGN_ALGO], audience=config.client_id,
                                issuer=config.issuer, leeway=CLOCK_SKEW_SECONDS,
                                options={"require": ["iss", "aud", "sub", "exp", "iat"]})
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from error
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != config.client_id:
            raise SuspiciousOperation("ID token refused: several audiences and another authorised party")
        return claims

    def get_userinfo(self, access_token: str, id_token: str, payload: dict) -> dict:
        """The userinfo claims, which must speak of the ID token's subject (OpenID Connect Core 5.3.2)."""
        claims = super().get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo is about another subject than the ID token")
        return claims

    def verify_claims(self, claims: dict) -> bool:
        return email_of(claims, self.request) is not None

    def filter_users_by_claims(self, claims: dict) -> QuerySet:
        email = email_of(claims, self.request)
        if email is None:
            return self.UserModel.objects.none()
        found = self.UserModel.objects.filter(email__iexact=email, is_active=True)
        if not found.exists():
            _refuse(self.request, _("No active account has the e-mail address %(email)s. Accounts are made by "
                                    "invitation: ask your organisation's administrator.") % {"email": email})
        elif found.count() > 1:
            _refuse(self.request, _("Several accounts have the e-mail address %(email)s. Log in with your "
                                    "password, or ask your administrator.") % {"email": email})
        return found

    def create_user(self, claims: dict) -> AbstractBaseUser:
        raise SuspiciousOperation("single sign-on never creates an account")  # OIDC_CREATE_USER is False too

    def get_user(self, user_id: int) -> AbstractBaseUser | None:
        """As Django's: a deactivated person's session ends at its next request (the library's would go on)."""
        return ModelBackend.get_user(self, user_id)


class StartView(OIDCAuthenticationRequestView):
    """To the provider's login page, with state, nonce and a PKCE challenge kept in the session."""


class CallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: the library redeems the code and checks the tokens; any failure goes back to the
    login page with a message (never a server error: the provider's answer is outside input)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)
        except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError, KeyError, ValueError) as error:
            LOGGER.warning("single sign-on refused: %s", error)
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        if self.request.GET.get("error"):
            LOGGER.info("single sign-on: the provider answered %s", self.request.GET.get("error")[:100])
        messages.error(self.request, getattr(self.request, REFUSAL, None)
                       or _("Single sign-on did not succeed. Try again, or log in with your password."))
        return redirect("accounts:login")

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        if provider().provider_mfa:
            self.request.session[twofactor.PROVIDER_MFA] = True
        return response


def _when_enabled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """404 while single sign-on is off (the library's views would fail on missing settings)."""
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse | HttpResponseRedirect:
        if provider() is None:
            raise Http404
        return view(request, *args, **kwargs)
    return wrapper


start = public(never_cache(_when_enabled(StartView.as_view())))
callback = public(never_cache(_when_enabled(CallbackView.as_view())))

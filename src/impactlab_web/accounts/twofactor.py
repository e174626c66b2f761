"""Two-factor login with TOTP (django-otp): who must use it, enrolling a device, checking a code.

An organisation may require a second factor of everyone whose role there sees personal data (the data roles
of the permission policy: administrator, researcher, professional), through an organisation role or a role in
a programme the organisation leads. Codes are checked by django-otp, whose TOTP devices throttle wrong guesses
(a growing delay after each failure) and refuse a code used once already. A single sign-on counts as the second
factor only where the installation says its identity provider enforces multi-factor login (accounts/oidc.py).
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.http import HttpRequest
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from impactlab_web.core.permissions import DATA_ROLES
from impactlab_web.organisations.models import Membership

# session key: this session was signed in through a provider that enforces multi-factor login (accounts/oidc.py)
PROVIDER_MFA = "_impactlab_provider_mfa"


def passed(request: HttpRequest) -> bool:
    """Whether this signed-in session is past the second factor: a code from the person's app (django-otp), or a
    single sign-on through a provider the installation says enforces multi-factor login (checked again on every
    request, so turning IMPACTLAB_OIDC_PROVIDER_MFA off takes effect at once)."""
    if request.user.is_verified():
        return True
    provider = getattr(settings, "IMPACTLAB_OIDC", None)
    return bool(provider is not None and provider.provider_mfa and request.session.get(PROVIDER_MFA) is True)


def forget_provider_mfa(sender, request: HttpRequest | None, user: AbstractBaseUser, **kwargs) -> None:
    """At every login (user_logged_in): a new login starts without the provider's second factor; the single
    sign-on callback sets it again after its own login."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(PROVIDER_MFA, None)


def required_for(user: AbstractBaseUser) -> bool:
    """Whether an organisation requires this person to log in with a second factor."""
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        Q(organisation__two_factor_rule__required=True) | Q(programme__lead__two_factor_rule__required=True),
        user=user, role__in=DATA_ROLES,
    ).exists()


def enrolled(user: AbstractBaseUser) -> bool:
    """Whether the person has a confirmed second factor."""
    return user.is_authenticated and user_has_device(user, confirmed=True)


def pending_device(user: AbstractBaseUser) -> TOTPDevice:
    """The person's unconfirmed TOTP device (made once, kept until confirmed, so a reload shows the same code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (for an authenticator app to scan)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#111", light="#fff")


def secret(device: TOTPDevice) -> str:
    """The secret in base32, grouped by four, for typing into an app by hand."""
    import base64

    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def check(device: TOTPDevice, token: str) -> bool:
    """Whether `token` is the device's current code (django-otp throttles failures and refuses reuse)."""
    token = "".join(token.split())
    return bool(token.isdigit() and device.verify_token(token))


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return next(iter(devices_for_user(user, confirmed=True)), None)


def remove(user: AbstractBaseUser) -> None:
    """Remove every second factor of the person (their own choice, or an administrator's reset)."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()

"""Single sign-on through OpenID Connect: the provider named by IMPACTLAB_OIDC_* in the environment, or none.

Off unless the environment names a provider. Fail closed: a provider named in part (some variables set, others
missing), an unknown IMPACTLAB_OIDC_* name (a misspelt domain restriction must not be silently ignored), an
address that is not HTTPS on a server, or an unsupported signing algorithm stops the app from starting.
No Django import beyond the exception: this is read while the settings load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

PREFIX = "IMPACTLAB_OIDC_"
REQUIRED = ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "AUTHORIZATION_ENDPOINT", "TOKEN_ENDPOINT",
            "USERINFO_ENDPOINT", "JWKS_ENDPOINT")
OPTIONAL = ("PROVIDER_NAME", "ALLOWED_DOMAINS", "PROVIDER_MFA", "TRUST_EMAIL", "SIGN_ALGO")
# Keys from the provider's JWKS (public-key signatures); HS256 would make the client secret the signing key.
ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
BACKEND = "impactlab_web.accounts.oidc.Backend"


@dataclass(frozen=True)
class Provider:
    """One OpenID Connect provider (the installation's identity provider) and how its logins are accepted."""

    issuer: str
    client_id: str
    client_secret: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_endpoint: str
    name: str
    allowed_domains: tuple[str, ...] = ()  # empty: any domain (the account must exist all the same)
    provider_mfa: bool = False  # the provider enforces multi-factor login: it counts as the second factor
    trust_email: bool = False  # accept an e-mail address without email_verified (only within allowed_domains)
    sign_algo: str = "RS256"

    def django_settings(self) -> dict[str, object]:
        """The settings mozilla-django-oidc reads."""
        return {
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.authorization_endpoint,
            "OIDC_OP_TOKEN_ENDPOINT": self.token_endpoint,
            "OIDC_OP_USER_ENDPOINT": self.userinfo_endpoint,
            "OIDC_OP_JWKS_ENDPOINT": self.jwks_endpoint,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_RP_SIGN_ALGO": self.sign_algo,
            "OIDC_RP_SCOPES": "openid email profile",
            "OIDC_USE_NONCE": True,
            "OIDC_USE_PKCE": True,
            "OIDC_CREATE_USER": False,  # accounts come from invitations only
            "OIDC_TIMEOUT": 10,
            "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:oidc_callback",
            "LOGIN_REDIRECT_URL_FAILURE": "accounts:login",
        }


def _flag(given: Mapping[str, str], name: str, problems: list[str]) -> bool:
    value = given.get(name, "0")
    if value not in ("0", "1"):
        problems.append(f"{PREFIX}{name} must be 0 or 1, not {value!r}")
    return value == "1"


def from_environment(env: Mapping[str, str], *, development: bool = False) -> Provider | None:
    """The provider the environment names, None when it names none; ImproperlyConfigured naming every problem."""
    given = {name.removeprefix(PREFIX): value.strip() for name, value in env.items() if name.startswith(PREFIX)}
    given = {name: value for name, value in given.items() if value}
    if not given:
        return None
    known = ", ".join(PREFIX + name for name in REQUIRED + OPTIONAL)
    problems = [f"{PREFIX}{name} is not a setting of single sign-on (known: {known})"
                for name in sorted(set(given) - set(REQUIRED) - set(OPTIONAL))]
    missing = [PREFIX + name for name in REQUIRED if name not in given]
    if missing:
        problems.append(f"single sign-on is configured in part; missing: {', '.join(missing)} (the endpoints are "
                        "in the provider's discovery document, ISSUER/.well-known/openid-configuration)")
    schemes = ("https", "http") if development else ("https",)  # a laptop may try a provider on localhost
    for name in ("ISSUER", *REQUIRED[3:]):
        parts = urlsplit(given.get(name, ""))
        if name in given and (parts.scheme not in schemes or not parts.netloc):
            problems.append(f"{PREFIX}{name} must be an https:// address, not {given[name]!r}")
    domains = tuple(sorted({d.strip().lower().lstrip("@") for d in given.get("ALLOWED_DOMAINS", "").split(",")
                            if d.strip()}))
    provider_mfa, trust_email = _flag(given, "PROVIDER_MFA", problems), _flag(given, "TRUST_EMAIL", problems)
    if trust_email and not domains:
        problems.append(f"{PREFIX}TRUST_EMAIL=1 needs {PREFIX}ALLOWED_DOMAINS: only addresses in the domains "
                        "the provider itself hands out may log in without email_verified")
    algo = given.get("SIGN_ALGO", "RS256")
    if algo not in ALGORITHMS:
        problems.append(f"{PREFIX}SIGN_ALGO must be one of {', '.join(ALGORITHMS)}, not {algo!r}")
    if problems:
        raise ImproperlyConfigured("impactlab refuses to start: single sign-on (OpenID Connect) is not configured "
                                   "right:\n- " + "\n- ".join(problems)
                                   + f"\nSet every {PREFIX}* variable of docs/deploy.md, or none to turn it off.")
    return Provider(
        issuer=given["ISSUER"], client_id=given["CLIENT_ID"], client_secret=given["CLIENT_SECRET"],
        authorization_endpoint=given["AUTHORIZATION_ENDPOINT"], token_endpoint=given["TOKEN_ENDPOINT"],
        userinfo_endpoint=given["USERINFO_ENDPOINT"], jwks_endpoint=given["JWKS_ENDPOINT"],
        name=given.get("PROVIDER_NAME") or urlsplit(given["ISSUER"]).netloc, allowed_domains=domains,
        provider_mfa=provider_mfa, trust_email=trust_email, sign_algo=algo,
    )

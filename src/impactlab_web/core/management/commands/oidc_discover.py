"""`manage.py oidc_discover ISSUER`: read an OpenID Connect provider's discovery document and print the
IMPACTLAB_OIDC_* lines for its issuer and endpoints (docs/deploy.md, "Single sign-on"), to paste into the
environment file. Run once when setting up; the app itself never fetches the document, so it starts without
the provider being reachable.
"""

from __future__ import annotations

import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from impactlab_web.settings import environment, oidc

FIELDS = {  # variable -> field of the discovery document
    "ISSUER": "issuer",
    "AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "TOKEN_ENDPOINT": "token_endpoint",
    "USERINFO_ENDPOINT": "userinfo_endpoint",
    "JWKS_ENDPOINT": "jwks_uri",
}


def discover(issuer: str, *, development: bool = False) -> dict[str, str]:
    """The IMPACTLAB_OIDC_* variables for the provider `issuer`; CommandError when its document will not do."""
    issuer = issuer.rstrip("/")
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise CommandError(f"no discovery document at {issuer}/.well-known/openid-configuration: {error}") from error
    missing = [field for field in FIELDS.values() if not document.get(field)]
    if missing:
        raise CommandError(f"the discovery document lacks {', '.join(missing)}")
    if document["issuer"].rstrip("/") != issuer:  # OpenID Connect Discovery 4.3
        raise CommandError(f"the document names another issuer: {document['issuer']!r}")
    if "code" not in document.get("response_types_supported", ["code"]):
        raise CommandError("the provider does not offer the authorization code flow")
    found = {oidc.PREFIX + name: document[field] for name, field in FIELDS.items()}
    algorithms = [a for a in document.get("id_token_signing_alg_values_supported", ["RS256"])
                  if a in oidc.ALGORITHMS]
    if not algorithms:
        raise CommandError(f"the provider signs ID tokens with none of {', '.join(oidc.ALGORITHMS)}")
    if "RS256" not in algorithms:
        found[oidc.PREFIX + "SIGN_ALGO"] = algorithms[0]
    check = {**found, oidc.PREFIX + "CLIENT_ID": "-", oidc.PREFIX + "CLIENT_SECRET": "-"}
    try:
        oidc.from_environment(check, development=development)  # the same rules as at start-up (https only...)
    except ImproperlyConfigured as error:
        raise CommandError(str(error)) from error
    return found


class Command(BaseCommand):
    help = "Print the IMPACTLAB_OIDC_* issuer and endpoint lines from an OpenID Connect provider's discovery document."

    def add_arguments(self, parser) -> None:
        parser.add_argument("issuer", help="the provider's issuer, e.g. https://login.example.nl/realms/gemeente")

    def handle(self, *args, issuer: str, **options) -> None:
        for name, value in discover(issuer, development=environment.development()).items():
            self.stdout.write(f"{name}={value}")
        self.stdout.write(f"{oidc.PREFIX}CLIENT_ID=<from the provider>\n{oidc.PREFIX}CLIENT_SECRET=<from the provider>")

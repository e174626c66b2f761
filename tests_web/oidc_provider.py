"""A tiny OpenID Connect provider for tests, over real HTTP on 127.0.0.1 (a WSGI server in a thread).

It serves discovery, authorize, token (client secret, single-use codes, redirect URI and PKCE S256 checked),
userinfo and JWKS, and signs real RS256 ID tokens with a key made per provider (cryptography, PyJWT), so the app's
whole code flow runs through mozilla-django-oidc unmocked. A test says who logs in next (``claims``) and may make
the provider misbehave: sign with a stranger's key, name another audience, answer about another subject.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "impactlab-test"
CLIENT_SECRET = "test-client-secret-" + "x" * 20


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class Provider:
    """The identity provider; ``claims`` are the person who logs in there next (sub, email, email_verified...)."""

    def __init__(self, name: str = "Test IdP") -> None:
        self.name = name
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.signing_key = self.key  # a test may sign with a stranger's key instead
        self.kid = "key-1"
        self.claims: dict[str, Any] = {}
        self.id_token_changes: dict[str, Any] = {}  # e.g. {"aud": "someone-else"}
        self.userinfo_changes: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.access: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.server: WSGIServer = make_server("127.0.0.1", 0, self.app, handler_class=_Quiet)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def environment(self, **extra: str) -> dict[str, str]:
        """The IMPACTLAB_OIDC_* variables an installation would set for this provider."""
        return {
            "IMPACTLAB_OIDC_ISSUER": self.issuer, "IMPACTLAB_OIDC_CLIENT_ID": CLIENT_ID,
            "IMPACTLAB_OIDC_CLIENT_SECRET": CLIENT_SECRET, "IMPACTLAB_OIDC_PROVIDER_NAME": self.name,
            "IMPACTLAB_OIDC_AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize",
            "IMPACTLAB_OIDC_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "IMPACTLAB_OIDC_USERINFO_ENDPOINT": f"{self.issuer}/userinfo",
            "IMPACTLAB_OIDC_JWKS_ENDPOINT": f"{self.issuer}/jwks",
            **{f"IMPACTLAB_OIDC_{name}": value for name, value in extra.items()},
        }

    # ----------------------------------------------------------------------------------------- HTTP
    def app(self, environ: dict, start_response) -> list[bytes]:
        path = environ["PATH_INFO"]
        self.calls.append(path)
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        handler = {"/.well-known/openid-configuration": self.discovery, "/authorize": self.authorize,
                   "/token": self.token, "/userinfo": self.userinfo, "/jwks": self.jwks}.get(path)
        if handler is None:
            return self._answer(start_response, "404 Not Found", {"error": "not_found"})
        return handler(environ, query, start_response)

    @staticmethod
    def _answer(start_response, status: str, body: dict, headers: list | None = None) -> list[bytes]:
        start_response(status, [("Content-Type", "application/json"), *(headers or [])])
        return [json.dumps(body).encode()]

    def discovery(self, environ, query, start_response) -> list[bytes]:
        return self._answer(start_response, "200 OK", {
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks", "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"]})

    def authorize(self, environ, query, start_response) -> list[bytes]:
        """The person (``claims``) has logged in at the provider: back to the app with a code."""
        if (query.get("client_id") != CLIENT_ID or query.get("response_type") != "code"
                or "openid" not in query.get("scope", "").split() or query.get("code_challenge_method") != "S256"):
            return self._answer(start_response, "400 Bad Request", {"error": "invalid_request"})
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"redirect_uri": query["redirect_uri"], "nonce": query.get("nonce"),
                            "challenge": query["code_challenge"], "claims": dict(self.claims)}
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        start_response("302 Found", [("Location", target)])
        return [b""]

    def token(self, environ, query, start_response) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET
                or form.get("grant_type") != "authorization_code" or grant is None
                or form.get("redirect_uri") != grant["redirect_uri"] or challenge != grant["challenge"]):
            return self._answer(start_response, "400 Bad Request", {"error": "invalid_grant"})
        access_token = secrets.token_urlsafe(24)
        self.access[access_token] = grant["claims"]
        now = int(time.time())
        id_token = jwt.encode({
            "iss": self.issuer, "aud": CLIENT_ID, "sub": grant["claims"]["sub"], "iat": now, "exp": now + 300,
            "nonce": grant["nonce"], **self.id_token_changes,
        }, self.signing_key, algorithm="RS256", headers={"kid": self.kid})
        return self._answer(start_response, "200 OK", {"access_token": access_token, "token_type": "Bearer",
                                                       "expires_in": 300, "id_token": id_token})

    def userinfo(self, environ, query, start_response) -> list[bytes]:
        claims = self.access.get(environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer "))
        if claims is None:
            return self._answer(start_response, "401 Unauthorized", {"error": "invalid_token"})
        return self._answer(start_response, "200 OK", {**claims, **self.userinfo_changes})

    def jwks(self, environ, query, start_response) -> list[bytes]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return self._answer(start_response, "200 OK", {"keys": [{**public, "kid": self.kid, "alg": "RS256",
                                                                  "use": "sig"}]})

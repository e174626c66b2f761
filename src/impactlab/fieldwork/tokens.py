"""Wave links: signed tokens that tie a respondent's waves together without saying who the respondent is.

A token is ``<payload>.<mac>``, both base64url without padding. The payload is compact JSON with the
token version, questionnaire id, wave, expiry (Unix seconds) and a *random* respondent key (absent for an
anonymous link, which carries a random link id instead, so that it can be revoked on its own; a personal link
handed out to a visitor of an anonymous link names that link as its origin). The MAC is HMAC-SHA256 over the
payload with the server secret, truncated to 128 bits.
The key is drawn at random, never derived from a name, BSN or client number, so neither the token nor
the stored answers reveal identity; only whoever holds the link (the respondent, or the professional
who handed it out) knows whose it is. Standard library only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from impactlab.errors import UserError

VERSION = 1
MIN_SECRET_BYTES = 32
MAC_BYTES = 16
MAX_TOKEN_CHARS = 1024
DEFAULT_VALID_FOR = timedelta(days=120)
_DOMAIN = b"impactlab wave link\x00"  # keeps these MACs apart from any other use of the same secret
_B64 = re.compile(r"^[A-Za-z0-9_-]+$")
INVALID = "this link is not valid (it was changed, or made for another installation)"
INVALID_NL = "deze link is niet geldig (hij is veranderd, of gemaakt voor een andere installatie)"


@dataclass(frozen=True)
class WaveLink:
    """What a valid token says: which questionnaire and wave, for which (random) respondent, until when."""

    questionnaire: str
    wave: str
    respondent: str | None
    expires: datetime
    link_id: str = ""  # a personal link's respondent key; an anonymous link's random id (older: a digest)
    origin: str | None = None  # the anonymous link this personal link was handed out from

    @property
    def anonymous(self) -> bool:
        return self.respondent is None

    @property
    def ids(self) -> tuple[str, ...]:
        """Every id under which this link can be revoked: its own, and that of the link it came from."""
        return tuple(i for i in (self.link_id, self.origin) if i)


def new_respondent_key() -> str:
    """A fresh random respondent key (128 bits, URL-safe text)."""
    return secrets.token_urlsafe(16)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, body: str) -> bytes:
    return hmac.new(secret, _DOMAIN + body.encode("ascii"), hashlib.sha256).digest()[:MAC_BYTES]


def _check_secret(secret: bytes) -> None:
    if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the token secret must be at least {MIN_SECRET_BYTES} random bytes")


def make_token(
    secret: bytes,
    questionnaire: str,
    wave: str,
    *,
    respondent: str | None = None,
    anonymous: bool = False,
    origin: str | None = None,
    valid_for: timedelta = DEFAULT_VALID_FOR,
    now: datetime | None = None,
) -> str:
    """A signed link token. Personal by default (a new random respondent key unless `respondent` is given,
    e.g. the key from an earlier wave); ``anonymous=True`` makes one link for everybody (no key, a random
    link id). `origin` is the id of the anonymous link a personal link is handed out from.
    """
    _check_secret(secret)
    if anonymous and respondent is not None:
        raise ValueError("an anonymous link has no respondent key")
    if not questionnaire or not wave:
        raise ValueError("questionnaire and wave must not be empty")
    expires = (now or datetime.now(UTC)) + valid_for
    payload = {"v": VERSION, "q": questionnaire, "w": wave, "e": int(expires.timestamp())}
    if anonymous:
        payload["l"] = secrets.token_urlsafe(9)
    else:
        payload["r"] = respondent or new_respondent_key()
        if origin:
            payload["a"] = origin
    body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return f"{body}.{_b64(_mac(secret, body))}"


def read_token(
    token: str, secret: bytes, *, previous_secrets: Sequence[bytes] = (), now: datetime | None = None
) -> WaveLink:
    """The link a token stands for. A forged, altered, malformed or expired token raises UserError
    (in English and Dutch). `previous_secrets` are still accepted after the secret has been rotated.
    """
    link = _verified(token, secret, previous_secrets)
    if (now or datetime.now(UTC)) >= link.expires:
        day = link.expires.date().isoformat()
        raise UserError(f"this link expired on {day}; ask for a new one / deze link is verlopen op {day}; "
                        "vraag een nieuwe aan")
    return link


def verify_token(token: str, secret: bytes, *, previous_secrets: Sequence[bytes] = ()) -> WaveLink:
    """The link a token stands for, checked for form and signature but not expiry (to revoke a link, an expired
    one included). A forged, altered or malformed token raises UserError."""
    return _verified(token, secret, previous_secrets)


def next_wave_token(
    token: str, secret: bytes, wave: str, *, valid_for: timedelta = DEFAULT_VALID_FOR, now: datetime | None = None
) -> str:
    """A token for another wave of the same questionnaire and respondent. An expired token cannot be followed up
    (whoever found an old link would otherwise get a fresh one); neither can an anonymous one."""
    link = _verified(token, secret, ())
    if (now or datetime.now(UTC)) >= link.expires:
        day = link.expires.date().isoformat()
        raise UserError(f"this link expired on {day}: no follow-up link can be made from it / deze link is "
                        f"verlopen op {day}: er kan geen vervolglink van gemaakt worden")
    if link.anonymous:
        raise UserError("an anonymous link has no respondent to follow up / een anonieme link heeft geen "
                        "respondent om op te volgen")
    return make_token(secret, link.questionnaire, wave, respondent=link.respondent, valid_for=valid_for, now=now)


def _verified(token: str, secret: bytes, previous: Sequence[bytes]) -> WaveLink:
    """Check form and signature (not expiry) and decode the payload."""
    for key in (secret, *previous):
        _check_secret(key)
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise UserError(f"{INVALID} / {INVALID_NL}")
    body, mac_text = token.strip().split(".")
    if not _B64.match(body) or not _B64.match(mac_text):
        raise UserError(f"{INVALID} / {INVALID_NL}")
    try:
        mac = _unb64(mac_text)
    except (binascii.Error, ValueError):
        raise UserError(f"{INVALID} / {INVALID_NL}") from None
    if not any(hmac.compare_digest(mac, _mac(key, body)) for key in (secret, *previous)):
        raise UserError(f"{INVALID} / {INVALID_NL}")
    try:
        payload = json.loads(_unb64(body))
        if payload["v"] != VERSION:
            raise ValueError(payload["v"])
        respondent = payload.get("r")
        link_id = str(payload.get("l") or _b64(hashlib.sha256(body.encode("ascii")).digest()[:9]))
        return WaveLink(
            questionnaire=str(payload["q"]),
            wave=str(payload["w"]),
            respondent=respondent,
            expires=datetime.fromtimestamp(int(payload["e"]), UTC),
            link_id=respondent or link_id,
            origin=str(payload["a"]) if payload.get("a") else None,
        )
    except (ValueError, KeyError, TypeError, OverflowError):  # signed by us but unreadable: a newer version
        raise UserError(f"{INVALID} / {INVALID_NL}") from None

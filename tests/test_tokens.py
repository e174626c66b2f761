"""Wave link tokens: valid, forged, altered, expired, anonymous, rotated secrets."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from impactlab.errors import UserError
from impactlab.fieldwork.tokens import make_token, new_respondent_key, next_wave_token, read_token

SECRET = b"s" * 32
OTHER = b"o" * 32
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_personal_token_round_trip():
    token = make_token(SECRET, "wellbeing", "T0", now=NOW)
    link = read_token(token, SECRET, now=NOW)
    assert (link.questionnaire, link.wave, link.anonymous) == ("wellbeing", "T0", False)
    assert len(link.respondent) >= 20
    assert link.expires > NOW


def test_waves_share_the_respondent_key_and_carry_no_identity():
    key = new_respondent_key()
    t0 = make_token(SECRET, "wellbeing", "T0", respondent=key, now=NOW)
    t1 = next_wave_token(t0, SECRET, "T1", now=NOW + timedelta(days=100))  # T0 link still valid
    assert read_token(t1, SECRET, now=NOW + timedelta(days=200)).respondent == key
    payload = json.loads(base64.urlsafe_b64decode(t0.split(".")[0] + "=="))
    assert set(payload) == {"v", "q", "w", "e", "r"}


def test_no_follow_up_link_from_an_expired_link():
    """Issue 10: whoever found an old (expired) link could mint a fresh follow-up link from it."""
    t0 = make_token(SECRET, "wellbeing", "T0", respondent=new_respondent_key(), now=NOW)
    with pytest.raises(UserError, match=r"expired on .*no follow-up link"):
        next_wave_token(t0, SECRET, "T1", now=NOW + timedelta(days=400))


def test_fresh_keys_differ():
    assert len({read_token(make_token(SECRET, "q", "T0"), SECRET).respondent for _ in range(50)}) == 50


def test_anonymous_link():
    link = read_token(make_token(SECRET, "q", "T0", anonymous=True, now=NOW), SECRET, now=NOW)
    assert link.anonymous and link.respondent is None
    with pytest.raises(UserError):
        next_wave_token(make_token(SECRET, "q", "T0", anonymous=True), SECRET, "T1")


def test_each_link_has_an_id_to_revoke_it_by():
    first, second = (read_token(make_token(SECRET, "q", "T0", anonymous=True, now=NOW), SECRET, now=NOW)
                     for _ in range(2))
    assert first.link_id and first.link_id != second.link_id and first.ids == (first.link_id,)
    handed_out = read_token(make_token(SECRET, "q", "T0", origin=first.link_id, now=NOW), SECRET, now=NOW)
    assert handed_out.ids == (handed_out.respondent, first.link_id)  # revoking the anonymous link reaches it
    personal = read_token(make_token(SECRET, "q", "T0", respondent="key", now=NOW), SECRET, now=NOW)
    assert personal.ids == ("key",) and personal.origin is None


def test_expired_token_is_refused():
    token = make_token(SECRET, "q", "T0", valid_for=timedelta(days=1), now=NOW)
    read_token(token, SECRET, now=NOW + timedelta(hours=23))
    with pytest.raises(UserError, match="expired on 2025-03-02"):
        read_token(token, SECRET, now=NOW + timedelta(days=1))


def _swap_payload(token: str, **changes) -> str:
    body, mac = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    payload.update(changes)
    new_body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{new_body}.{mac}"


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: _swap_payload(t, w="T1"),  # another wave
        lambda t: _swap_payload(t, e=4102444800),  # a later expiry
        lambda t: _swap_payload(t, r="someone-else"),
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # altered MAC
        lambda t: make_token(OTHER, "q", "T0"),  # signed with another secret
        lambda t: t.split(".")[0],  # no MAC
        lambda t: "not a token",
        lambda t: "",
        lambda t: t + ".x",
        lambda t: "é." + t.split(".")[1],
        lambda t: "A" * 5000 + "." + t.split(".")[1],
    ],
)
def test_forged_tokens_are_refused(forge):
    token = make_token(SECRET, "q", "T0", now=NOW)
    with pytest.raises(UserError, match="not valid"):
        read_token(forge(token), SECRET, now=NOW)


def test_rotated_secret_still_reads_old_links():
    token = make_token(OTHER, "q", "T0", now=NOW)
    assert read_token(token, SECRET, previous_secrets=[OTHER], now=NOW).wave == "T0"


def test_short_secret_is_a_programming_error():
    with pytest.raises(ValueError):
        make_token(b"short", "q", "T0")

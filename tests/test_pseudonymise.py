"""Keyed pseudonyms, identifiers kept out of snapshots, age bands and free-text scrubbing."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

import polars as pl
import pytest

from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file
from impactlab.io.pseudonymise import (
    age_band,
    is_identifier_name,
    passes_eleven_test,
    pseudonymise_column,
    pseudonyms,
    scrub_text,
)
from impactlab.io.synth import _bsns, synth

MAPPING = {
    "respondent_id": "respondent_id",
    "wave": "wave",
    "group": ["district"],
    "instrument": "djg-11",
    "identifiers": ["name", "email", "phone", "bsn"],
    "date_of_birth": "date_of_birth",
    "free_text": ["remarks"],
}


def test_pseudonym_is_hmac_sha256() -> None:
    key = b"k" * 32
    expected = hmac.new(key, b"r001", hashlib.sha256).hexdigest()[:20]
    assert pseudonyms(pl.Series(["r001", None]), key).to_list() == [expected, None]


def test_id_normalisation_links_numeric_and_text_ids() -> None:
    key = b"x" * 32
    frame = pl.DataFrame({"id": [" 0123 ", "123", "123.0", "ABC"]})
    out = pseudonymise_column(frame, "id", key)["respondent"].to_list()
    assert out[0] == out[1] == out[2] != out[3]
    assert pseudonymise_column(pl.DataFrame({"id": [123.0]}), "id", key)["respondent"][0] == out[0]


def test_waves_link_with_same_key_and_differ_with_another(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    t0 = tmp_path / "t0.csv"
    t1 = tmp_path / "t1.csv"
    t0.write_text("nr,q1\nA1,3\nA2,4\n")
    t1.write_text("nr,q1\nA2,5\nA1,2\n")
    ws = Workspace(tmp_path / "ws")
    mapping = {"respondent_id": "nr", "items": {"djg_1": "q1"}}
    first = import_file(t0, mapping | {"wave_value": "T0"}, "panel", ws).snapshot
    second = import_file(t1, mapping | {"wave_value": "T1"}, "panel", ws).snapshot
    a = ws.store().read(first.snapshot_id)["respondent"].to_list()
    b = ws.store().read(second.snapshot_id)["respondent"].to_list()
    assert a == b[::-1] and first.key_version == second.key_version
    other_key = tmp_path / "other.key"
    other_key.write_bytes(b"o" * 32)
    monkeypatch.setenv("IMPACTLAB_KEY_FILE", str(other_key))
    other = Workspace(tmp_path / "ws2")
    third = import_file(t0, mapping | {"wave_value": "T0"}, "panel", other).snapshot
    assert set(other.store().read(third.snapshot_id)["respondent"]).isdisjoint(a)
    assert third.key_version != first.key_version


def test_key_file_created_outside_data_with_mode_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    ws = Workspace(tmp_path / "ws")
    key = ws.key()
    assert len(key) == 32 and ws.key() == key
    assert ws.key_file.stat().st_mode & 0o777 == 0o600
    assert ws.datasets_dir not in ws.key_file.parents


def test_identifiers_absent_from_parquet_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    source = synth(200, 2, tmp_path / "s.csv", seed=3, items=11)
    raw = pl.read_csv(source, infer_schema=False)
    ws = Workspace(tmp_path / "ws")
    result = import_file(source, MAPPING, "survey", ws, on_error="quarantine")
    blobs = b"".join(p.read_bytes() for p in ws.datasets_dir.rglob("*") if p.is_file())
    for column in ("name", "email", "phone", "bsn", "respondent_id", "date_of_birth"):
        for value in raw[column].unique().to_list()[:200]:
            assert value.encode() not in blobs, (column, value)
    assert result.snapshot.rows.imported > 0


def test_identifier_like_columns_are_dropped_with_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    path = tmp_path / "a.csv"
    path.write_text("nr,Telefoonnummer,email_adres,q1\n1,0612345678,a@b.nl,2\n")
    ws = Workspace(tmp_path / "ws")
    result = import_file(
        path, {"respondent_id": "nr", "wave_value": "T0", "keep": ["Telefoonnummer"], "items": {"djg_1": "q1"}}, "x", ws
    )
    assert set(ws.store().read("x").columns) == {"respondent", "wave", "djg_1"}
    assert any("Telefoonnummer" in w for w in result.warnings)
    assert any("email_adres" in w for w in result.warnings)


@pytest.mark.parametrize("name", ["naam", "Voornaam", "E-mail", "bsn", "telefoon", "geboortedatum", "adres"])
def test_identifier_names(name: str) -> None:
    assert is_identifier_name(name)


@pytest.mark.parametrize("name", ["wijk", "djg_1", "respondent", "tevredenheid", "mailing_ok"])
def test_not_identifier_names(name: str) -> None:
    assert not is_identifier_name(name)


def test_age_bands() -> None:
    born = [dt.date(2006, 1, 2), dt.date(2006, 1, 1), dt.date(1990, 6, 1), dt.date(1930, 1, 1), None]
    bands = pl.DataFrame({"b": born}).select(age_band("b", dt.date(2024, 1, 1))).to_series().to_list()
    assert bands == ["0-17", "18-24", "25-34", "85+", None]


def test_scrub_text() -> None:
    bsn = str(_bsns(__import__("numpy").random.default_rng(0), 1)[0]).zfill(9)
    text = pl.Series(
        [f"mail jan.jansen@example.nl, bel +31 6 1234 5678 of (020) 123 4567; bsn {bsn}; 123456789 blijft", None]
    )
    out = scrub_text(text).to_list()
    # a nine-digit number that fails the eleven-test is no BSN, but deduce takes it for an identifier too
    assert out[0] == "mail [e-mail], bel [telefoon] of [telefoon]; bsn [BSN]; [ID-1] blijft"
    assert out[1] is None


def test_eleven_test() -> None:
    assert passes_eleven_test(pl.Series(["111222333", "123456782", "123456789", "000000000"])).to_list() == [
        True,
        True,
        False,
        False,
    ]
    bsns = _bsns(__import__("numpy").random.default_rng(1), 1000)
    assert passes_eleven_test(pl.Series([str(b).zfill(9) for b in bsns])).all()

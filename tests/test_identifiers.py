"""Identifiers are found by content, not only by column name; validation reports mask them (issue 10)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from impactlab.deidentify import MASK, IdentifiersFound, find_identifiers, mask_identifiers
from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import ImportRejected, import_file

TODAY = date(2026, 12, 1)
N = 40


def kinds(frame: pl.DataFrame) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for f in find_identifiers(frame, {c: c for c in frame.columns}, TODAY):
        found.setdefault(f.column, set()).add(f.kind)
    return found


def test_columns_of_identifiers_are_found_whatever_their_name() -> None:
    frame = pl.DataFrame({
        "x1": [f"client{i}@voorbeeld.nl" for i in range(N)],
        "x2": ["06-12345678", "+31 6 1234 5678", "0031 20 123 4567", "020-1234567"] * (N // 4),
        "x3": ["111.222.333", "1112 22 333", "123456782", "12-34-56-782"] * (N // 4),
        "x4": ["NL91 ABNA 0417 1643 00", "NL91ABNA0417164300"] * (N // 2),
        "x5": ["5911 AB 12", "Kerkstraat 12, 5911 AB Venlo", "5911ab 3", "12 5911 AB"] * (N // 4),
        "x6": [f"{1940 + i}-0{1 + i % 9}-1{i % 9}" for i in range(N)],
        "x7": [f"jan{i}(at)voorbeeld.nl" for i in range(N)],
        "x8": [f"jan{i} at voorbeeld punt nl" for i in range(N)],
    })
    assert kinds(frame) == {"x1": {"email"}, "x2": {"phone"}, "x3": {"bsn"}, "x4": {"iban"}, "x5": {"address"},
                            "x6": {"date_of_birth"}, "x7": {"email"}, "x8": {"email"}}


def test_typed_columns_are_found_too() -> None:
    """Excel and SPSS give numbers and dates: a BSN that lost its leading 0, a mobile number without its 0."""
    frame = pl.DataFrame({
        "bsn": [12345672, 111222333] * (N // 2),  # 012345672 passes the eleven-test
        "mobile": [612345678, 687654321] * (N // 2),
        "born": [date(1950 + i, 1 + i % 12, 1) for i in range(N)],
    })
    assert kinds(frame) == {"bsn": {"bsn"}, "mobile": {"phone"}, "born": {"date_of_birth"}}


def test_one_identifier_among_ordinary_values_is_found() -> None:
    frame = pl.DataFrame({"wijk": ["Noord", "Oost", "jan@voorbeeld.nl", "Zuid"],
                          "opm": ["ja", "nee", "Kerkstraat 12, 5911 AB Venlo", "ja"]})
    found = find_identifiers(frame, {"wijk": "wijk", "opm": "opm"}, TODAY)
    assert [(f.column, f.kind, f.rows, f.total) for f in found] == [("wijk", "email", 1, 4), ("opm", "address", 1, 4)]


def test_ordinary_data_is_not_flagged() -> None:
    """Ages, scores, wave numbers, neighbourhood names, four-digit postcodes, dates of measurement, money, ids."""
    frame = pl.DataFrame({
        "age": list(range(18, 18 + N)),
        "score": [1.0, 2.5, 3.0, 4.0, 5.0] * (N // 5),
        "wave": ["T0", "T1", "1", "2"] * (N // 4),
        "wijk": ["Nieuw-West", "Oost", "Centrum", "Zuid-Oost", "Venlo-Noord"] * (N // 5),
        "pc4": ["5911", "1011", "3511", "9711"] * (N // 4),
        "pc4_num": [5911, 1011, 3511, 9711] * (N // 4),
        "measured": [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(N)],
        "measured_nl": [f"{1 + i % 28:02d}-{1 + i % 12:02d}-2023 12:30" for i in range(N)],
        "measured_old": [f"{2008 + i % 5}-{1 + i % 12:02d}-01" for i in range(N)],  # an old study: clustered
        "measured_date": [date(2025, 1 + i % 12, 1) for i in range(N)],
        "amount": [123456789 + 1000 * i for i in range(N)],  # nine digits, about 1 in 11 pass the eleven-test
        "years": ["2023 en 2024", "1990 tm 2000", "12 of 2023 en", "in 2019 op 3 plekken"] * (N // 4),
        "code": ["A-12", "B 7", "1.5", "ZZ9"] * (N // 4),
    })
    assert kinds(frame) == {}


def test_masking_keeps_ordinary_values() -> None:
    values = ["7", "abc", "jan@x.nl", "06-12345678", "111.222.333", "NL91ABNA0417164300", "5911 AB 12",
              "1961-03-03", "Noord", None, "2025-03-01", "123456789"]
    masked = pl.DataFrame({"v": values}).select(mask_identifiers(pl.col("v"))).to_series().to_list()
    assert masked == ["7", "abc", MASK, MASK, MASK, MASK, MASK, MASK, "Noord", None, "2025-03-01", "123456789"]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_refuses_a_kept_or_group_column_with_identifiers(tmp_path: Path) -> None:
    rows = "".join(f"{i};T0;Noord;{1940 + i}-03-0{1 + i % 8};06-1234567{i % 10};3\n" for i in range(12))
    path = write(tmp_path / "Jansen.csv", "nr;meting;wijk;datum;contact;q1\n" + rows)
    workspace = Workspace(tmp_path / "ws")
    mapping = {"respondent_id": "nr", "wave": "meting", "group": ["wijk"], "keep": ["datum", "contact"],
               "items": {"djg_1": "q1"}}
    with pytest.raises(IdentifiersFound) as caught:
        import_file(path, mapping, "d", workspace)
    en, nl = caught.value.text("en"), caught.value.text("nl")
    assert any("Jansen.csv: column 'datum'" in line and "dates of birth in 12 of 12 values" in line for line in en)
    assert any("column 'contact'" in line and "phone numbers in 12 of 12 values" in line for line in en)
    assert any("kolom 'contact'" in line and "telefoonnummers in 12 van de 12 waarden" in line for line in nl)
    assert nl[-1] == "Jansen.csv: er is niets geïmporteerd."
    assert "06-1234567" not in str(caught.value) and "1940" not in str(caught.value)  # counts, never values
    assert not list(workspace.datasets_dir.rglob("*.parquet"))

    # mapped as free text instead, the same column is scrubbed and the import goes through, with a warning
    mapping = {"respondent_id": "nr", "wave": "meting", "group": ["wijk"], "free_text": ["contact"],
               "items": {"djg_1": "q1"}}
    result = import_file(path, mapping, "d", workspace)
    assert set(workspace.store().read("d")["contact"].to_list()) == {"[telefoon]"}
    assert any("column 'contact' (free text): phone numbers in 12 of 12 values" in w for w in result.warnings)


def test_ordinary_kept_and_group_columns_import(tmp_path: Path) -> None:
    rows = "".join(f"{i};{1 + i % 2};Venlo-Noord;5911;{20 + i};2025-0{1 + i % 9}-01;3\n" for i in range(12))
    path = write(tmp_path / "a.csv", "nr;golf;wijk;pc4;leeftijd;gemeten;q1\n" + rows)
    mapping = {"respondent_id": "nr", "wave": "golf", "group": ["wijk", "pc4"], "keep": ["leeftijd", "gemeten"],
               "items": {"djg_1": "q1"}}
    result = import_file(path, mapping, "d", Workspace(tmp_path / "ws"))
    assert result.snapshot.rows.imported == 12


def test_the_validation_report_masks_identifier_values(tmp_path: Path) -> None:
    """Values quoted by the report (here: not a number where one is expected) are masked when they look like an
    identifier; row, column and rule stay."""
    path = write(tmp_path / "a.csv", "nr;meting;q1\n1;T0;jan@voorbeeld.nl\n2;T0;111.222.333\n3;T0;abc\n4;T0;3\n")
    with pytest.raises(ImportRejected) as caught:
        import_file(path, {"respondent_id": "nr", "wave": "meting", "items": {"djg_1": "q1"}}, "d",
                    Workspace(tmp_path / "ws"))
    issues = {(i.row, i.column, i.value, i.rule) for i in caught.value.report.issues}
    assert issues == {(2, "q1", MASK, "not_numeric"), (3, "q1", MASK, "not_numeric"), (4, "q1", "abc", "not_numeric")}
    assert "voorbeeld" not in str(caught.value) and "111.222.333" not in str(caught.value)


def test_the_snapshot_warnings_do_not_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "Mevrouw Jansen.csv"
    path.write_bytes("nr;meting;q1;wijk\n1;T0;3;Caf\xe9\n2;T0;4;Noord\n".encode("latin-1"))
    workspace = Workspace(tmp_path / "ws")
    result = import_file(path, {"respondent_id": "nr", "wave": "meting", "items": {"djg_1": "q1"},
                                "group": ["wijk"]}, "d", workspace)
    assert any("read as" in w for w in result.snapshot.warnings)
    data = b"".join(p.read_bytes() for p in workspace.root.rglob("*") if p.is_file())
    assert b"Jansen" not in data

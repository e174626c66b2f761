"""Readers, validation, quarantine and the import CLI."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import polars as pl
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from impactlab.cli.app import app
from impactlab.errors import UserError
from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import ImportRejected, import_file
from impactlab.io.mapping import load_mapping
from impactlab.io.readers import normalise_headers, read_table
from impactlab.io.synth import synth, synth_mapping

MAPPING = {
    "respondent_id": "id",
    "wave": "meting",
    "group": ["wijk"],
    "items": {"djg_1": "q1", "djg_2": "q2"},
    "identifiers": ["naam", "email"],
    "valid": {"djg_1": {"min": 1, "max": 5}, "djg_2": {"min": 1, "max": 5}},
}
HEADER = "id;meting;wijk;naam;email;q1;q2\n"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    return Workspace(tmp_path / "ws")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def snapshot_files(workspace: Workspace) -> list[Path]:
    return sorted(p for p in workspace.datasets_dir.rglob("*") if p.is_file())


# ----- readers on good files -----
def test_csv_semicolon_decimal_comma_cp1252(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "id;wijk;score\n1;Zuidoost café;3,5\n2;Noord;4\n", "cp1252")
    table = read_table(path)
    assert table.data["wijk"].to_list() == ["Zuidoost café", "Noord"]
    assert table.data["score"].to_list() == [3.5, 4.0]
    assert table.decimal_comma


@pytest.mark.parametrize("sep", [",", "\t"])
def test_csv_comma_and_tab_with_bom(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"id{sep}q1\n1{sep}2\n2{sep}5\n".encode())
    table = read_table(path)
    assert table.columns == ["id", "q1"]
    assert table.data["q1"].dtype == pl.Int64


def test_xlsx(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "q1", "born"])
    sheet.append([1, 3, dt.date(1980, 1, 2)])
    sheet.append([2, None, dt.date(1990, 3, 4)])
    book.save(tmp_path / "c.xlsx")
    table = read_table(tmp_path / "c.xlsx")
    assert table.data["q1"].to_list() == [3, None]
    assert table.data["born"].dtype == pl.Date
    assert table.first_data_row == 2


def test_sav_keeps_labels_and_missing_codes(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [1.0, 2.0], "q1": [1.0, 9.0], "born": [dt.date(1980, 1, 1), dt.date(2001, 5, 6)]})
    pyreadstat.write_sav(
        frame,
        tmp_path / "d.sav",
        column_labels={"q1": "Vraag 1"},
        variable_value_labels={"q1": {1: "nee", 9: "weet niet"}},
        missing_ranges={"q1": [9]},
    )
    table = read_table(tmp_path / "d.sav")
    assert table.variable_labels == {"q1": "Vraag 1"}
    assert table.value_labels["q1"] == {"1": "nee", "9": "weet niet"}
    assert table.missing_codes == {"q1": [9]}
    assert table.data["q1"].to_list() == [1.0, None]  # user-missing becomes empty
    assert table.data["born"].to_list() == [dt.date(1980, 1, 1), dt.date(2001, 5, 6)]


def test_kobo_and_limesurvey_headers() -> None:
    names, tool, _ = normalise_headers(["start", "intro/naam", "g/q5", "g/q5/a", "g/q5/b", "_uuid", "_submission_time"])
    assert tool == "kobotoolbox"
    assert names == ["start", "naam", "q5", "q5_a", "q5_b", "_uuid", "_submission_time"]
    names, tool, _ = normalise_headers(
        ["id", "submitdate", "lastpage", "startlanguage", "seed", "Q1[SQ001]", "Q2[other]"]
    )
    assert tool == "limesurvey"
    assert names[-2:] == ["Q1_SQ001", "Q2_other"]


def test_duplicate_and_empty_headers_are_renamed() -> None:
    names, _, warnings = normalise_headers(["a", "a", ""])
    assert names == ["a", "a_2", "column_3"]
    assert warnings


# ----- broken files -----
@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("e.csv", b"", "empty"),
        ("e.csv", b"id,q1\n", "no data rows"),
        ("e.csv", b"PK\x03\x04rest", "binary"),
        ("e.xlsx", b"id,q1\n1,2\n", "not a valid xlsx"),
        ("e.sav", b"$FL2" + b"\x00" * 50, "cannot be read as sav"),
        ("e.xlsx", b"PK\x03\x04" + b"\x00" * 40, "cannot be read as xlsx"),
        ("e.pdf", b"%PDF-1.4", "unsupported file type"),
        ("e.csv", b'id,q1\n1,"unclosed\n', "e.csv"),
    ],
)
def test_broken_files_are_user_errors(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UserError) as caught:
        read_table(path)
    assert name in str(caught.value) and reason in str(caught.value)


def test_truncated_sav(tmp_path: Path) -> None:
    pyreadstat.write_sav(pd.DataFrame({"id": range(500), "q": [1.0] * 500}), tmp_path / "t.sav")
    data = (tmp_path / "t.sav").read_bytes()
    (tmp_path / "t.sav").write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match=r"t\.sav"):
        read_table(tmp_path / "t.sav")


# ----- validation: reject and quarantine -----
BAD = (
    HEADER
    + "1;T0;Noord;Jan;jan@x.nl;3;4\n1;T0;Noord;Jan;jan@x.nl;2;2\n"
    + "2;T0;Zuid;Piet;p@x.nl;7;abc\n3;T0;Oost;Ans;a@x.nl;1;5\n"
)


def test_reject_names_file_row_column_value_rule(tmp_path: Path, workspace: Workspace) -> None:
    path = write(tmp_path / "bad.csv", BAD)
    with pytest.raises(ImportRejected) as caught:
        import_file(path, MAPPING, "demo", workspace)
    issues = {(i.row, i.column, i.value, i.rule) for i in caught.value.report.issues}
    assert (2, "id", "1", "duplicate_respondent_wave") in issues
    assert (3, "id", "1", "duplicate_respondent_wave") in issues
    assert (4, "q1", "7", "out_of_range") in issues
    assert (4, "q2", "abc", "not_numeric") in issues
    assert all(i.file == "bad.csv" for i in caught.value.report.issues)
    assert snapshot_files(workspace) == []


def test_quarantine_keeps_bad_rows_apart(tmp_path: Path, workspace: Workspace) -> None:
    path = write(tmp_path / "bad.csv", BAD)
    result = import_file(path, MAPPING, "demo", workspace, on_error="quarantine")
    assert result.snapshot.rows.model_dump() == {"read": 4, "imported": 1, "quarantined": 3}
    store = workspace.store()
    quarantine = store.read_quarantine("demo")
    assert quarantine is not None and sorted(quarantine["_row"].to_list()) == [2, 3, 4]
    assert "naam" not in quarantine.columns and "id" not in quarantine.columns
    assert store.read("demo")["djg_1"].to_list() == [1.0]


def test_missing_mapped_column(tmp_path: Path, workspace: Workspace) -> None:
    path = write(tmp_path / "a.csv", "id;meting;wijk;q1\n1;T0;Noord;3\n")
    with pytest.raises(UserError, match=r"'q2' named in the mapping is not in the file"):
        import_file(path, MAPPING, "demo", workspace)


def test_mapping_errors_name_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("respondent_id: id\nwave: w\nvalid:\n  q1: {min: 5, max: 1}\nfoo: 1\n")
    with pytest.raises(UserError) as caught:
        load_mapping(path)
    text = str(caught.value)
    assert "m.yaml: foo: unknown key" in text


def test_wave_value_and_age_band_and_free_text(tmp_path: Path, workspace: Workspace) -> None:
    path = write(tmp_path / "a.csv", "nr,geboren,opmerking,q1\n7,1990-06-01,bel 06-12345678 of mail a@b.nl,2\n")
    mapping = {
        "respondent_id": "nr",
        "wave_value": "T0",
        "date_of_birth": "geboren",
        "age_reference_date": "2024-01-01",
        "free_text": ["opmerking"],
        "items": {"djg_1": "q1"},
    }
    result = import_file(path, mapping, "one", workspace)
    row = workspace.store().read("one").row(0, named=True)
    assert row["wave"] == "T0" and row["age_band"] == "25-34"
    assert row["opmerking"] == "bel [telefoon] of mail [e-mail]"
    assert "geboren" not in row and result.snapshot.mapping["age_reference_date"] == "2024-01-01"


def test_synth_sav_roundtrip(tmp_path: Path, workspace: Workspace) -> None:
    path = synth(50, 2, tmp_path / "s.sav", seed=1, items=12)
    result = import_file(path, synth_mapping(), "synth", workspace)
    assert result.snapshot.rows.imported > 50
    columns = {c.name: c for c in result.snapshot.columns}
    assert columns["lone1"].label == "Vraag lone1" and columns["lone1"].missing_codes == [9]
    assert set(workspace.store().read("synth")["wave"].unique()) == {"T0", "T1"}


# ----- fuzz: byte soup is a UserError or a valid import, never a partial snapshot -----
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    suffix=st.sampled_from([".csv", ".xlsx", ".sav"]),
    soup=st.binary(max_size=400),
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"$FL2", b"id;meting;wijk;naam;email;q1;q2\n"]),
)
def test_byte_soup(tmp_path: Path, workspace: Workspace, suffix: str, soup: bytes, prefix: bytes) -> None:
    path = tmp_path / f"soup{suffix}"
    path.write_bytes(prefix + soup)
    before = snapshot_files(workspace)
    try:
        result = import_file(path, MAPPING, "soup", workspace, on_error="quarantine", allow_duplicate=True)
    except UserError:
        assert snapshot_files(workspace) == before
    else:
        assert workspace.store().get(result.snapshot.snapshot_id)
    assert not [p for p in snapshot_files(workspace) if p.name.startswith(".tmp")]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=4000), flip=st.integers(min_value=0, max_value=4000))
def test_damaged_sav_and_xlsx(tmp_path: Path, workspace: Workspace, cut: int, flip: int) -> None:
    for name in ("good.sav", "good.xlsx"):
        good = tmp_path / name
        if not good.exists():
            synth(5, 1, good, items=2)
        data = bytearray(good.read_bytes())
        data[flip % len(data)] ^= 0xFF
        damaged = tmp_path / f"damaged{good.suffix}"
        damaged.write_bytes(bytes(data[: max(len(data) - cut, 1)]))
        mapping = {"respondent_id": "respondent_id", "wave": "wave", "items": {"djg_1": "djg_1"}}
        with contextlib.suppress(UserError):
            import_file(damaged, mapping, "damaged", workspace, on_error="quarantine", allow_duplicate=True)
    assert not [p for p in snapshot_files(workspace) if p.name.startswith(".tmp")]


# ----- CLI -----
def test_cli_import_list_show(tmp_path: Path, workspace: Workspace) -> None:
    import yaml

    data = write(tmp_path / "good.csv", HEADER + "1;T0;Noord;Jan;jan@x.nl;3;4\n2;T0;Zuid;Piet;p@x.nl;2;5\n")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING))
    runner = CliRunner()
    ws = ["--workspace", str(workspace.root)]
    result = runner.invoke(app, ["import", str(data), "--mapping", str(mapping), "--dataset", "demo", *ws])
    assert result.exit_code == 0, result.output
    assert "2 rows imported" in result.output
    again = runner.invoke(app, ["import", str(data), "--mapping", str(mapping), "--dataset", "demo", *ws])
    assert again.exit_code == 2 and "already imported" in again.output
    listed = runner.invoke(app, ["datasets", "list", "--format", "json", *ws])
    assert '"dataset": "demo"' in listed.output
    shown = runner.invoke(app, ["datasets", "show", "demo", *ws])
    assert "djg_1" in shown.output and "naam" not in shown.output


def test_cli_rejects_with_report_and_exit_2(tmp_path: Path, workspace: Workspace) -> None:
    import yaml

    data = write(tmp_path / "bad.csv", BAD)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING))
    result = CliRunner().invoke(
        app, ["import", str(data), "-m", str(mapping), "-d", "demo", "--workspace", str(workspace.root)]
    )
    assert result.exit_code == 2
    assert "bad.csv, row 4, column 'q1': '7'" in result.output
    quarantined = CliRunner().invoke(
        app, ["import", str(data), "-m", str(mapping), "-d", "demo", "--quarantine", "--workspace", str(workspace.root)]
    )
    assert quarantined.exit_code == 0 and "3 quarantined" in quarantined.output


def test_cli_synth(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(app, ["synth", "--respondents", "20", "--waves", "2", "--out", str(out)])
    assert result.exit_code == 0 and out.exists()


def test_a_file_that_crashes_the_spss_reader_is_reported_not_fatal(tmp_path: Path, workspace: Workspace) -> None:
    """tests/data/readstat_crash.sav makes ReadStat segfault; the reading runs in a helper process."""
    crashing = Path(__file__).parent / "data" / "readstat_crash.sav"
    with pytest.raises(UserError, match="damaged SPSS file"):
        import_file(crashing, {"respondent_id": "a", "wave_value": "T0"}, "crash", workspace)
    assert not (workspace.datasets_dir / "crash").exists() or not list((workspace.datasets_dir / "crash").iterdir())
    path = synth(20, 1, tmp_path / "fine.sav", seed=2, items=11)
    assert import_file(path, synth_mapping(), "fine", workspace).snapshot.rows.imported == 20

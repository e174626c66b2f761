"""Survey-tool exports and statistics inputs (issue 12): KoboToolbox HXL rows and group paths, LimeSurvey
"code. question text" headings, blank lines at the end, missing markers, SPSS portable .por, and `change` and
`agreement` reading Windows-1252 and UTF-16 files through import's own reader. Real files: tests/data/formats."""

from __future__ import annotations

import json
import string
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from impactlab.cli.app import app
from impactlab.evidence.agreement import agreement_from_csv
from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file
from impactlab.io.readers import MISSING_MARKERS, read_headers, read_table, read_text_table

DATA = Path(__file__).parent / "data" / "formats"
runner = CliRunner()


# ----- KoboToolbox -------------------------------------------------------------------------------------------
def test_real_kobo_export_with_hxl_row_and_group_paths() -> None:
    table = read_table(DATA / "kobo_hxl_hierarchy.csv")
    assert table.survey_tool == "kobotoolbox"
    assert table.hxl == {"What kind of symmetry do you have?": "#symmetry",
                         "How many segments does your body have?": "#segments",
                         "Do you have body fluids that occupy intracellular space?": "#fluids"}
    assert table.first_data_row == 3  # row 2 of the file is the hashtag row
    assert table.data.height == 3
    assert table.data["_id"].to_list() == [61, 62, 63]
    assert table.data["How many segments does your body have?"].to_list() == [6, 3, 2]  # numbers, no '#segments'
    # the group path is gone from the name, and still there in `renamed` (and `header`)
    full = "External Characteristics/How many segments does your body have?"
    assert table.renamed[full] == "How many segments does your body have?"
    assert full in table.header
    assert table.data["What kind of symmetry do you have?_Radial"].to_list() == [1, 1, 0]
    assert any("HXL" in w for w in table.warnings)


def test_kobo_same_name_in_two_groups_keeps_the_path() -> None:
    names, tool, _ = read_headers(["start", "household/age", "child/age", "group_a/q1", "_uuid", "_index"])[:3]
    assert tool == "kobotoolbox"
    assert names == ["start", "household/age", "child/age", "q1", "_uuid", "_index"]


def test_hxl_row_is_only_a_row_of_hashtags(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,q1,q2\n#x,#y,\n1,2,3\n", encoding="utf-8")
    assert read_table(path).hxl == {"id": "#x", "q1": "#y"}
    path.write_text("id,q1,q2\n#x,5,\n1,2,3\n", encoding="utf-8")
    table = read_table(path)
    assert table.hxl == {} and table.data.height == 2 and table.first_data_row == 2


def test_kobo_import_with_mapping_on_the_hxl_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    mapping = {"respondent_id": "_uuid", "wave_value": "T0",
               "items": {"segments": "How many segments does your body have?"}}
    result = import_file(DATA / "kobo_hxl_hierarchy.csv", mapping, "kobo", Workspace(tmp_path / "ws"))
    assert result.snapshot.rows.imported == 3
    frame = Workspace(tmp_path / "ws").store().read("kobo")
    assert frame["segments"].to_list() == [6, 3, 2]
    assert not set(frame["respondent"].to_list()) & {"48583952-1892-4931-8d9c-869e7b49bafb"}  # pseudonymised


# ----- LimeSurvey --------------------------------------------------------------------------------------------
def test_real_limesurvey_code_and_text_headings_and_blank_lines_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "lime.csv"
    path.write_bytes((DATA / "limesurvey_code_text.csv").read_bytes() + b"\n\n" + b"," * 60 + b"\n\n")
    table = read_table(path)
    assert table.survey_tool == "limesurvey"
    assert table.columns[:3] == ["id", "T01", "T02"] and len(table.columns) == 61
    assert table.variable_labels["T01"] == (
        "Artificial Intelligence will improve society more than it will create problems.")
    assert table.variable_labels["id"] == "Response ID"
    assert table.data.height == 3  # the blank lines at the end are no rows
    assert table.data["id"].to_list() == [11, 12, 30]
    assert table.data["V15"].to_list() == ["Neutral", "Agree", None]


def test_limesurvey_subquestion_headings() -> None:
    names, tool, _, labels = read_headers(["id. Response ID", "submitdate. Date submitted",
                                           "Q1[SQ001]. How often? [At home]", "Q2. Age"])
    assert tool == "limesurvey"
    assert names == ["id", "submitdate", "Q1_SQ001", "Q2"]
    assert labels["Q1_SQ001"] == "How often? [At home]"


def test_plain_headings_with_a_full_stop_stay_as_they_are() -> None:
    names, tool, _, labels = read_headers(["respondent", "Q1. How old are you?", "wave"])
    assert tool is None and labels == {} and names[1] == "Q1. How old are you?"


# ----- missing markers ---------------------------------------------------------------------------------------
def test_r_spss_and_stata_missing_markers(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("id,score,text\n1,NA,ja\n2,.,#N/A\n3,4,NULL\n4,.a,nee\n5,5,N/A\n", encoding="utf-8")
    table = read_table(path)
    assert table.data["score"].dtype == pl.Int64
    assert table.data["score"].to_list() == [None, None, 4, None, 5]
    assert table.data["text"].to_list() == ["ja", None, None, "nee", None]
    assert any("read as missing" in w and "'NA' 1x" in w and "'.' 1x" in w for w in table.warnings)


# ----- SPSS portable -----------------------------------------------------------------------------------------
def test_real_spss_portable_file() -> None:
    table = read_table(DATA / "sample.por")
    assert table.format == "por"
    assert table.variable_labels["MYLABL"] == "labeled"
    assert table.value_labels["MYLABL"] == {"1": "Male", "2": "Female"}
    assert table.value_labels["MYORD"] == {"1": "low", "2": "medium", "3": "high"}
    assert table.data["MYCHAR"].to_list() == ["a", "b", "c", "d", "e"]
    assert str(table.data["MYDATE"][0]) == "2018-05-06"


def test_damaged_por_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.por"
    path.write_bytes((DATA / "sample.por").read_bytes()[:300])
    with pytest.raises(Exception) as caught:
        read_table(path)
    assert "broken.por" in str(caught.value)


# ----- change and agreement through import's reader ----------------------------------------------------------
def _long_text(rows: int = 24) -> str:
    rng = np.random.default_rng(3)
    lines = ["respondent;wave;score;wijk"]
    for i in range(rows):
        pre = rng.integers(10, 30)
        lines.append(f"r{i};T0;{pre};Zuidoost café")
        lines.append(f"r{i};T1;{pre + rng.integers(-2, 6)},5;Zuidoost café")
    lines.append("r99;T0;NA;Noord")  # R's missing marker
    return "\n".join(lines) + "\n\n\n"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
def test_change_reads_windows_1252_and_utf16_like_import(tmp_path: Path, encoding: str) -> None:
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text(_long_text(), encoding="utf-8")
    other = tmp_path / f"{encoding}.csv"
    other.write_bytes(_long_text().encode(encoding))
    results = []
    for path in (utf8, other):
        result = runner.invoke(app, ["change", str(path), "--min-cell", "10", "--format", "json"])
        assert result.exit_code == 0, result.output
        results.append(json.loads(result.stdout))
    assert results[0]["mean_change"] == results[1]["mean_change"]
    assert results[1]["n_pairs"] == 24


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_agreement_reads_encodings_and_dot_as_missing(tmp_path: Path, encoding: str) -> None:
    text = "eenheid;Anaïs;Bram\nu1;1;1\nu2;2;.\nu3;2;2\nu4;.;1\nu5;1;2\n"
    path = tmp_path / "codes.csv"
    path.write_bytes(text.encode(encoding))
    result = agreement_from_csv(path, "nominal")
    assert result.coders == ["Anaïs", "Bram"]
    assert result.n_units == 5 and result.n_pairable_units == 3 and result.n_values == 8
    cli = runner.invoke(app, ["agreement", str(path), "--format", "json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout)["n_pairable_units"] == 3


# ----- properties --------------------------------------------------------------------------------------------
CODE = st.from_regex(r"\A[A-Za-z][A-Za-z0-9]{0,7}\Z")
QUESTION = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda t: t.strip() == t and t.strip())


@given(codes=st.lists(CODE, min_size=1, max_size=8, unique_by=str.lower), texts=st.data())
@settings(max_examples=80, deadline=None)
def test_property_limesurvey_headings_give_codes_and_texts(codes: list[str], texts: st.DataObject) -> None:
    codes = [c for c in codes if c.lower() != "id"]
    questions = [texts.draw(QUESTION) for _ in codes]
    names, tool, _, labels = read_headers(["id. Response ID", *[f"{c}. {q}" for c, q in zip(codes, questions,
                                                                                             strict=True)]])
    assert tool == "limesurvey"
    assert names == ["id", *codes]
    assert [labels[c] for c in codes] == questions


@given(groups=st.lists(st.from_regex(r"\A[a-z]{1,6}\Z"), min_size=2, max_size=4, unique=True),
       question=st.from_regex(r"\A[a-z]{1,6}\Z"))
@settings(max_examples=60, deadline=None)
def test_property_kobo_names_never_collide(groups: list[str], question: str) -> None:
    header = ["start", *[f"{g}/{question}" for g in groups], "_uuid", "_submission_time"]
    names, tool, warnings = read_headers(header)[:3]
    assert tool == "kobotoolbox"
    assert len(set(names)) == len(names) and not warnings
    assert names[1:-2] == [f"{g}/{question}" for g in groups]  # the same name in several groups keeps its path


CELL = st.one_of(st.sampled_from(MISSING_MARKERS), st.integers(-1000, 1000).map(str),
                 st.text(string.ascii_letters + "éëï ", min_size=1, max_size=8).filter(
                     lambda t: t.strip() and t.strip() not in MISSING_MARKERS))


@given(rows=st.lists(st.tuples(CELL, CELL), min_size=1, max_size=12),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]), sep=st.sampled_from([",", ";", "\t"]),
       blank_lines=st.integers(0, 3))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_markers_and_encodings_round_trip(tmp_path: Path, rows: list[tuple[str, str]], encoding: str,
                                                   sep: str, blank_lines: int) -> None:
    path = tmp_path / "p.csv"
    lines = [f"id{sep}a{sep}b", *(f"{i}{sep}{a}{sep}{b}" for i, (a, b) in enumerate(rows, 1))]
    path.write_bytes(("\n".join(lines) + "\n" * (1 + blank_lines)).encode(encoding))
    table = read_text_table(path)
    expected = {name: [None if v.strip() in MISSING_MARKERS else v.strip() for v in column]
                for name, column in zip(("a", "b"), zip(*rows, strict=True), strict=True)}
    got = {name: [None if v is None else v.strip() for v in table.data[name].to_list()] for name in ("a", "b")}
    assert got == expected
    assert table.data.height == len(rows)


def test_mapping_may_name_a_kobo_column_by_its_group_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    path = tmp_path / "k.csv"
    path.write_text("start;household/age;child/age;scores/q1;_uuid;_index\n"
                    "x;40;8;3;u1;1\nx;35;6;4;u2;2\n", encoding="utf-8")
    mapping = {"respondent_id": "_uuid", "wave_value": "T0", "items": {"q1": "scores/q1"},
               "keep": ["household/age", "child/age"], "valid": {"scores/q1": {"min": 1, "max": 5}}}
    result = import_file(path, mapping, "kobo", Workspace(tmp_path / "ws"))
    frame = Workspace(tmp_path / "ws").store().read("kobo")
    assert frame["q1"].to_list() == [3, 4]
    assert frame["household/age"].to_list() == [40, 35] and frame["child/age"].to_list() == [8, 6]
    assert {c.source for c in result.snapshot.columns} >= {"q1", "household/age"}

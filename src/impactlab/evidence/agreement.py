"""Inter-rater agreement: Cohen's kappa and Krippendorff's alpha (formulas: docs/statistics.md)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import polars as pl
from scipy import sparse

from impactlab.errors import UserError

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
MAX_ERRORS = 20


def cohen_kappa(a: Sequence[Any] | np.ndarray, b: Sequence[Any] | np.ndarray) -> float:
    """Cohen's kappa of two coders on the same units; units missing (None/NaN) for either are dropped.

    κ = (p_o − p_e) / (1 − p_e); NaN when undefined (no units, or p_e = 1).
    """
    first, second = pd.Series(list(a), dtype=object), pd.Series(list(b), dtype=object)
    if len(first) != len(second):
        raise ValueError(f"both coders must rate the same units: {len(first)} and {len(second)} ratings")
    keep = first.notna() & second.notna()
    codes, _labels = pd.factorize(pd.concat([first[keep], second[keep]], ignore_index=True))
    n = int(keep.sum())
    if n == 0:
        return math.nan
    k = int(codes.max()) + 1
    table = np.bincount(codes[:n] * k + codes[n:], minlength=k * k).reshape(k, k) / n
    p_o = float(np.trace(table))
    p_e = float(table.sum(axis=1) @ table.sum(axis=0))
    return math.nan if math.isclose(p_e, 1.0) else (p_o - p_e) / (1.0 - p_e)


def _coincidences(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values and the values × values coincidence matrix of a units × coders array (NaN = missing)."""
    present = ~np.isnan(data)
    units = np.nonzero(present)[0]
    values, codes = np.unique(data[present], return_inverse=True)
    counts = sparse.csr_matrix(
        (np.ones(units.size), (units, codes)), shape=(data.shape[0], values.size)
    )  # n_uv: how often unit u got value v
    m_u = np.asarray(counts.sum(axis=1)).ravel()
    weight = np.divide(1.0, m_u - 1, out=np.zeros_like(m_u), where=m_u >= 2)  # units with < 2 values drop
    weighted = sparse.diags(weight) @ counts
    coincidence = (weighted.T @ counts).toarray() - np.diag(np.asarray(weighted.sum(axis=0)).ravel())
    return values, coincidence


def _squared_distance(values: np.ndarray, marginals: np.ndarray, level: str) -> np.ndarray:
    """δ²(c, k) for every pair of values at the given level of measurement."""
    c, k = values[:, None], values[None, :]
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        total = c + k
        return np.divide((c - k) ** 2, total**2, out=np.zeros_like(total), where=total != 0)
    if level == "ordinal":  # (Σ_{g=c..k} n_g − (n_c + n_k)/2)² = (difference of cumulative midpoints)²
        midpoints = np.cumsum(marginals) - marginals / 2
        return (midpoints[:, None] - midpoints[None, :]) ** 2
    raise ValueError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")


def krippendorff_alpha(matrix: Sequence[Sequence[float]] | np.ndarray, level: Level = "nominal") -> float:
    """Krippendorff's alpha of a units × coders array with NaN where a coder did not code a unit.

    α = 1 − (n − 1) · Σ o_ck δ²_ck / Σ n_c n_k δ²_ck over the coincidence matrix o (Krippendorff, 2011).
    NaN when undefined (no pairable values, or no variation at all).
    """
    data = np.asarray(matrix, dtype=float)
    if data.ndim != 2:
        raise ValueError("expected a units × coders array")
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    if level == "ratio" and np.nanmin(data, initial=0.0) < 0:
        raise ValueError("ratio-level values must not be negative")
    values, coincidence = _coincidences(data)
    marginals = coincidence.sum(axis=1)
    n = marginals.sum()
    if n < 2:
        return math.nan
    delta2 = _squared_distance(values, marginals, level)
    expected = float(marginals @ delta2 @ marginals)
    if expected == 0:
        return math.nan
    return 1.0 - (n - 1) * float((coincidence * delta2).sum()) / expected


# --------------------------------------------------------------------------------------------- CSV
def _read_rows(path: Path) -> tuple[list[list[str]], int]:
    """The header and the rows of a coding table as text (empty = not coded), read by import's own reader
    (`read_text_table`: separator , ; or tab, UTF-8, Windows-1252 or UTF-16, `NA` and `.` as missing), and the
    file's row number of the first data row."""
    from impactlab.io.readers import read_text_table

    if not path.is_file():
        raise UserError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise UserError(f"{path}, row 1: the file is empty; expected a header (unit id, then the coders)")
    table = read_text_table(path)
    if table.short_rows:
        width = len(table.columns)
        raise UserError([f"{path}, row {row}: expected {width} fields, found fewer"
                         for row in table.short_rows[:MAX_ERRORS]])
    header = table.header or table.columns
    body = table.data.with_columns(pl.col(c).fill_null("") for c in table.data.columns).rows()
    return [list(header), *(list(row) for row in body)], table.first_data_row


def _parse_value(text: str, level: str) -> float | str | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else float(text)
    except ValueError:
        if level == "nominal":
            return text
        raise


def _parse_table(path: Path, rows: list[list[str]], level: str,
                 first_row: int = 2) -> tuple[list[str], list[list[Any]]]:
    """Coder names and a units × coders list of values; every problem named by row and column."""
    header = [cell.strip() for cell in rows[0]]
    errors: list[str] = []
    if len(header) < 3:
        raise UserError(f"{path}, row 1: expected a unit id column and at least two coder columns, "
                        f"found {len(header)} column(s)")
    coders = header[1:]
    seen_coders = {name for name in coders if coders.count(name) > 1 or not name}
    for name in sorted(seen_coders):
        errors.append(f"{path}, row 1, column {name!r}: coder names must be unique and not empty")
    table: list[list[Any]] = []
    units: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=first_row):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append(f"{path}, row {number}: expected {len(header)} fields, found {len(row)}")
            continue
        unit = row[0].strip()
        if not unit:
            errors.append(f"{path}, row {number}, column {header[0]!r}: the unit id is empty")
        elif unit in units:
            first = units[unit]
            errors.append(f"{path}, row {number}, column {header[0]!r}: unit {unit!r} is also on row {first}")
        units.setdefault(unit, number)
        values = []
        for name, cell in zip(coders, row[1:], strict=True):
            try:
                value = _parse_value(cell, level)
            except ValueError:
                errors.append(f"{path}, row {number}, column {name!r}: {cell.strip()!r} is not a number "
                              f"(needed at level {level})")
                value = None
            if level == "ratio" and isinstance(value, float) and value < 0:
                errors.append(f"{path}, row {number}, column {name!r}: {value:g} is negative (level ratio)")
            values.append(value)
        table.append(values)
    if errors:
        raise UserError(errors[:MAX_ERRORS] + ([f"... and {len(errors) - MAX_ERRORS} more"]
                                               if len(errors) > MAX_ERRORS else []))
    return coders, table


def _as_matrix(table: list[list[Any]]) -> np.ndarray:
    """Numeric units × coders array; text labels (nominal only) become codes, all values as labels."""
    cells = [value for row in table for value in row if value is not None]
    if all(isinstance(value, float) for value in cells):
        return np.array([[np.nan if v is None else v for v in row] for row in table], dtype=float).reshape(
            len(table), -1
        )
    labels = {label: code for code, label in enumerate(sorted({_label(v) for v in cells}))}
    return np.array(
        [[np.nan if v is None else labels[_label(v)] for v in row] for row in table], dtype=float
    ).reshape(len(table), -1)


def _label(value: float | str) -> str:
    return f"{value:g}" if isinstance(value, float) else value


@dataclass(frozen=True)
class CoderAgreement:
    """Agreement of coders on a units × coders table. ``to_dict`` is the JSON contract of
    ``impactlab agreement --format json``."""

    file: str
    level: str
    n_units: int
    n_pairable_units: int
    n_coders: int
    coders: list[str]
    n_values: int
    krippendorff_alpha: float | None
    cohen_kappa: float | None  # two coders only

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def agreement_from_csv(path: str | Path, level: str = "nominal") -> CoderAgreement:
    """Agreement of a units × coders CSV (first column unit id, one column per coder, empty = not coded)."""
    path = Path(path)
    if level not in LEVELS:
        raise UserError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    rows, first_row = _read_rows(path)
    coders, table = _parse_table(path, rows, level, first_row)
    matrix = _as_matrix(table)
    coded = (~np.isnan(matrix)).sum(axis=1)
    if not np.any(coded >= 2):
        raise UserError(f"{path}: no unit was coded by two or more coders, so agreement is undefined")
    alpha = krippendorff_alpha(matrix, level)  # type: ignore[arg-type]
    kappa = cohen_kappa(matrix[:, 0], matrix[:, 1]) if len(coders) == 2 else math.nan
    return CoderAgreement(
        file=str(path), level=level, n_units=int(matrix.shape[0]), n_pairable_units=int(np.sum(coded >= 2)),
        n_coders=len(coders), coders=coders, n_values=int(coded.sum()),
        krippendorff_alpha=float(alpha) if math.isfinite(alpha) else None,
        cohen_kappa=float(kappa) if math.isfinite(kappa) else None,
    )

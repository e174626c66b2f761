"""Cells that leave impactlab (CSV and Excel exports) never start a formula a spreadsheet would run.

OWASP's advice on CSV injection: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is read by Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)``, ``=cmd|...``). Such
text gets a leading apostrophe, so it is shown as the text it is. Numbers stay numbers (``-3`` is not text).
Every CSV and XLSX writer goes through `safe_cell` (or `safe_row` / `SafeCsvWriter`); the Excel value map
writes its own formulas through a separate, explicit path (``reports.xlsx._Writer.formula``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, with text that a spreadsheet would run as a formula made inert by a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


class SafeCsvWriter:
    """`csv.writer` / `csv.DictWriter` whose every cell (header included) passes `safe_cell`."""

    def __init__(self, handle: Any, fieldnames: Iterable[str] | None = None, **options: Any):
        self.fieldnames = list(fieldnames) if fieldnames is not None else None
        self._writer = csv.writer(handle, **options)

    def writeheader(self) -> None:
        if self.fieldnames is None:
            raise ValueError("a header needs fieldnames")
        self.writerow(self.fieldnames)

    def writerow(self, row: Iterable[Any] | Mapping[str, Any]) -> None:
        if isinstance(row, Mapping):
            if self.fieldnames is None:
                raise ValueError("dict rows need fieldnames")
            row = [row.get(name) for name in self.fieldnames]
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any] | Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_frame(frame: Any) -> Any:
    """A Polars frame whose text cells and column names pass `safe_cell`, in one vectorised step (for CSV exports
    of whole datasets): text starting with a formula trigger gets a leading apostrophe; numbers stay numbers."""
    import polars as pl

    starts = "^[" + "".join("\\t" if t == "\t" else "\\r" if t == "\r" else "\\" + t for t in FORMULA_TRIGGERS) + "]"
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    cleaned = frame.with_columns(
        pl.when(pl.col(name).str.contains(starts)).then(pl.lit("'") + pl.col(name)).otherwise(pl.col(name)).alias(name)
        for name in text
    )
    return cleaned.rename({name: safe_cell(name) for name in frame.columns if safe_cell(name) != name})

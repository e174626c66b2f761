"""The appendix: every figure of the report as CSV and JSON (suppressed figures stay empty)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

from impactlab.errors import UserError
from impactlab.exports import SafeCsvWriter
from impactlab.reports.blocks import ReportDocument

COLUMNS = ("key", "section", "label", "value", "unit", "source")


def _plain(value: object) -> object:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def render_appendix(doc: ReportDocument, path: str | Path) -> tuple[Path, Path]:
    """Write ``<path>.csv`` and ``<path>.json`` (the suffix of path is replaced); returns both paths."""
    base = Path(path)
    csv_path, json_path = base.with_suffix(".csv"), base.with_suffix(".json")
    rows = [{k: _plain(v) for k, v in asdict(f).items()} for f in doc.figures]
    try:
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = SafeCsvWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        document = {"title": doc.title, "subtitle": doc.subtitle, "date": doc.date, "lang": doc.lang,
                    "min_cell": doc.min_cell, "figures": rows}
        json_path.write_text(json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False), encoding="utf-8")
    except OSError as error:
        raise UserError(f"{base}: cannot write the appendix ({error.strerror})") from None
    return csv_path, json_path

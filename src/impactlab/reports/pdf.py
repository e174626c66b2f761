"""The typeset PDF report (Typst): static charts, page numbers and a table of contents."""

from __future__ import annotations

import datetime
import json
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

from impactlab.errors import UserError
from impactlab.reports import charts
from impactlab.reports.blocks import Picture, ReportDocument, Section
from impactlab.reports.texts import Texts


def _pictures(section: Section) -> list[Picture]:
    found = [b for b in section.blocks if isinstance(b, Picture)]
    return found + [p for sub in section.subsections for p in _pictures(sub)]


def typst_files(doc: ReportDocument) -> dict[str, bytes]:
    """The Typst project of a report: the template, the document as JSON, and one SVG per chart and picture."""
    texts = Texts(doc.lang)
    data = {**doc.to_dict(), "labels": {"page": texts("page"), "contents": texts("contents")}}
    files = {
        "main.typ": resources.files("impactlab.reports").joinpath("templates", "report.typ").read_bytes(),
        "data.json": json.dumps(data, ensure_ascii=False).encode(),
    }
    chart_list = doc.charts()
    with ThreadPoolExecutor(max_workers=4) as pool:
        svgs = list(pool.map(lambda c: charts.to_svg(c.spec, doc.lang), chart_list))
    files |= {f"chart-{c.id}.svg": svg.encode() for c, svg in zip(chart_list, svgs, strict=True)}
    files |= {f"{p.id}.svg": p.svg.encode() for s in doc.sections for p in _pictures(s)}
    return files


def render_pdf(doc: ReportDocument, path: str | Path) -> Path:
    """Typeset the report to a PDF file at ``path``."""
    import typst

    path = Path(path)
    stamp = datetime.datetime.fromisoformat(doc.date).replace(tzinfo=datetime.UTC)
    try:
        pdf = typst.compile(typst_files(doc), timestamp=stamp)
    except typst.TypstError as error:  # a template bug, not a user error: keep the message
        raise RuntimeError(f"typesetting the report failed: {error}") from error
    try:
        path.write_bytes(pdf)
    except OSError as error:
        raise UserError(f"{path}: cannot write the PDF ({error.strerror})") from None
    return path

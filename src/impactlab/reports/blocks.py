"""The report document: plain dataclasses that every renderer walks (no formatting decisions left)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from impactlab.model.schema import ImpactModel
from impactlab.valuation import ValuationResult


@dataclass
class Paragraph:
    text: str
    kind: str = "paragraph"
    emphasis: bool = False


@dataclass
class Bullets:
    items: list[str]
    kind: str = "bullets"


@dataclass
class Table:
    """A table of already formatted cells; ``numeric`` marks right-aligned columns."""

    header: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    caption: str | None = None
    total_rows: int = 0
    note: str | None = None
    kind: str = "table"


@dataclass
class Chart:
    """A Vega-Lite chart: interactive in HTML, a static image in PDF."""

    id: str
    title: str
    spec: dict[str, Any]
    kind: str = "chart"


@dataclass
class Picture:
    """A ready-made SVG picture (the theory of change)."""

    id: str
    title: str
    svg: str
    kind: str = "picture"


@dataclass
class Quote:
    text: str
    source: str | None = None
    kind: str = "quote"


Block = Paragraph | Bullets | Table | Chart | Picture | Quote


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)


@dataclass
class Figure:
    """One figure of the report for the CSV/JSON appendix (None where disclosure control hid it)."""

    key: str
    section: str
    label: str
    value: float | str | None
    unit: str = ""
    source: str = ""


@dataclass
class ReportDocument:
    """A whole report: metadata, sections in order, every figure, and the objects it came from."""

    lang: str
    title: str
    subtitle: str
    date: str
    sections: list[Section]
    figures: list[Figure]
    model: ImpactModel
    result: ValuationResult
    min_cell: int

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    def charts(self) -> list[Chart]:
        """Every chart in document order."""
        found: list[Chart] = []

        def walk(section: Section) -> None:
            found.extend(b for b in section.blocks if isinstance(b, Chart))
            for sub in section.subsections:
                walk(sub)

        for section in self.sections:
            walk(section)
        return found

    def to_dict(self) -> dict[str, Any]:
        """The document without the model and result objects (for templates and JSON)."""
        return {"lang": self.lang, "title": self.title, "subtitle": self.subtitle, "date": self.date,
                "sections": [asdict(s) for s in self.sections]}

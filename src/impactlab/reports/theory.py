"""The theory-of-change pictures: inputs → activities → outputs → outcomes, one SVG per stakeholder."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from html import escape

from impactlab.model.schema import ImpactModel
from impactlab.model.theory import COLUMNS, Lane, lanes
from impactlab.reports.blocks import Paragraph, Picture
from impactlab.reports.texts import Texts

COLUMN_WIDTH, GAP, PAD, LINE, TOP = 180, 44, 7, 12.5, 34
CHARS = 30
FILLS = ("#fde8d7", "#e3edf7", "#e6f2e6", "#f3e6f3")
STROKES = ("#d95f02", "#3b5b92", "#1b9e77", "#7b3294")


@dataclass
class _Box:
    key: str
    lines: list[str]
    heading: str | None = None
    linked: bool = False

    @property
    def height(self) -> float:
        return len(self.lines) * LINE + 2 * PAD + (LINE + 2 if self.heading else 0)


def _lines(text: str) -> list[str]:
    wrapped = textwrap.wrap(text, CHARS) or [""]
    return wrapped[:4] if len(wrapped) <= 4 else [*wrapped[:3], wrapped[3][: CHARS - 1] + "…"]


def _columns(lane: Lane, texts: Texts) -> list[list[_Box]]:
    """The lane's boxes per column; another stakeholder's part (linked to this one's) names whose it is."""
    return [[_Box(f"{column}:{item.id}", _lines(item.label),
                  f"{texts('theory_of')}: {', '.join(item.of)}" if item.of else None, linked=bool(item.of))
             for item in lane.columns[column]] for column in COLUMNS]


def _links(lane: Lane) -> list[tuple[str, str]]:
    """Arrows from the items of the previous column that lead to each item."""
    return [(f"{COLUMNS[c - 1]}:{source}", f"{column}:{item.id}") for c, column in enumerate(COLUMNS) if c
            for item in lane.columns[column] for source in item.sources]


def lane_svg(lane: Lane, texts: Texts) -> str:
    """An SVG drawing of one stakeholder's chain; columns without items show a dash, arrows follow the links."""
    columns = _columns(lane, texts)
    titles = [texts("inputs"), texts("activities"), texts("outputs"), texts("outcomes_short")]
    parts: list[str] = []
    place: dict[str, tuple[float, float, float]] = {}  # key -> (x, y, height)
    height = TOP
    for c, boxes in enumerate(columns):
        x = c * (COLUMN_WIDTH + GAP)
        parts.append(f'<text x="{x + COLUMN_WIDTH / 2}" y="18" text-anchor="middle" font-weight="bold" '
                     f'font-size="12">{escape(titles[c])}</text>')
        y = TOP
        for box in boxes or [_Box(f"empty:{c}", ["–"])]:
            dashes = ' stroke-dasharray="4 3"' if box.linked else ""
            parts.append(f'<rect x="{x}" y="{y}" width="{COLUMN_WIDTH}" height="{box.height}" rx="5" '
                         f'fill="{"#ffffff" if box.linked else FILLS[c]}" stroke="{STROKES[c]}"{dashes}/>')
            ty = y + PAD + 9.5
            if box.heading:
                parts.append(f'<text x="{x + PAD}" y="{ty}" font-size="9" font-style="italic" '
                             f'fill="#555">{escape(box.heading)}</text>')
                ty += LINE + 2
            for line in box.lines:
                parts.append(f'<text x="{x + PAD}" y="{ty}" font-size="10">{escape(line)}</text>')
                ty += LINE
            place[box.key] = (x, y, box.height)
            y += box.height + 8
        height = max(height, y)
    links = [(a, b) for a, b in _links(lane) if a in place and b in place]
    arrows = links or [(f"col:{c}", f"col:{c + 1}") for c in range(3)]
    for a, b in arrows:
        if a.startswith("col:"):
            c = int(a[4:])
            x1, x2 = (c + 1) * COLUMN_WIDTH + c * GAP + 4, (c + 1) * (COLUMN_WIDTH + GAP) - 4
            y1 = y2 = TOP + 16
        else:
            xa, ya, ha = place[a]
            xb, yb, hb = place[b]
            x1, y1, x2, y2 = xa + COLUMN_WIDTH, ya + ha / 2, xb - 2, yb + hb / 2
        parts.append(f'<line x1="{x1}" y1="{y1:.1f}" x2="{x2}" y2="{y2:.1f}" stroke="#666" stroke-width="1.2" '
                     f'marker-end="url(#arrow)"/>')
    width = 4 * COLUMN_WIDTH + 3 * GAP
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" width="{width}" '
            f'height="{height:.0f}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">'
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker></defs>'
            + "".join(parts) + "</svg>")


def theory_pictures(model: ImpactModel, texts: Texts) -> list[Picture | Paragraph]:
    """The theory of change per stakeholder (``impactlab.model.theory.lanes``, as the web app shows it): one
    picture per stakeholder of its own inputs, activities, outputs and outcomes (and what links to them), then
    the programme as a whole when something belongs to no stakeholder; a stakeholder with nothing described
    yet is a sentence."""
    blocks: list[Picture | Paragraph] = []
    for n, lane in enumerate(lanes(model), start=1):
        name = lane.name if lane.stakeholder is not None else texts("theory_whole")
        if lane.empty:
            blocks.append(Paragraph(texts("theory_empty", name=name)))
        else:
            title = f"{name} ({lane.category})" if lane.category else name
            blocks.append(Picture(f"theory-{n}", title, lane_svg(lane, texts)))
    return blocks

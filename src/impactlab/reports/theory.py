"""The theory-of-change picture: inputs → activities → outputs → outcomes per stakeholder, as SVG."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from html import escape

from impactlab.model.schema import ImpactModel
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
    y: float = 0.0

    @property
    def height(self) -> float:
        return len(self.lines) * LINE + 2 * PAD + (LINE + 2 if self.heading else 0)


def _lines(text: str) -> list[str]:
    wrapped = textwrap.wrap(text, CHARS) or [""]
    return wrapped[:4] if len(wrapped) <= 4 else [*wrapped[:3], wrapped[3][: CHARS - 1] + "…"]


def _columns(model: ImpactModel) -> list[list[_Box]]:
    """Boxes per column; without activities the programme itself is the one activity."""
    names = {s.id: s.name for s in model.stakeholders}
    inputs = [_Box(f"i:{i.id}", _lines(i.description or i.id), names.get(i.stakeholder)) for i in model.inputs]
    activities = [_Box(f"a:{a.id}", _lines(a.name)) for a in model.activities] or [
        _Box("a:programme", _lines(model.programme.name))]
    outputs = [_Box(f"o:{o.id}", _lines(o.description)) for o in model.outputs]
    outcomes = []
    for stakeholder in model.stakeholders:
        for o in (o for o in model.outcomes if o.stakeholder == stakeholder.id):
            outcomes.append(_Box(f"u:{o.id}", _lines(o.description), stakeholder.name))
    return [inputs, activities, outputs, outcomes]


def _links(model: ImpactModel) -> list[tuple[str, str]]:
    links = [(f"i:{i}", f"a:{a.id}") for a in model.activities for i in a.inputs]
    links += [(f"a:{o.activity}", f"o:{o.id}") for o in model.outputs]
    links += [(f"o:{out}", f"u:{o.id}") for o in model.outcomes for out in o.outputs]
    return links


def theory_svg(model: ImpactModel, texts: Texts) -> str:
    """An SVG drawing of the model's chain; columns without items show a dash, arrows follow the links."""
    columns = _columns(model)
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
            parts.append(f'<rect x="{x}" y="{y}" width="{COLUMN_WIDTH}" height="{box.height}" rx="5" '
                         f'fill="{FILLS[c]}" stroke="{STROKES[c]}"/>')
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
    links = [(a, b) for a, b in _links(model) if a in place and b in place]
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

"""The theory-of-change picture: per stakeholder, inputs → activities → outputs → outcomes, as SVG."""

from __future__ import annotations

import itertools
import textwrap
from dataclasses import dataclass, field

from django.utils.html import escape

from impactlab.model import ImpactModel

COLUMNS = ("inputs", "activities", "outputs", "outcomes")
BOX_W, BOX_H, GAP_X, GAP_Y, TOP, PAD = 190, 52, 46, 14, 40, 10
COLOURS = {"inputs": "#dbeafe", "activities": "#e0e7ff", "outputs": "#fef3c7", "outcomes": "#dcfce7"}


@dataclass
class Node:
    id: str
    label: str


@dataclass
class Chain:
    """One stakeholder's impact chain: nodes per column and the links between neighbouring columns."""

    stakeholder: str
    name: str
    columns: dict[str, list[Node]]
    links: set[tuple[str, str]] = field(default_factory=set)


def chains(model: ImpactModel) -> list[Chain]:
    """One chain per stakeholder with outcomes. Where the model names no links (no activities or outputs),
    the chain shows the programme's inputs, activities and outputs as a whole."""
    activities = {a.id: a for a in model.activities}
    outputs = {o.id: o for o in model.outputs}
    inputs = {i.id: i for i in model.inputs}
    result = []
    for stakeholder in model.stakeholders:
        outcomes = [o for o in model.outcomes if o.stakeholder == stakeholder.id]
        if not outcomes:
            continue
        links: set[tuple[str, str]] = set()
        out_ids = [oid for o in outcomes for oid in o.outputs if oid in outputs]
        links |= {(oid, f"outcome:{o.id}") for o in outcomes for oid in o.outputs if oid in outputs}
        out_ids = list(dict.fromkeys(out_ids)) or list(outputs)
        act_ids = list(dict.fromkeys(outputs[o].activity for o in out_ids if outputs[o].activity in activities))
        links |= {(outputs[o].activity, o) for o in out_ids if outputs[o].activity in activities}
        act_ids = act_ids or list(activities)
        in_ids = list(dict.fromkeys(i for a in act_ids for i in activities[a].inputs if i in inputs))
        links |= {(i, a) for a in act_ids for i in activities[a].inputs if i in inputs}
        in_ids = in_ids or list(inputs)
        columns = {
            "inputs": [Node(i, inputs[i].description or i) for i in in_ids],
            "activities": [Node(a, activities[a].name) for a in act_ids],
            "outputs": [Node(o, outputs[o].description) for o in out_ids],
            "outcomes": [Node(f"outcome:{o.id}", o.description) for o in outcomes],
        }
        result.append(Chain(stakeholder.id, stakeholder.name, columns, links))
    return result


def _box(x: int, y: int, label: str, fill: str) -> str:
    lines = textwrap.wrap(label, 24)[:2] or ["—"]
    if len(textwrap.wrap(label, 24)) > 2:
        lines[1] = lines[1][:22] + "…"
    spans = "".join(f'<tspan x="{x + PAD}" dy="{0 if i == 0 else 16}">{escape(t)}</tspan>' for i, t in enumerate(lines))
    return (f'<g><title>{escape(label)}</title><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" '
            f'fill="{fill}" stroke="#475569"/><text x="{x + PAD}" y="{y + 21}" font-size="13" '
            f'fill="#0f172a">{spans}</text></g>')


def render_svg(chain: Chain, headings: dict[str, str], empty: str) -> str:
    """An SVG picture of one chain; `headings` are the (translated) column titles, `empty` marks a gap."""
    rows = max(1, *(len(nodes) for nodes in chain.columns.values()))
    width = len(COLUMNS) * BOX_W + (len(COLUMNS) - 1) * GAP_X
    height = TOP + rows * (BOX_H + GAP_Y)
    where: dict[str, tuple[int, int]] = {}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(chain.name)}" class="toc" font-family="system-ui, sans-serif">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#475569"/></marker></defs>']
    for c, column in enumerate(COLUMNS):
        x = c * (BOX_W + GAP_X)
        parts.append(f'<text x="{x}" y="20" font-size="14" font-weight="bold" fill="#0f172a">'
                     f'{escape(headings[column])}</text>')
        nodes = chain.columns[column] or [Node(f"{column}:empty", empty)]
        for r, node in enumerate(nodes):
            y = TOP + r * (BOX_H + GAP_Y)
            where[node.id] = (x, y)
            fill = COLOURS[column] if chain.columns[column] else "#f1f5f9"
            parts.append(_box(x, y, node.label, fill))
    edges = chain.links or _column_edges(chain)
    for source, target in sorted(edges):
        if source in where and target in where:
            (x1, y1), (x2, y2) = where[source], where[target]
            parts.append(f'<line x1="{x1 + BOX_W}" y1="{y1 + BOX_H // 2}" x2="{x2 - 2}" y2="{y2 + BOX_H // 2}" '
                         'stroke="#475569" stroke-width="1.5" marker-end="url(#arrow)"/>')
    parts.append("</svg>")
    return "".join(parts)


def _column_edges(chain: Chain) -> set[tuple[str, str]]:
    """Without named links: one arrow from each column's first box to the next column's first box."""
    firsts = [(chain.columns[c] or [Node(f"{c}:empty", "")])[0].id for c in COLUMNS]
    return set(itertools.pairwise(firsts))

"""The self-contained HTML report: inline CSS and scripts, interactive Vega-Lite charts, print CSS."""

from __future__ import annotations

import json
from html import escape

from impactlab.reports import charts
from impactlab.reports.blocks import Block, Bullets, Chart, Paragraph, Picture, Quote, ReportDocument, Section, Table
from impactlab.reports.texts import Texts

CSS = """
:root { --ink: #1f2933; --muted: #5f6b76; --line: #d5dbe1; --accent: #3b5b92; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--ink); line-height: 1.45;
       max-width: 60rem; margin: 2rem auto; padding: 0 1.2rem; font-size: 15px; }
h1 { font-size: 1.9rem; margin-bottom: .2rem; } h2 { color: var(--accent); border-bottom: 2px solid var(--line);
     padding-bottom: .2rem; margin-top: 2.4rem; } h3 { margin-top: 1.6rem; }
.subtitle, .date, .note, figcaption, .caption { color: var(--muted); font-size: .9rem; }
.emphasis { font-size: 1.2rem; font-weight: bold; }
nav.toc ol { columns: 2; } nav.toc a { color: var(--accent); text-decoration: none; }
table { border-collapse: collapse; width: 100%; margin: .8rem 0; font-size: .85rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #f1f4f7; } td.num, th.num { text-align: right; white-space: nowrap; }
tr.total td { font-weight: bold; border-top: 2px solid var(--ink); }
figure { margin: 1rem 0; } .picture svg { max-width: 100%; height: auto; }
blockquote { border-left: 4px solid var(--accent); margin: .8rem 0; padding: .2rem 1rem; font-style: italic; }
@media print {
  body { max-width: none; margin: 0; font-size: 11pt; } nav.toc { page-break-after: always; }
  h2 { page-break-before: always; } h2, h3 { page-break-after: avoid; }
  tr, figure { page-break-inside: avoid; } a { color: inherit; }
  @page { size: A4; margin: 18mm 16mm; }
}
"""

EMBED = """
(function () {
  var specs = JSON.parse(document.getElementById("chart-specs").textContent);
  var locale = JSON.parse(document.getElementById("chart-locale").textContent);
  Object.keys(specs).forEach(function (id) {
    vegaEmbed("#chart-" + id, specs[id], {actions: false, renderer: "svg", mode: "vega-lite", formatLocale: locale});
  });
})();
"""


def _script_json(data: object) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _table(table: Table) -> str:
    def cells(row: list[str], tag: str) -> str:
        return "".join(f'<{tag}{" class=num" if num else ""}>{escape(text)}</{tag}>'
                       for text, num in zip(row, table.numeric, strict=True))

    body = []
    for k, row in enumerate(table.rows):
        total = k >= len(table.rows) - table.total_rows
        body.append(f"<tr{' class=total' if total else ''}>{cells(row, 'td')}</tr>")
    caption = f"<caption class=caption>{escape(table.caption)}</caption>" if table.caption else ""
    note = f"<p class=note>{escape(table.note)}</p>" if table.note else ""
    return (f"<table>{caption}<thead><tr>{cells(table.header, 'th')}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>{note}")


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"<p{' class=emphasis' if block.emphasis else ''}>{escape(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Chart):
        return (f'<figure class=chart><div id="chart-{escape(block.id)}" role="img" '
                f'aria-label="{escape(block.title)}"></div></figure>')
    if isinstance(block, Picture):
        return f"<figure class=picture>{block.svg}<figcaption>{escape(block.title)}</figcaption></figure>"
    if isinstance(block, Quote):
        source = f"<footer>— {escape(block.source)}</footer>" if block.source else ""
        return f"<blockquote><p>{escape(block.text)}</p>{source}</blockquote>"
    raise TypeError(f"unknown block {type(block).__name__}")


def _section(section: Section, number: str, level: int = 2) -> str:
    parts = [f'<section id="{escape(section.id)}"><h{level}>{number} {escape(section.title)}</h{level}>']
    parts += [_block(b) for b in section.blocks]
    parts += [_section(sub, f"{number}{k}.", level + 1) for k, sub in enumerate(section.subsections, 1)]
    return "".join(parts) + "</section>"


def render_html(doc: ReportDocument) -> str:
    """The report as one HTML file that needs no network: charts are interactive, print CSS included."""
    toc = "".join(f'<li><a href="#{escape(s.id)}">{escape(s.title)}</a></li>' for s in doc.sections)
    body = "".join(_section(s, f"{k}.") for k, s in enumerate(doc.sections, 1))
    specs = {chart.id: chart.spec for chart in doc.charts()}
    bundle = charts.javascript_bundle().replace("</script", "<\\/script")
    contents = Texts(doc.lang)("contents")
    return (
        f'<!DOCTYPE html><html lang="{doc.lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(doc.title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(doc.title)}</h1><p class=subtitle>{escape(doc.subtitle)}</p>"
        f"<p class=date>{escape(doc.date)}</p></header>"
        f'<nav class=toc><h2 style="page-break-before:avoid">{contents}</h2><ol>{toc}</ol></nav>{body}'
        f'<script type="application/json" id="chart-specs">{_script_json(specs)}</script>'
        f'<script type="application/json" id="chart-locale">{_script_json(charts.format_locale(doc.lang))}</script>'
        f"<script>{bundle}</script><script>{EMBED}</script></body></html>"
    )

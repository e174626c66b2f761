"""`impactlab report`: the programme report as HTML, PDF or an Excel value map (plus a CSV/JSON appendix)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from impactlab.cli.app import app, console, err_console, fail
from impactlab.errors import UserError


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


class Language(StrEnum):
    nl = "nl"
    en = "en"


@app.command("report")
def report_command(
    model: Path = typer.Argument(..., help="the impact model YAML file", show_default=False),
    data: list[str] = typer.Option([], "--data", "-d",
                                   help="a dataset snapshot (name, name@id, or name=outcome_id); repeatable"),
    format: ReportFormat = typer.Option(ReportFormat.html, "--format", "-f", help="html, pdf or xlsx"),
    lang: Language = typer.Option(Language.nl, "--lang", "-l", help="nl (Dutch) or en (English)"),
    out: Path = typer.Option(..., "--out", "-o", help="the file to write"),
    draws: int = typer.Option(100_000, "--draws", "-n", min=2, help="Monte Carlo draws"),
    seed: int = typer.Option(0, "--seed", help="random seed of the simulation"),
    cycle: str | None = typer.Option(None, "--cycle", help="the learning cycle the report belongs to"),
    appendix: bool = typer.Option(False, "--appendix", help="also write <out>.csv and <out>.json of every figure"),
    workspace: Path | None = typer.Option(None, "--workspace", "-w", help="workspace folder holding the datasets"),
) -> None:
    """Write the report of a programme: summary, theory of change, evidence, value map, sensitivity, limitations."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from impactlab.evidence.workspace import Workspace
    from impactlab.model.document import check_model
    from impactlab.reports import build_report, render_appendix, render_html, render_pdf, render_xlsx

    checked = check_model(model)
    if checked.model is None:
        fail(checked.errors)
    assert checked.model is not None
    loaded = checked.model
    if out.parent and not out.parent.exists():
        raise UserError(f"{out}: the folder {out.parent} does not exist")
    sources = []
    if data:
        from impactlab.reports import source_from_store

        store = Workspace(workspace).store()
        sources = [source_from_store(store, reference, loaded) for reference in data]
    with Progress(TextColumn("simulating"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} draws"),
                  TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task("draws", total=draws)
        doc = build_report(loaded, lang=lang.value, sources=sources, cycle=cycle, draws=draws, seed=seed,
                           workspace=workspace, progress=lambda done, total: bar.update(task, completed=done))
    with err_console.status(f"writing {format.value}"):
        if format is ReportFormat.html:
            try:
                out.write_text(render_html(doc), encoding="utf-8")
            except OSError as error:
                raise UserError(f"{out}: cannot write ({error.strerror})") from None
        elif format is ReportFormat.pdf:
            render_pdf(doc, out)
        else:
            render_xlsx(doc, out)
        written = [out, *(render_appendix(doc, out) if appendix else ())]
    console.print("wrote " + ", ".join(str(p) for p in written), markup=False, highlight=False)

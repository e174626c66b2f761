"""Commands on instruments: list and show the library, and `score` a dataset with one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from impactlab.cli.app import FORMAT, OutputFormat, app, console, print_json
from impactlab.evidence.workspace import Workspace

if TYPE_CHECKING:  # the instrument library (Polars, pydantic models) is imported by the commands that use it
    from impactlab.evidence.instruments import AnswerFormat, Instrument

instruments_app = typer.Typer(help="The library of validated outcome instruments.", no_args_is_help=True)
app.add_typer(instruments_app, name="instruments")
EXTRA = typer.Option(None, "--dir", help="a folder with your own instrument files (YAML)")


def _dirs(extra: Path | None) -> list[Path] | None:
    return [extra] if extra else None


def _summary(instrument: Instrument) -> dict:
    return {"id": instrument.id, "name": instrument.name.en or instrument.name.nl, "items": len(instrument.items),
            "scores": instrument.score_names(), "method": instrument.scoring.method, "source": instrument.source}


def _codes(fmt: AnswerFormat) -> str:
    responses = fmt.responses
    if not responses.options:
        return f"{responses.min}-{responses.max}"
    return ", ".join(f"{o.code} {o.label.en or o.label.nl}" if o.label else str(o.code) for o in responses.options)


@instruments_app.command("list")
def instruments_list(extra: Path | None = EXTRA, format: OutputFormat = FORMAT) -> None:
    """Every instrument: id, name, items, scores and source."""
    from rich.table import Table

    from impactlab.evidence.instruments import list_instruments

    rows = [_summary(i) for i in list_instruments(_dirs(extra))]
    if format is OutputFormat.json:
        print_json(rows)
        return
    table = Table()
    for column in ("id", "name", "items", "scores", "scoring"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["id"], row["name"], str(row["items"]), ", ".join(row["scores"]), row["method"])
    console.print(table)


@instruments_app.command("show")
def instruments_show(instrument_id: str = typer.Argument(..., metavar="ID"), extra: Path | None = EXTRA,
                     format: OutputFormat = FORMAT) -> None:
    """One instrument: items, scoring rule, range, reliability, norms and source."""
    from rich.table import Table

    from impactlab.evidence.instruments import load_instrument

    instrument = load_instrument(instrument_id, _dirs(extra))
    if format is OutputFormat.json:
        print_json(instrument.model_dump(mode="json", exclude_none=True))
        return
    name = instrument.name.en or instrument.name.nl
    console.rule(f"[bold]{instrument.id}[/] {name} (version {instrument.version})")
    console.print(f"Source: {instrument.source}", highlight=False)
    console.print(f"Licence: {instrument.licence}", highlight=False)
    scoring = instrument.scoring
    console.print(f"Scoring: {scoring.method}; range {scoring.range}; "
                  f"{'higher' if scoring.higher_is_better else 'lower'} is better", highlight=False)
    items = Table(title="Items", title_justify="left")
    for column in ("code", "text", "subscale", "reverse"):
        items.add_column(column)
    for item in instrument.items:
        text = item.text_en or item.text_nl or (item.label.en or item.label.nl if item.label else "") or ""
        items.add_row(item.code, text, item.subscale or "", "yes" if item.reverse else "")
    console.print(items)
    for n, fmt in enumerate(instrument.formats):
        console.print(f"Answer format {fmt.id}{' (default)' if n == 0 else ''}: {fmt.name.en or fmt.name.nl}; "
                      f"codes {_codes(fmt)}", highlight=False)
        for code, hits in fmt.scoring_codes.items():
            console.print(f"  {code} scores 1 for codes {', '.join(map(str, hits))}", highlight=False)
        if fmt.source:
            console.print(f"  source: {fmt.source}", highlight=False)
    for reliability in instrument.reliability:
        population = f", {reliability.population}" if reliability.population else ""
        console.print(f"Reliability ({reliability.score}, {reliability.kind}{population}): {reliability.value} "
                      f"- {reliability.source}", highlight=False)
    for norm in instrument.norms:
        console.print(f"Norm ({norm.score}, {norm.kind}, {norm.population}): mean {norm.mean}, sd {norm.sd}",
                      highlight=False)
    for note in instrument.notes:
        console.print(f"Note: {note}", style="dim", highlight=False)


@app.command("score")
def score_command(
    dataset: str = typer.Argument(..., help="dataset name (its latest snapshot) or snapshot id"),
    instrument: str = typer.Option(..., "--instrument", "-i", help="instrument id from the library, or a file"),
    workspace: Path | None = typer.Option(None, "--workspace", "-w", help="workspace folder"),
) -> None:
    """Add the instrument's scores per respondent and wave, as a new snapshot of the dataset."""
    from impactlab.evidence.scored import write_scored

    with console.status(f"scoring {dataset} with {instrument}"):
        info, created = write_scored(Workspace(workspace).store(), dataset, instrument)
    added = [c.name for c in info.columns if c.role == "score"]
    state = "new snapshot" if created else "already scored: same snapshot"
    origin = (info.derived_from or "?")[:12]
    console.print(f"{info.dataset}: {state} {info.short_id} (from {origin}), score columns: {', '.join(added)}",
                  highlight=False)

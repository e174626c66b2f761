"""Commands on registrations of formal and informal support: import and the balance over time."""

from __future__ import annotations

from pathlib import Path

import typer

from impactlab.cli.app import FORMAT, OutputFormat, app, console, print_json
from impactlab.cli.format import number, percent
from impactlab.errors import UserError
from impactlab.evidence.workspace import Workspace

registrations_app = typer.Typer(help="Registrations of formal and informal support.", no_args_is_help=True)
app.add_typer(registrations_app, name="registrations")
WORKSPACE = typer.Option(None, "--workspace", "-w", help="workspace folder (default ./.impactlab)")


@registrations_app.command("import")
def registrations_import(
    file: Path = typer.Argument(..., help="a .csv or .xlsx file of registrations"),
    dataset: str = typer.Option(..., "--dataset", "-d"),
    workspace: Path | None = WORKSPACE,
) -> None:
    """Import registrations (date, client, provider, support, kind, hours, contacts, team, neighbourhood)."""
    from impactlab.io.registrations import import_registrations

    info = import_registrations(file, dataset, Workspace(workspace))
    console.print(f"{info.dataset}: snapshot {info.short_id}, {info.rows.imported} registrations "
                  "(client and provider pseudonymised)", highlight=False)


@registrations_app.command("balance")
def registrations_balance(
    dataset: str = typer.Argument(..., help="a registrations dataset"),
    by: list[str] = typer.Option([], "--by", help="team, neighbourhood or kind (repeatable)"),
    period: str = typer.Option("month", "--period", help="week, month, quarter or year"),
    min_cell: int | None = typer.Option(None, "--min-cell", min=1, help="suppress groups with fewer clients (may "
                                        "raise the installation's IMPACTLAB_MIN_CELL, default 10, never lower it)"),
    workspace: Path | None = WORKSPACE,
    format: OutputFormat = FORMAT,
) -> None:
    """Formal and informal hours, share informal, clients reached and volunteers active, over time."""
    from rich.table import Table

    from impactlab.evidence.disclosure import programme_policy
    from impactlab.fieldwork.registrations import balance

    if period not in ("week", "month", "quarter", "year"):
        raise UserError(f"--period must be week, month, quarter or year, got {period!r}")
    frame = Workspace(workspace).store().read(dataset)
    table = balance(frame, by, period, programme_policy(min_cell))  # type: ignore[arg-type]
    if format is OutputFormat.json:
        print_json(table.with_columns(table["period"].cast(str)).to_dicts())
        return
    out = Table(title=f"Formal and informal support per {period}", title_justify="left")
    columns = ["period", *by, "hours formal", "hours informal", "share informal", "clients", "volunteers"]
    for column in columns:
        out.add_column(column, justify="left" if column in ("period", *by) else "right")
    for row in table.iter_rows(named=True):
        hidden = "suppressed" if row["suppressed"] else None
        out.add_row(str(row["period"]), *(str(row[c]) for c in by), hidden or number(row["hours_formal"]),
                    hidden or number(row["hours_informal"]), hidden or percent(row["share_informal"]),
                    hidden or number(row["clients"]), hidden or number(row["volunteers"]))
    console.print(out)

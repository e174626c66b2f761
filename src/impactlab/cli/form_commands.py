"""`impactlab forms check|convert`: XLSForms (KoboToolbox, ODK) read with pyxform, as the web import reads them."""

from __future__ import annotations

from pathlib import Path

import typer

from impactlab.cli.app import EXIT_USER_ERROR, FORMAT, OutputFormat, app, console, print_json, show_messages

forms_app = typer.Typer(help="XLSForms as KoboToolbox and ODK use them: check and convert.", no_args_is_help=True)
app.add_typer(forms_app, name="forms")


@forms_app.command("check")
def forms_check(
    form: Path = typer.Argument(..., metavar="FORM.xlsx", help="an XLSForm (.xlsx or .xls)"),
    format: OutputFormat = FORMAT,
) -> None:
    """Can impactlab run this form? Exit 0 with its questions, languages and features; 2 with the messages."""
    from impactlab.errors import UserError
    from impactlab.fieldwork.xlsform import check_xlsform

    try:
        report = check_xlsform(form)
    except UserError as error:  # pyxform (or the file) refuses it
        if format is OutputFormat.json:
            problems = [{"sheet": None, "row": None, "column": None, "feature": "pyxform", "message": m}
                        for m in error.messages]
            print_json({"file": str(form), "ok": False, "problems": problems})
        show_messages(error.messages)
        raise typer.Exit(EXIT_USER_ERROR) from None
    if format is OutputFormat.json:
        print_json(report.to_json())
    else:
        _show(report)
    show_messages(report.warnings)
    if not report.ok:
        show_messages(report.messages)
        raise typer.Exit(EXIT_USER_ERROR)


def _show(report) -> None:  # a FormReport (imported lazily)
    from rich.table import Table

    state = "impactlab can run it" if report.ok else "impactlab cannot run it yet"
    console.print(f"{report.source}: {report.title} (id {report.form_id}, version {report.version}): {state}",
                  highlight=False)
    console.print(f"Languages: {', '.join(report.languages) or '-'}", highlight=False)
    table = Table(title=f"{len(report.questions)} questions", title_justify="left")
    for column in ("row", "name", "type", "label"):
        table.add_column(column)
    for question in report.questions:
        table.add_row(str(question["row"] or ""), question["name"], question["type"], question["label"])
    console.print(table)
    console.print("Features: " + ", ".join(f"{name} ({count})" for name, count in sorted(report.features.items())),
                  highlight=False)


@forms_app.command("convert")
def forms_convert(
    form: Path = typer.Argument(..., metavar="FORM.xlsx", help="an XLSForm (.xlsx or .xls)"),
    out: Path = typer.Option(..., "--out", "-o", help="the questionnaire YAML file to write"),
) -> None:
    """Write impactlab's questionnaire document (YAML) for an XLSForm; exit 2 with the messages if it cannot."""
    from impactlab.fieldwork.questionnaire import save_questionnaire
    from impactlab.fieldwork.xlsform import read_xlsform

    questionnaire = read_xlsform(form)
    save_questionnaire(questionnaire, out)
    console.print(f"{out}: questionnaire '{questionnaire.id}', {len(questionnaire.questions)} questions",
                  highlight=False)

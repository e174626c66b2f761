"""Commands on impact model files: new, check, value, sensitivity, simulate, proxies."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from impactlab.cli.app import FORMAT, OutputFormat, app, console, err_console, fail, print_json
from impactlab.cli.format import money, number, percent
from impactlab.errors import UserError
from impactlab.messages import LANGUAGES, default_language
from impactlab.model.examples import example_names, example_text

if TYPE_CHECKING:  # the model, its validation and the valuation are imported by the commands that use them
    from rich.table import Table

    from impactlab.model.schema import ImpactModel
    from impactlab.valuation.results import ValuationResult

MODEL = typer.Argument(..., help="the impact model YAML file", show_default=False)
WORKSPACE = typer.Option(None, "--workspace", "-w", help="workspace with the datasets that evidence quantities use")


LANG = typer.Option(None, "--lang", "-l", help="language of the messages: nl or en (default: IMPACTLAB_LANG, "
                    "else the locale, else en)", show_default=False)


def _language(lang: str | None) -> str:
    if lang is None:
        return default_language()
    if lang.lower() not in LANGUAGES:
        raise UserError(f"--lang {lang!r}: use nl or en / gebruik nl of en")
    return lang.lower()


def _load(path: Path, quiet: bool = False) -> ImpactModel:
    from impactlab.model.document import check_model

    report = check_model(path, default_language())
    if report.model is None:
        fail(report.errors)
    if not quiet:
        for warning in report.warnings:
            err_console.print(warning, markup=False, highlight=False, soft_wrap=True)
    assert report.model is not None
    return report.model


@app.command("check")
def check_command(model: Path = MODEL, lang: str | None = LANG) -> None:
    """Validate a model file: every problem with its place in the file and a hint, in English or Dutch."""
    from impactlab.model.document import check_model

    language = _language(lang)
    report = check_model(model, language)
    for message in report.errors + report.warnings:
        err_console.print(message, markup=False, highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(2)
    assert report.model is not None
    m = report.model
    if language == "nl":
        console.print(f"{model}: geldig ({len(m.stakeholders)} belanghebbenden, {len(m.inputs)} inzet, "
                      f"{len(m.outcomes)} uitkomsten, {len(report.warnings)} waarschuwingen)", highlight=False)
    else:
        console.print(f"{model}: valid ({len(m.stakeholders)} stakeholders, {len(m.inputs)} inputs, "
                      f"{len(m.outcomes)} outcomes, {len(report.warnings)} warnings)", highlight=False)


@app.command("new")
def new_command(
    example: str = typer.Option("template", "--example", "-e",
                                help=f"one of: {', '.join(['template', *example_names()])}"),
) -> None:
    """Print a model to start from: a blank template or a realistic, sourced example."""
    print(example_text(example), end="")


def _value_table(result: ValuationResult) -> None:
    from rich.table import Table

    cur = result.currency
    console.rule(f"[bold]{result.programme}[/] - prices {result.price_year}, discount rate "
                 f"{percent(result.discount_rate, 2)}")
    outcomes = Table(title="Value map: outcomes", title_justify="left")
    for column in ("outcome", "stakeholder", "quantity", "unit value", "DW / DS / AT / DO", "years",
                   "impact year 1", "present value"):
        outcomes.add_column(column, justify="left" if column in ("outcome", "stakeholder") else "right")
    for o in result.outcomes:
        name = o.id + (f" (transfer from {o.transfer_from})" if o.transfer_from else "")
        deductions = " / ".join(percent(x, 0) for x in (o.deadweight, o.displacement, o.attribution, o.drop_off))
        outcomes.add_row(name, o.stakeholder, number(o.quantity), money(o.unit_value, cur), deductions,
                         f"{o.start_year}-{o.start_year + o.duration - 1}", money(o.impact_first_year, cur),
                         money(o.present_value, cur))
    console.print(outcomes)
    console.print("DW deadweight, DS displacement, AT attribution, DO drop-off per year", style="dim")
    inputs = Table(title="Inputs", title_justify="left")
    for column in ("input", "stakeholder", "support", "year", "value", "present value"):
        inputs.add_column(column, justify="right" if column in ("year", "value", "present value") else "left")
    for i in result.inputs:
        inputs.add_row(i.id, i.stakeholder, i.support or "", str(i.year), money(i.value, cur),
                       money(i.present_value, cur))
    console.print(inputs)
    totals = Table(title="SROI and MKBA", title_justify="left", show_header=False)
    totals.add_column(justify="left")
    totals.add_column(justify="right")
    ratio = "n/a (no investment)" if result.sroi_ratio is None else f"{result.sroi_ratio:.2f} : 1"
    payback = "n/a (no impact in year 1)" if result.payback_months is None else f"{result.payback_months:.1f}"
    bc = "n/a" if result.society.bc_ratio is None else f"{result.society.bc_ratio:.2f}"
    for label, text in (("Investment (present value)", money(result.investment, cur)),
                        ("Total present value", money(result.present_value, cur)),
                        ("Net present value", money(result.net_present_value, cur)),
                        ("SROI ratio", ratio), ("Payback (months)", payback),
                        ("MKBA benefits (transfers excluded)", money(result.society.benefits, cur)),
                        ("MKBA costs", money(result.society.costs, cur)),
                        ("MKBA net present value", money(result.society.npv, cur)),
                        ("MKBA benefit/cost ratio", bc)):
        totals.add_row(label, text)
    console.print(totals)
    who = Table(title="Who pays and who benefits", title_justify="left")
    for column in ("stakeholder", "invested", "benefits", "net"):
        who.add_column(column, justify="left" if column == "stakeholder" else "right")
    for s in result.stakeholders:
        who.add_row(s.name, money(s.invested, cur), money(s.benefits, cur), money(s.net, cur))
    console.print(who)
    for trail in result.evidence:
        console.print(f"{trail['field']} of {trail['outcome']}: {trail['description']}", highlight=False)


@app.command("value")
def value_command(model: Path = MODEL, format: OutputFormat = FORMAT, workspace: Path | None = WORKSPACE) -> None:
    """The SROI value map and the MKBA view (who pays, who benefits)."""
    from impactlab.valuation.engine import value

    result = value(_load(model, quiet=format is OutputFormat.json), workspace)
    if format is OutputFormat.json:
        print_json(result.to_dict())
    else:
        _value_table(result)


@app.command("sensitivity")
def sensitivity_command(model: Path = MODEL, format: OutputFormat = FORMAT,
                        workspace: Path | None = WORKSPACE) -> None:
    """One-way sensitivity (tornado) of every ranged assumption and break-even values."""
    from rich.table import Table

    from impactlab.valuation.sensitivity import sensitivity

    result = sensitivity(_load(model, quiet=format is OutputFormat.json), workspace)
    if format is OutputFormat.json:
        print_json(result.to_dict())
        return
    base = "n/a" if result.base_ratio is None else f"{result.base_ratio:.2f}"
    console.rule(f"Sensitivity - base SROI ratio {base}")
    bars = Table(title="Tornado (one assumption at its low and high, others at base)", title_justify="left")
    for column in ("assumption", "low", "base", "high", "ratio at low", "ratio at high", "swing"):
        bars.add_column(column, justify="left" if column == "assumption" else "right")
    for bar in result.tornado:
        bars.add_row(bar.parameter, number(bar.low), number(bar.base), number(bar.high),
                     number(bar.ratio_at_low), number(bar.ratio_at_high), number(bar.swing))
    console.print(bars if result.tornado else "No assumption carries a range: add {base, low, high} to see a tornado.")
    breaks = Table(title="Break-even: the value at which the SROI ratio is 1", title_justify="left")
    for column in ("assumption", "base", "break-even", "change"):
        breaks.add_column(column, justify="left" if column == "assumption" else "right")
    for item in result.break_even:
        breaks.add_row(item.parameter, number(item.base),
                       item.note if item.break_even is None else number(item.break_even),
                       "" if item.change is None else number(item.change))
    console.print(breaks)


@app.command("simulate")
def simulate_command(
    model: Path = MODEL,
    draws: int = typer.Option(100_000, "--draws", "-n", min=2, help="number of Monte Carlo draws"),
    seed: int | None = typer.Option(None, "--seed", help="random seed, for a reproducible result"),
    format: OutputFormat = FORMAT,
    workspace: Path | None = WORKSPACE,
) -> None:
    """Monte Carlo interval of the SROI ratio and NPV (all ranged assumptions drawn together)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    from rich.table import Table

    from impactlab.valuation.montecarlo import simulate

    loaded = _load(model, quiet=format is OutputFormat.json)
    with Progress(TextColumn("simulating"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} draws"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=err_console,
                  disable=format is OutputFormat.json or draws < 200_000) as bar:
        task = bar.add_task("draws", total=draws)
        result = simulate(loaded, draws=draws, seed=seed, workspace=workspace,
                          progress=lambda done, total: bar.update(task, completed=done))
    if format is OutputFormat.json:
        print_json(result.to_dict())
        return
    cur = loaded.programme.currency
    console.rule(f"Monte Carlo: {result.draws:,} draws, seed {result.seed}, "
                 f"{len(result.uncertain_parameters)} uncertain assumptions")
    table = Table(show_header=True)
    for column in ("figure", "mean", "P5", "P50", "P95", "MC s.e. of P5/P50/P95"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    for label, s, fmt in (("SROI ratio", result.sroi_ratio, number),
                          ("Net present value", result.net_present_value, lambda x: money(x, cur)),
                          ("MKBA net present value", result.society_npv, lambda x: money(x, cur))):
        table.add_row(label, fmt(s.mean), fmt(s.p5), fmt(s.p50), fmt(s.p95),
                      " / ".join(fmt(x) for x in (s.p5_se, s.p50_se, s.p95_se)))
    console.print(table)
    console.print(f"Probability that the SROI ratio exceeds 1: {percent(result.prob_ratio_above_1)} "
                  f"(s.e. {percent(result.prob_ratio_above_1_se)})", highlight=False)


proxies_app = typer.Typer(help="The shipped library of financial proxies.", no_args_is_help=True)
app.add_typer(proxies_app, name="proxies")


def _proxy_table(rows: list) -> Table:
    from rich.table import Table

    from impactlab.model.library import library_info

    table = Table(caption=f"impactlab proxy library {library_info().version}")
    for column in ("id", "name", "value", "unit", "price year", "range"):
        table.add_column(column, justify="right" if column in ("value", "price year") else "left")
    for p in rows:
        span = f"{number(p.low)}-{number(p.high)}" if p.low is not None and p.high is not None else ""
        table.add_row(p.id, p.name, money(p.value, p.currency), p.unit or "", str(p.price_year), span)
    return table


@proxies_app.command("list")
def proxies_list(format: OutputFormat = FORMAT) -> None:
    """Every proxy in the library."""
    from impactlab.model.library import proxy_library

    rows = sorted(proxy_library().values(), key=lambda p: p.id)
    if format is OutputFormat.json:
        print_json([p.model_dump() for p in rows])
    else:
        console.print(_proxy_table(rows))


@proxies_app.command("search")
def proxies_search(words: list[str] = typer.Argument(..., help="words that must all match (Dutch or English)"),
                   format: OutputFormat = FORMAT) -> None:
    """Proxies matching every word, in Dutch or English, any accents and word forms (eenzaam, eenzaamheid,
    loneliness), best first; JSON adds each entry's score."""
    from impactlab.model.library import search_scored

    found = search_scored(words)
    rows = [p for p, _score in found]
    if format is OutputFormat.json:
        print_json([{**p.model_dump(), "score": score} for p, score in found])
    elif rows:
        console.print(_proxy_table(rows))
    else:
        raise UserError(f"no proxy matches {' '.join(words)!r}; try one word, or `impactlab proxies list`")


@proxies_app.command("version")
def proxies_version(format: OutputFormat = FORMAT) -> None:
    """The library's version (reports name it) and its changelog."""
    from impactlab.model.library import library_info

    info = library_info()
    if format is OutputFormat.json:
        print_json(info.model_dump())
        return
    console.print(f"impactlab proxy library {info.version}", highlight=False)
    for entry in info.changelog:
        console.print(f"{entry.version} ({entry.date})", highlight=False)
        for change in entry.changes:
            console.print(f"  - {change}", highlight=False, markup=False)


@proxies_app.command("show")
def proxies_show(proxy_id: str = typer.Argument(..., metavar="ID"), format: OutputFormat = FORMAT) -> None:
    """One proxy with its source, range and notes."""
    from rich.table import Table

    from impactlab.model.library import proxy_library

    library = proxy_library()
    if proxy_id not in library:
        import difflib

        close = difflib.get_close_matches(proxy_id, list(library), n=3)
        raise UserError(f"unknown proxy '{proxy_id}'" + (f" (did you mean {', '.join(close)}?)" if close else ""))
    proxy = library[proxy_id]
    if format is OutputFormat.json:
        print_json(proxy.model_dump())
        return
    table = Table(show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for key, item in proxy.model_dump().items():
        if item not in (None, [], ""):
            table.add_row(key, ", ".join(item) if isinstance(item, list) else str(item))
    console.print(table)

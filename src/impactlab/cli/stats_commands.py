"""Commands on survey data: `change` (two waves, linked per respondent) and `agreement` (coders)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from impactlab.cli.app import FORMAT, OutputFormat, app, console, fail, print_json
from impactlab.cli.format import number, percent
from impactlab.errors import UserError

if TYPE_CHECKING:  # Polars, SciPy's statistics and the readers are imported by the commands that use them
    import polars as pl
    from rich.table import Table

    from impactlab.evidence.change import ChangeResult, WaveChange

MAX_ROW_ERRORS = 5



class LevelChoice(StrEnum):
    nominal = "nominal"
    ordinal = "ordinal"
    interval = "interval"
    ratio = "ratio"


# Commands catch UserError themselves and call `fail` (message on stderr, exit code 2), so the exit code
# is 2 whether the app runs through `run()` or directly (typer.testing.CliRunner, `app()`).


# ---------------------------------------------------------------------------------------------- change
def _read_long_csv(path: Path) -> tuple[pl.DataFrame, int]:
    """The file as text columns, read by import's own reader (encodings, separators, missing markers), and the
    file's row number of its first data row."""
    from impactlab.io.readers import read_text_table

    if not path.is_file():
        raise UserError(f"{path}: file not found (to analyse a dataset, name it and add --instrument ID)")
    table = read_text_table(path)
    return table.data, table.first_data_row


def _numeric_scores(path: Path, frame: pl.DataFrame, score: str, first_row: int = 2) -> pl.DataFrame:
    """The score column as numbers (decimal comma allowed); bad cells are named by row and column."""
    import polars as pl

    if score not in frame.columns:
        raise UserError(f"{path}, row 1: column {score!r} not found (columns: {', '.join(frame.columns)})")
    text = frame[score].str.strip_chars()
    parsed = text.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    bad = frame.with_row_index("row", offset=first_row).filter(text.is_not_null() & (text != "") & parsed.is_null())
    if bad.height:
        messages = [
            f"{path}, row {row['row']}, column {score!r}: {row[score]!r} is not a number"
            for row in bad.head(MAX_ROW_ERRORS).iter_rows(named=True)
        ]
        if bad.height > MAX_ROW_ERRORS:
            messages.append(f"... and {bad.height - MAX_ROW_ERRORS} more rows with a non-numeric score")
        raise UserError(messages)
    return frame.with_columns(parsed.alias(score))


def _change_from_csv(path: str | Path, **options: Any) -> WaveChange:
    """change_from_long on a long-format CSV; problems come back as UserError naming the file."""
    from impactlab.evidence.change import change_from_long

    path = Path(path)
    frame, first_row = _read_long_csv(path)
    frame = _numeric_scores(path, frame, options["score"], first_row)
    try:
        return change_from_long(frame, **options)
    except UserError as error:
        raise UserError([f"{path}: {message}" for message in error.messages]) from None


def _change_from_dataset(dataset: str, instrument: str, subscale: str | None, workspace: Path | None,
                         **options: Any) -> tuple[WaveChange, dict[str, Any]]:
    """change_from_long on a dataset snapshot scored with a library instrument; with what was read."""
    from impactlab.evidence.change import change_from_long
    from impactlab.evidence.scored import RESPONDENT, WAVE, score_spec, scored_frame
    from impactlab.evidence.workspace import Workspace

    spec = score_spec(instrument, subscale)
    frame, rows = scored_frame(Workspace(workspace).store(), dataset, spec)
    if options["reliability"] is None:
        options["reliability"] = spec.reliability
    if options.pop("lower_is_better"):
        options["higher_is_better"] = False
    else:
        options["higher_is_better"] = spec.higher_is_better
    result = change_from_long(frame, id=RESPONDENT, wave=WAVE, score=spec.column, norms=spec.norms, **options)
    return result, {"dataset": rows.dataset, "snapshot": "+".join(rows.snapshot_ids),
                    "snapshots": rows.snapshot_ids, "replaced_rows": rows.replaced, "instrument": spec.instrument.id}


@app.command("change")
def change_command(
    source: str = typer.Argument(..., help="a dataset name (with --instrument), or a long-format CSV file"),
    instrument: str | None = typer.Option(None, "--instrument", "-i", help="score a dataset with this instrument"),
    subscale: str | None = typer.Option(None, "--subscale", help="a subscale of the instrument instead of its total"),
    workspace: Path | None = typer.Option(None, "--workspace", "-w", help="workspace folder (default ./.impactlab)"),
    id: str = typer.Option("respondent", "--id", help="respondent id column"),
    wave: str = typer.Option("wave", "--wave", help="wave column"),
    score: str = typer.Option("score", "--score", help="score column"),
    pre: str = typer.Option("T0", "--pre", help="value of the wave column for the first measurement"),
    post: str = typer.Option("T1", "--post", help="value of the wave column for the second measurement"),
    by: str | None = typer.Option(None, "--by", help="report groups by this column (pre-wave value)"),
    reliability: float | None = typer.Option(
        None, "--reliability", help="instrument reliability for the reliable change index"
    ),
    lower_is_better: bool = typer.Option(False, "--lower-is-better", help="a lower score is better"),
    min_cell: int | None = typer.Option(None, "--min-cell", min=1, help="suppress figures of fewer respondents (may "
                                        "raise the installation's IMPACTLAB_MIN_CELL, default 10, never lower it)"),
    format: OutputFormat = FORMAT,
) -> None:
    """Change between two waves, linked per respondent, with disclosure control."""
    from impactlab.evidence.disclosure import programme_policy

    common = {"pre": pre, "post": post, "by": by, "reliability": reliability, "policy": programme_policy(min_cell)}
    read: dict[str, Any] = {}
    try:
        if instrument is not None and not Path(source).is_file():
            result, read = _change_from_dataset(source, instrument, subscale, workspace,
                                                lower_is_better=lower_is_better, **common)
        else:
            result = _change_from_csv(source, id=id, wave=wave, score=score, higher_is_better=not lower_is_better,
                                      **common)
    except UserError as error:
        fail(error.messages)
    if format is OutputFormat.json:
        print_json({**read, **result.to_dict()})
    else:
        _print_change(result)


def _interval(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"[{number(low)}, {number(high)}]"


def _p(value: float | None) -> str:
    return "n/a" if value is None else "< 0.001" if value < 0.001 else f"{value:.3f}"


def _change_rows(r: ChangeResult) -> list[tuple[str, str, str]]:
    rows = [
        ("Respondents with both waves", number(r.n_pairs), ""),
        ("Mean before → after", f"{number(r.mean_pre)} → {number(r.mean_post)}", ""),
        ("Mean change", number(r.mean_change), _interval(r.ci_low, r.ci_high)),
        ("Paired t-test", f"t({number(r.df)}) = {number(r.t)}", f"p {_p(r.p_value)}"),
        ("Wilcoxon signed-rank", "", f"p {_p(r.wilcoxon_p)}"),
        ("Cohen's d_z", number(r.cohen_dz), _interval(r.cohen_dz_ci_low, r.cohen_dz_ci_high)),
        ("Hedges' g_av", number(r.hedges_gav), _interval(r.hedges_gav_ci_low, r.hedges_gav_ci_high)),
        ("Improved / unchanged / worse",
         " / ".join(percent(x) for x in (r.share_improved, r.share_unchanged, r.share_worse)), ""),
    ]
    if r.reliable_change is not None:
        shares = r.reliable_change
        rows.append(("Reliable change: improved / unchanged / deteriorated",
                     " / ".join(percent(x) for x in (shares.improved, shares.unchanged, shares.deteriorated)), ""))
    elif r.reliable_change_criteria is None:
        rows.append(("Reliable change", "not computed: no reliability (give --reliability)", ""))
    return rows


def _print_change(result: WaveChange) -> None:
    """Readable tables: overall, attrition and per group."""
    from rich.table import Table

    title = f"Change in {result.score}: {result.pre_wave} → {result.post_wave}"
    table = Table("", "value", "95% CI / p", title=title, title_justify="left")
    table.add_row("Respondents at each wave", f"{number(result.n_pre)} → {number(result.n_post)}", "")
    table.add_row("Lost to follow-up", percent(result.attrition), "")
    if result.suppressed:
        table.add_row("Change statistics", f"suppressed (fewer than {result.min_cell} respondents)", "")
    else:
        for row in _change_rows(result.overall):
            table.add_row(*row)
    baseline = result.baseline
    if not baseline.suppressed:
        table.add_row("Baseline lost vs retained",
                      f"{number(baseline.mean_pre_lost)} vs {number(baseline.mean_pre_retained)}",
                      f"Welch p {_p(baseline.p_value)}")
    console.print(table)
    if result.groups:
        console.print(_groups_table(result))


def _groups_table(result: WaveChange) -> Table:
    from rich.table import Table

    table = Table(result.by, "n", "mean change", "95% CI", "p", "d_z", "improved", title="By group",
                  title_justify="left")
    for group in result.groups:
        if group.suppressed:
            table.add_row(str(group.group), f"suppressed (< {result.min_cell})", "", "", "", "", "")
            continue
        r = group.result
        table.add_row(str(group.group), number(r.n_pairs), number(r.mean_change), _interval(r.ci_low, r.ci_high),
                      _p(r.p_value), number(r.cohen_dz), percent(r.share_improved))
    return table


# ------------------------------------------------------------------------------------------- agreement
@app.command("agreement")
def agreement_command(
    source: Path = typer.Argument(..., help="CSV: unit id, then one column per coder (empty = not coded)"),
    level: LevelChoice = typer.Option(LevelChoice.nominal, "--level", help="level of measurement"),
    format: OutputFormat = FORMAT,
) -> None:
    """Inter-rater agreement: Krippendorff's alpha (and Cohen's kappa for two coders)."""
    from rich.table import Table

    from impactlab.evidence.agreement import agreement_from_csv

    try:
        result = agreement_from_csv(source, level.value)
    except UserError as error:
        fail(error.messages)
    if format is OutputFormat.json:
        print_json(result.to_dict())
        return
    table = Table("", "value", title=f"Agreement ({result.level})", title_justify="left")
    table.add_row("Units (coded by two or more)", f"{result.n_units} ({result.n_pairable_units})")
    table.add_row("Coders", str(result.n_coders))
    table.add_row("Krippendorff's alpha", number(result.krippendorff_alpha))
    if result.n_coders == 2:
        table.add_row("Cohen's kappa", number(result.cohen_kappa))
    console.print(table)

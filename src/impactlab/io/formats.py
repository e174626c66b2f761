"""Answer formats at import: recode the user's codes, then check which published format they fit.

The mapping names the format (`answer_format: three_point`) and may recode (`recode: {lone1: {1: 3, 3: 1}}`).
Codes that fit another format of the instrument better than the declared one give a warning naming the
items, the codes and the likely format; codes that the declared format does not have are an error naming
file, column and codes, put before the row issues (with `--quarantine` a warning, and the rows go to
quarantine). Never a silent score.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from impactlab.errors import UserError
from impactlab.evidence.instruments import FormatFit, fit_formats, load_instrument, say_in_language
from impactlab.io.mapping import Code, Mapping
from impactlab.io.validation import Plan


def _number(value: Code) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return None


def _text(value: Code) -> str:
    number = _number(value)
    return str(int(number)) if number is not None and number.is_integer() else str(value).strip()


def apply_recode(frame: pl.DataFrame, mapping: Mapping, names: dict[str, str] | None = None) -> pl.DataFrame:
    """The frame with every recoded column's codes replaced at once (so `{1: 3, 3: 1}` swaps them).

    `names` maps the frame's (working) column names to the user's column names (default: the same).
    Text columns are matched on the text (`ja` -> 3 works before the answers become numbers); numeric
    columns on the number.
    """
    exprs = []
    for column in frame.columns:
        user = (names or {}).get(column, column)
        table = mapping.recode_for(user)
        if not table:
            continue
        if frame.schema[column] == pl.String:
            old, new = [_text(k) for k in table], [_text(v) for v in table.values()]
            exprs.append(pl.col(column).str.strip_chars().replace(old, new).alias(column))
        else:
            pairs = [(_number(k), _number(v)) for k, v in table.items()]
            if any(b is None for a, b in pairs if a is not None):
                raise UserError(say_in_language(f"recode of column {user!r}: a number can only be recoded to a number",
                                     f"hercodering van kolom {user!r}: een getal kan alleen een getal worden"))
            pairs = [(a, b) for a, b in pairs if a is not None]
            exprs.append(pl.col(column).cast(pl.Float64).replace([a for a, _ in pairs], [b for _, b in pairs])
                         .alias(column))
    return frame.with_columns(exprs) if exprs else frame


def fit(frame: pl.DataFrame, mapping: Mapping, plan: Plan | None = None) -> FormatFit | None:
    """How the item columns of `frame` fit the instrument's answer formats (None without an instrument).

    With a `plan` the frame has the importer's working column names; messages name the user's columns."""
    if mapping.instrument is None:
        return None
    instrument = load_instrument(mapping.instrument)
    if plan is None:
        items = {code: column for code, column in mapping.items.items() if column in frame.columns}
        users = items
    else:
        items = {code: work for work, code in plan.items if work in frame.columns}
        users = {code: plan.columns.get(work, work) for code, work in items.items()}
    found = fit_formats(instrument, frame, items, mapping.answer_format)
    return replace(found, columns=users)


def answer_format_messages(
    frame: pl.DataFrame, mapping: Mapping, plan: Plan | None, file: str
) -> tuple[list[str], list[str]]:
    """(warnings, errors): codes that fit another format better; codes the declared format does not have."""
    found = fit(frame, mapping, plan)
    if found is None:
        return [], []
    return found.warnings(), found.errors(file)


def format_metadata(mapping: Mapping) -> dict[str, str] | None:
    """A non-default answer format as data-file metadata, so the same answers imported in another format
    make another snapshot (the snapshot id is the data file's sha256)."""
    if mapping.instrument is None or mapping.answer_format is None:
        return None
    if mapping.answer_format == load_instrument(mapping.instrument).format.id:
        return None
    return {"impactlab.answer_format": f"{mapping.instrument}:{mapping.answer_format}"}

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
        if table:
            exprs.append(_recode_expr(column, table, frame.schema[column] == pl.String, user))
    return frame.with_columns(exprs) if exprs else frame


def _recode_expr(column: str, table: dict[Code, Code], text: bool, user: str) -> pl.Expr:
    """One column's codes replaced at once: text matched on the text, numbers on the number."""
    if text:
        old, new = [_text(k) for k in table], [_text(v) for v in table.values()]
        return pl.col(column).str.strip_chars().replace(old, new).alias(column)
    pairs = [(_number(k), _number(v)) for k, v in table.items()]
    if any(b is None for a, b in pairs if a is not None):
        raise UserError(say_in_language(f"recode of column {user!r}: a number can only be recoded to a number",
                                        f"hercodering van kolom {user!r}: een getal kan alleen een getal worden"))
    pairs = [(a, b) for a, b in pairs if a is not None]
    return pl.col(column).cast(pl.Float64).replace([a for a, _ in pairs], [b for _, b in pairs]).alias(column)


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


# ----- before the import: the codes a file holds, how they fit, and a recode that makes them fit -------------

MAX_CODES = 15  # a column with more distinct answers is no coded answer column


def answer_codes(frame: pl.DataFrame, limit: int = MAX_CODES) -> dict[str, list[tuple[str, int]]]:
    """Column -> its distinct non-empty answers as text (numbers without a trailing .0) with their counts, in
    code order; only columns with at most `limit` distinct answers (one pass counts them)."""
    if frame.height == 0 or frame.width == 0:
        return {}
    texts = {c: _as_text(pl.col(c), frame.schema[c]) for c in frame.columns}
    distinct = frame.select(e.drop_nulls().n_unique().alias(c) for c, e in texts.items()).row(0, named=True)
    out: dict[str, list[tuple[str, int]]] = {}
    for column, n in distinct.items():
        if n > limit:
            continue
        if n == 0:  # no answers at all
            out[column] = []
            continue
        counts = frame.select(texts[column].drop_nulls().value_counts(sort=False)).unnest(column)
        pairs = [(str(v), int(k)) for v, k in counts.iter_rows()]
        out[column] = sorted(pairs, key=lambda p: (_number(p[0]) is None, _number(p[0]) or 0.0, p[0]))
    return out


def _as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        text = expr.str.strip_chars()
        return pl.when(text == "").then(None).otherwise(text).alias(expr.meta.output_name())
    if dtype.is_float():
        whole = expr.fill_nan(None)
        return (pl.when(whole == whole.round(0)).then(whole.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(whole.cast(pl.String)))
    return expr.cast(pl.String)


def fit_found(instrument: str, found: dict[str, list[str]], answer_format: str | None = None,
              recode: dict[Code, Code] | None = None, missing: list[Code] | None = None,
              ) -> tuple[FormatFit, dict[str, list[str]]]:
    """How the distinct answers found per item (text, as `answer_codes` gives them) fit the instrument's
    answer formats after `recode` (the same table for every item, as the importer applies it) and with the
    `missing` codes left out: the same `fit_formats` the importer runs, on the distinct answers only. Also
    item -> the answers left that are no numbers (no format has them: they need a recode)."""
    longest = max((len(v) for v in found.values()), default=0)
    frame = pl.DataFrame({item: [*codes, *[None] * (longest - len(codes))] for item, codes in found.items()},
                         schema={item: pl.String for item in found})
    if recode:
        frame = frame.with_columns(_recode_expr(item, recode, True, item) for item in found)
    if missing:
        gone = [_text(m) for m in missing]
        frame = frame.with_columns(pl.when(pl.col(i).is_in(gone)).then(None).otherwise(pl.col(i)).alias(i)
                                   for i in found)
    text = frame.select(pl.col(i).filter(pl.col(i).cast(pl.Float64, strict=False).is_null()).drop_nulls()
                        .unique().sort().implode() for i in found).row(0, named=True) if found else {}
    left = {item: list(values) for item, values in text.items() if values}
    fit = fit_formats(instrument, frame, {item: item for item in found}, answer_format)
    if left:  # text answers fit no format: say so instead of reading them as absent
        fit = replace(fit, likely=None)
    return fit, left


def suggest_recode(instrument: str, found: dict[str, list[str]],
                   missing: list[Code] | None = None) -> tuple[str, dict[str, int]] | None:
    """A recode that makes answers fitting none of the instrument's formats fit one: text answers that are the
    answers' labels (English or Dutch) become their codes, or whole numbers on a shifted range of the same
    width (0-2 for 1-3) move onto it. The tightest format that fits wins; None when nothing fits. A reversal
    (1 yes ... 3 no) cannot be seen from the codes: the user checks the table."""
    gone = {_text(m) for m in missing or []}
    values = sorted({v for codes in found.values() for v in codes if v not in gone})
    if not values:
        return None
    base = load_instrument(instrument)
    formats = sorted(base.formats, key=lambda f: len(f.responses.codes))
    for fmt in formats:
        labels = {}
        for option in fmt.responses.options:
            for text in (option.label.en, option.label.nl) if option.label else ():
                if text:
                    labels[text.strip().lower()] = option.code
        codes = fmt.responses.codes
        table: dict[str, int] = {}
        for value in values:
            number = _number(value)
            if number is not None and number.is_integer() and int(number) in codes:
                continue
            if value.strip().lower() in labels:
                table[value] = labels[value.strip().lower()]
        numbers = [_number(v) for v in values if v not in table]
        if table and all(n is not None and int(n) in codes and n.is_integer() for n in numbers):
            return fmt.id, table
        if all(n is not None and n.is_integer() for n in numbers) and numbers and not table:
            low, high = int(min(numbers)), int(max(numbers))  # type: ignore[type-var]
            ordered = sorted(codes)
            if high - low + 1 == len(ordered) == ordered[-1] - ordered[0] + 1 and low != ordered[0]:
                return fmt.id, {_text(n): int(n) - low + ordered[0] for n in numbers}  # type: ignore[arg-type]
    return None

"""Vectorised checks of imported rows against a mapping: every issue names file, row, column, value, rule."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from impactlab.io.mapping import Mapping
from impactlab.io.pseudonymise import normalise_id
from impactlab.io.readers import to_number

ROW = "_row"
ISSUE_SCHEMA = {ROW: pl.Int64, "column": pl.String, "value": pl.String, "rule": pl.String}
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y")


@dataclass(frozen=True)
class Issue:
    file: str
    row: int
    column: str
    value: str | None
    rule: str

    def __str__(self) -> str:
        shown = "(empty)" if self.value is None else repr(self.value)
        return f"{self.file}, row {self.row}, column {self.column!r}: {shown} — {RULE_TEXT.get(self.rule, self.rule)}"


RULE_TEXT = {
    "missing_id": "respondent id is empty",
    "missing_wave": "wave is empty",
    "not_numeric": "not a number where a number is expected",
    "out_of_range": "outside the valid range",
    "unknown_code": "not one of the valid codes",
    "duplicate_respondent_wave": "the same respondent appears more than once in this wave",
    "not_a_date": "not a date (use YYYY-MM-DD or DD-MM-YYYY)",
}


@dataclass
class ValidationReport:
    """The issues found in one file (a DataFrame, so a million of them stay cheap)."""

    file: str
    frame: pl.DataFrame

    @property
    def ok(self) -> bool:
        return self.frame.height == 0

    @property
    def issues(self) -> list[Issue]:
        return [Issue(self.file, r, c, v, rule) for r, c, v, rule in self.frame.iter_rows()]

    def bad_rows(self) -> pl.Series:
        return self.frame[ROW].unique()

    def counts(self) -> dict[str, int]:
        """Issues per rule."""
        return dict(self.frame.group_by("rule").len().sort("rule").iter_rows())

    def messages(self, limit: int = 20) -> list[str]:
        """Readable lines: a summary, then the first `limit` issues."""
        if self.ok:
            return [f"{self.file}: no issues."]
        summary = ", ".join(f"{n} × {RULE_TEXT.get(rule, rule)}" for rule, n in self.counts().items())
        lines = [f"{self.file}: {self.frame.height} issue(s) in {self.bad_rows().len()} row(s): {summary}."]
        lines += [f"  {issue}" for issue in ValidationReport(self.file, self.frame.head(limit)).issues]
        if self.frame.height > limit:
            lines.append(f"  … and {self.frame.height - limit} more.")
        return lines


def parse_dates(column: str) -> pl.Expr:
    """A Date expression from a date, datetime or text column (ISO or Dutch day-first formats)."""
    text = pl.col(column).cast(pl.String).str.strip_chars().str.slice(0, 10)
    return pl.coalesce([text.str.to_date(fmt, strict=False) for fmt in DATE_FORMATS])


def coerce(frame: pl.DataFrame, mapping: Mapping, numeric: list[str], decimal_comma: bool) -> pl.DataFrame:
    """Missing codes -> null; numeric columns as Float64 (keeping the text in `<col>__text` for reporting)."""
    exprs = []
    for column in numeric:
        if frame.schema[column] == pl.String:
            exprs.append(pl.col(column).alias(f"{column}__text"))
            exprs.append(to_number(column, decimal_comma).alias(column))
        else:
            exprs.append(pl.col(column).cast(pl.Float64).fill_nan(None))
    frame = frame.with_columns(exprs)
    codes = {c: mapping.missing_for(c) for c in frame.columns if mapping.missing_for(c)}
    exprs = []
    for column, values in codes.items():
        if frame.schema[column] == pl.String:
            hit = pl.col(column).is_in([_text(v) for v in values])
        else:
            hit = pl.col(column).is_in([float(v) for v in values if _is_number(v)])
        exprs.append(pl.when(hit).then(None).otherwise(pl.col(column)).alias(column))
    return frame.with_columns(exprs)


def validate(frame: pl.DataFrame, mapping: Mapping, numeric: list[str], file: str) -> ValidationReport:
    """All issues in `frame` (which has a `_row` column with the row number as the user sees it)."""
    checks: list[tuple[str, str, pl.Expr]] = []  # (column, rule, mask)
    rid = mapping.respondent_id
    checks.append((rid, "missing_id", normalise_id(rid).fill_null("") == ""))
    if mapping.wave:
        checks.append((mapping.wave, "missing_wave", pl.col(mapping.wave).cast(pl.String).fill_null("") == ""))
    for column in numeric:
        if f"{column}__text" in frame.columns:
            checks.append((column, "not_numeric", pl.col(f"{column}__text").is_not_null() & pl.col(column).is_null()))
    for column in frame.columns:
        rule = mapping.rule_for(column)
        if rule is None:
            continue
        value = pl.col(column)
        if rule.codes is not None:
            allowed = [float(c) for c in rule.codes] if column in numeric else [_text(c) for c in rule.codes]
            value = value if column in numeric else value.cast(pl.String)
            checks.append((column, "unknown_code", value.is_not_null() & ~value.is_in(allowed)))
        else:
            low = value < rule.min if rule.min is not None else pl.lit(False)
            high = value > rule.max if rule.max is not None else pl.lit(False)
            checks.append((column, "out_of_range", (low | high).fill_null(False)))
    if mapping.date_of_birth:
        dob = mapping.date_of_birth
        checks.append((dob, "not_a_date", pl.col(dob).is_not_null() & parse_dates(dob).is_null()))
    key = [normalise_id(rid).alias("_k")] + ([pl.col(mapping.wave).cast(pl.String).alias("_w")] if mapping.wave else [])
    dup = pl.struct(key).is_duplicated() & (normalise_id(rid).fill_null("") != "")
    checks.append((rid, "duplicate_respondent_wave", dup))

    masks = frame.select(m.fill_null(False).alias(f"_{i}") for i, (_, _, m) in enumerate(checks))
    hits = [i for i, n in enumerate(masks.sum().row(0)) if n]
    parts = []
    for i in hits:
        column, rule, _ = checks[i]
        shown = f"{column}__text" if rule == "not_numeric" else column
        parts.append(
            frame.filter(masks[f"_{i}"]).select(
                pl.col(ROW),
                pl.lit(column).alias("column"),
                _shown(frame, shown).alias("value"),
                pl.lit(rule).alias("rule"),
            )
        )
    issues = pl.concat(parts) if parts else pl.DataFrame(schema=ISSUE_SCHEMA)
    return ValidationReport(file, issues.cast(ISSUE_SCHEMA).sort(ROW, "column", maintain_order=True))


def _shown(frame: pl.DataFrame, column: str) -> pl.Expr:
    value = pl.col(column)
    if frame.schema[column] == pl.Float64:  # 3.0 shows as 3
        value = (
            pl.when(value == value.round(0))
            .then(value.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(value.cast(pl.String))
        )
    return value.cast(pl.String)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: object) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)

"""Vectorised checks of imported rows against a mapping: every issue names file, row, column, value, rule.

The checks run on a working frame whose columns are all the importer's own: the file's columns under
positional names (`Plan.internal`) and helper columns that start with `_`. No column name of a user's
file is ever a column name here, so none can collide with a helper column or with an output column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from impactlab.deidentify import mask_identifiers
from impactlab.io.mapping import Code, Mapping, Rule
from impactlab.io.pseudonymise import normalise_id
from impactlab.io.readers import to_number

ROW = "_row"
ISSUE_SCHEMA = {ROW: pl.Int64, "column": pl.String, "value": pl.String, "rule": pl.String}
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y")
RESERVED = ("respondent", "wave", "age_band")  # the snapshot's own columns


def source_name(position: int) -> str:
    """The working name of the file's column at `position` (user names never become frame columns)."""
    return f"c{position}"


def text_name(internal: str) -> str:
    """The working name of a numeric column's original text (kept for the report)."""
    return f"_text_{internal}"


@dataclass
class Plan:
    """A mapping resolved against one file: every source column under its positional working name.

    `columns` maps working name -> the user's column name (for messages). `group`, `items`, `keep` and
    `free_text` are (working name, snapshot column name) pairs; snapshot names are unique (`Plan.of`).
    """

    columns: dict[str, str]
    respondent_id: str
    wave: str | None
    wave_value: str | None
    date_of_birth: str | None
    group: list[tuple[str, str]]
    items: list[tuple[str, str]]
    keep: list[tuple[str, str]]
    free_text: list[tuple[str, str]]
    rules: dict[str, Rule]
    missing: dict[str, list[Code]]
    renamed: dict[str, str] = field(default_factory=dict)  # user column -> snapshot name, where they differ

    @classmethod
    def of(cls, mapping: Mapping, names: list[str]) -> Plan:
        """Resolve `mapping` against the file's column names (in file order); mapped columns must exist."""
        position = {name: i for i, name in enumerate(names)}

        def work(column: str) -> str:
            return source_name(position[column])

        mapped = [c for c in mapping.source_columns() if c in position]
        fixed = set(RESERVED) | set(mapping.items)
        named = [*mapping.group, *mapping.keep, *mapping.free_text]
        # A column named like a snapshot column gets the first `_2`, `_3`, ... suffix that names no snapshot
        # column and no column of the file (so a stored name never reads as another column of the user's file).
        taken = fixed | set(names) | {c for c in named if c not in fixed}
        renamed: dict[str, str] = {}
        for column in (c for c in named if c in fixed):
            n = 2
            while f"{column}_{n}" in taken:
                n += 1
            renamed[column] = f"{column}_{n}"
            taken.add(renamed[column])

        def out(column: str) -> str:
            return renamed.get(column, column)

        group = [(work(c), out(c)) for c in mapping.group]
        keep = [(work(c), out(c)) for c in mapping.keep]
        free_text = [(work(c), out(c)) for c in mapping.free_text]
        return cls(
            columns={work(c): c for c in mapped},
            respondent_id=work(mapping.respondent_id),
            wave=work(mapping.wave) if mapping.wave else None,
            wave_value=mapping.wave_value,
            date_of_birth=work(mapping.date_of_birth) if mapping.date_of_birth else None,
            group=group,
            items=[(work(source), code) for code, source in mapping.items.items()],
            keep=keep,
            free_text=free_text,
            rules={work(c): rule for c in mapped if (rule := mapping.rule_for(c)) is not None},
            missing={work(c): codes for c in mapped if (codes := mapping.missing_for(c))},
            renamed=renamed,
        )

    def numeric(self, schema: pl.Schema) -> list[str]:
        """Items and columns with a numeric rule are expected to hold numbers."""
        wanted = [c for c, _ in self.items] + [c for c, rule in self.rules.items() if rule.numeric]
        return [c for c in dict.fromkeys(wanted) if c in schema]


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


def coerce(frame: pl.DataFrame, plan: Plan, decimal_comma: bool) -> pl.DataFrame:
    """Missing codes -> null; numeric columns as Float64 (keeping the text in `text_name(col)` for reporting)."""
    exprs = []
    for column in plan.numeric(frame.schema):
        if frame.schema[column] == pl.String:
            exprs.append(pl.col(column).alias(text_name(column)))
            exprs.append(to_number(column, decimal_comma).alias(column))
        else:
            exprs.append(pl.col(column).cast(pl.Float64).fill_nan(None))
    frame = frame.with_columns(exprs)
    exprs = []
    for column, values in plan.missing.items():
        if frame.schema[column] == pl.String:
            hit = pl.col(column).is_in([_text(v) for v in values])
        else:
            hit = pl.col(column).is_in([float(v) for v in values if _is_number(v)])
        exprs.append(pl.when(hit).then(None).otherwise(pl.col(column)).alias(column))
    return frame.with_columns(exprs)


def validate(frame: pl.DataFrame, plan: Plan, file: str) -> ValidationReport:
    """All issues in `frame` (working names; `ROW` holds the row number as the user sees it)."""
    checks: list[tuple[str, str, pl.Expr]] = []  # (working column, rule, mask)
    numeric = plan.numeric(frame.schema)
    rid = plan.respondent_id
    checks.append((rid, "missing_id", normalise_id(rid).fill_null("") == ""))
    if plan.wave:
        checks.append((plan.wave, "missing_wave", pl.col(plan.wave).cast(pl.String).fill_null("") == ""))
    for column in numeric:
        if text_name(column) in frame.columns:
            checks.append((column, "not_numeric", pl.col(text_name(column)).is_not_null() & pl.col(column).is_null()))
    for column, rule in plan.rules.items():
        value = pl.col(column)
        if rule.codes is not None:
            allowed = [float(c) for c in rule.codes] if column in numeric else [_text(c) for c in rule.codes]
            value = value if column in numeric else value.cast(pl.String)
            checks.append((column, "unknown_code", value.is_not_null() & ~value.is_in(allowed)))
        else:
            low = value < rule.min if rule.min is not None else pl.lit(False)
            high = value > rule.max if rule.max is not None else pl.lit(False)
            checks.append((column, "out_of_range", (low | high).fill_null(False)))
    if plan.date_of_birth:
        dob = plan.date_of_birth
        checks.append((dob, "not_a_date", pl.col(dob).is_not_null() & parse_dates(dob).is_null()))
    key = [normalise_id(rid).alias("k")] + ([pl.col(plan.wave).cast(pl.String).alias("w")] if plan.wave else [])
    dup = pl.struct(key).is_duplicated() & (normalise_id(rid).fill_null("") != "")
    checks.append((rid, "duplicate_respondent_wave", dup))

    masks = frame.select(m.fill_null(False).alias(f"_mask{i}") for i, (_, _, m) in enumerate(checks))
    hits = [i for i, n in enumerate(masks.sum().row(0)) if n]
    parts = []
    for i in hits:
        column, rule, _ = checks[i]
        shown = text_name(column) if rule == "not_numeric" else column
        parts.append(
            frame.filter(masks[f"_mask{i}"]).select(
                pl.col(ROW),
                pl.lit(plan.columns[column]).alias("column"),
                _shown(frame, shown).alias("value"),
                pl.lit(rule).alias("rule"),
            )
        )
    issues = pl.concat(parts) if parts else pl.DataFrame(schema=ISSUE_SCHEMA)
    # an offending value that looks like an identifier (e-mail, phone, BSN, IBAN, address, date of birth) is
    # masked here, before the report is shown or stored anywhere; its row, column and rule stay
    issues = issues.cast(ISSUE_SCHEMA).with_columns(mask_identifiers(pl.col("value")))
    return ValidationReport(file, issues.sort(ROW, "column", maintain_order=True))


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

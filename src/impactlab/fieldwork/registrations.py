"""Registrations of support given, formal (paid professionals) and informal (volunteers, carers).

A registration is one row: date, client (pseudonym), provider (pseudonym), ``support`` formal or
informal, kind of support, hours, contacts, team and neighbourhood. This module checks such rows,
computes the formal/informal balance over time per team or neighbourhood (through disclosure
control), and turns registrations into impact-model inputs (informal hours valued with a proxy) and
outputs (activities delivered), each naming the snapshot it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from impactlab.errors import UserError
from impactlab.evidence.disclosure import DisclosurePolicy
from impactlab.model.schema import Input, Output

COLUMNS = {"date": pl.Date, "client": pl.String, "provider": pl.String, "support": pl.String, "kind": pl.String,
           "hours": pl.Float64, "contacts": pl.Int64, "team": pl.String, "neighbourhood": pl.String}
REQUIRED = ("date", "client", "support")
SUPPORT = ("formal", "informal")
Period = Literal["week", "month", "quarter", "year"]
TRUNCATE = {"week": "1w", "month": "1mo", "quarter": "1q", "year": "1y"}
MAX_MESSAGES = 20


@dataclass
class RegistrationIssue:
    row: int
    column: str
    value: str
    rule: str

    def message(self, source: str) -> str:
        return f"{source}, row {self.row}, column {self.column!r}: {self.value!r} {self.rule}"


def check_registrations(frame: pl.DataFrame, source: str = "registrations", first_row: int = 2) -> pl.DataFrame:
    """The rows typed and checked; any bad cell raises UserError naming source, row, column and rule.

    ``first_row`` is the row number of the first data row as the user sees it (2 under a header).
    """
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise UserError(f"{source}: missing column(s) {', '.join(missing)} (needed: {', '.join(REQUIRED)})")
    frame = frame.select(c for c in COLUMNS if c in frame.columns)  # "_row" and "_bad" below are never theirs
    typed = frame.with_row_index("_row", offset=first_row)
    typed = typed.with_columns(_typed(c, frame.schema[c]).alias(c) for c in COLUMNS if c in frame.columns)
    issues = _issues(frame.with_row_index("_row", offset=first_row), typed)
    if issues:
        messages = [issue.message(source) for issue in issues[:MAX_MESSAGES]]
        if len(issues) > MAX_MESSAGES:
            messages.append(f"{source}: ... and {len(issues) - MAX_MESSAGES} more problems")
        raise UserError(messages)
    for column, dtype in COLUMNS.items():
        if column not in typed.columns:
            typed = typed.with_columns(pl.lit(None, dtype=dtype).alias(column))
    return typed.select(list(COLUMNS))


def _typed(column: str, dtype: pl.DataType) -> pl.Expr:
    target = COLUMNS[column]
    expr = pl.col(column)
    if target == pl.Date:
        if dtype == pl.Date:
            return expr
        text = expr.cast(pl.String).str.strip_chars()
        return pl.coalesce(text.str.to_date("%Y-%m-%d", strict=False), text.str.to_date("%d-%m-%Y", strict=False))
    if target == pl.String:
        return expr.cast(pl.String).str.strip_chars().str.to_lowercase() if column == "support" else \
            expr.cast(pl.String).str.strip_chars()
    if dtype == pl.String:
        expr = expr.str.strip_chars().str.replace(",", ".", literal=True)
    return expr.cast(pl.Float64, strict=False).cast(target, strict=False) if target == pl.Int64 else \
        expr.cast(target, strict=False)


def _issues(raw: pl.DataFrame, typed: pl.DataFrame) -> list[RegistrationIssue]:
    checks: list[tuple[str, pl.Expr, str]] = []
    for column in COLUMNS:
        if column not in raw.columns:
            continue
        given = pl.col(column).is_not_null() & (pl.col(column).cast(pl.String).str.strip_chars() != "")
        if column in REQUIRED:
            checks.append((column, ~given, "is required"))
        if COLUMNS[column] != pl.String:
            checks.append((column, given & typed[column].is_null(), f"is not a valid {_kind(column)}"))
    if "hours" in raw.columns:
        checks.append(("hours", typed["hours"].is_not_null() & ((typed["hours"] < 0) | (typed["hours"] > 24)),
                       "must be between 0 and 24 hours"))
    if "contacts" in raw.columns:
        checks.append(("contacts", typed["contacts"] < 0, "must be zero or more"))
    checks.append(("support", typed["support"].is_not_null() & ~typed["support"].is_in(SUPPORT),
                   "must be formal or informal"))
    issues = []
    for column, bad, rule in checks:
        rows = raw.with_columns(bad.alias("_bad")).filter(pl.col("_bad").fill_null(False))
        issues += [RegistrationIssue(r["_row"], column, "" if r[column] is None else str(r[column]), rule)
                   for r in rows.select("_row", column).iter_rows(named=True)]
    return sorted(issues, key=lambda issue: issue.row)


def _kind(column: str) -> str:
    return {"date": "date (YYYY-MM-DD or DD-MM-YYYY)", "hours": "number of hours", "contacts": "whole number"}[column]


def balance(registrations: pl.DataFrame, by: Sequence[str] = (), period: Period = "month",
            policy: DisclosurePolicy | None = None) -> pl.DataFrame:
    """The formal/informal balance per period (and per ``by`` group): hours, share informal, reach.

    Columns: period, the ``by`` columns, hours_formal, hours_informal, share_informal, contacts,
    clients (reached, distinct), volunteers (active informal providers, distinct), n (= clients, the
    unit of disclosure control) and suppressed.
    """
    unknown = [c for c in by if c not in registrations.columns]
    if unknown:
        raise UserError(f"cannot group registrations by {', '.join(unknown)} (columns: team, neighbourhood, kind)")
    keys = ["period", *by]
    informal = pl.col("support") == "informal"
    grouped = (
        registrations.with_columns(pl.col("date").dt.truncate(TRUNCATE[period]).alias("period"))
        .group_by(keys)
        .agg(
            pl.col("hours").filter(~informal).sum().alias("hours_formal"),
            pl.col("hours").filter(informal).sum().alias("hours_informal"),
            pl.col("contacts").sum().alias("contacts"),
            pl.col("client").n_unique().alias("clients"),
            pl.col("provider").filter(informal).drop_nulls().n_unique().alias("volunteers"),
        )
        .with_columns(
            (pl.col("hours_informal") / (pl.col("hours_formal") + pl.col("hours_informal"))).alias("share_informal"),
            pl.col("clients").alias("n"),
        )
        .sort(keys)
    )
    policy = policy or DisclosurePolicy()
    parts = [policy.apply_frame(part, keep=("period",)) for part in grouped.partition_by("period", maintain_order=True)]
    return pl.concat(parts) if parts else grouped.with_columns(pl.lit(False).alias("suppressed"))


def model_inputs(registrations: pl.DataFrame, snapshot: str, stakeholder: str, proxy: str,
                 support: Literal["formal", "informal"] = "informal") -> Input:
    """One model input: the registered hours of one kind of support, valued with a proxy."""
    hours = float(registrations.filter(pl.col("support") == support)["hours"].sum() or 0.0)
    return Input(id=f"{support}_hours", stakeholder=stakeholder, description=f"{support.capitalize()} support hours "
                 "registered", quantity=hours, proxy=proxy, support=support,
                 source=f"registrations snapshot {snapshot[:12]}: sum of {support} hours")


def model_outputs(registrations: pl.DataFrame, snapshot: str, activity: str) -> list[Output]:
    """Outputs per kind of support: contacts delivered (or registrations where contacts are missing)."""
    per_kind = (registrations.group_by("kind")
                .agg(pl.col("contacts").sum().alias("contacts"), pl.len().alias("registrations"))
                .sort("kind", nulls_last=True))
    outputs = []
    for row in per_kind.iter_rows(named=True):
        kind = row["kind"] or "unspecified"
        count = row["contacts"] or row["registrations"]
        outputs.append(Output(id=f"{activity}_{_slug(kind)}", activity=activity, description=f"{kind}: contacts",
                              quantity=float(count), unit="contact",
                              source=f"registrations snapshot {snapshot[:12]}"))
    return outputs


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_") or "unspecified"

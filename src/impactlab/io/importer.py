"""Import a survey file into a dataset snapshot: read, validate, pseudonymise, write (all or nothing)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import polars as pl

from impactlab.deidentify import IdentifiersFound, find_identifiers, scrub_text, scrubbed_counts
from impactlab.errors import UserError
from impactlab.evidence.datasets import (
    ColumnInfo,
    RowCounts,
    SnapshotInfo,
    SourceInfo,
    check_dataset_name,
    sha256_file,
)
from impactlab.evidence.workspace import Workspace
from impactlab.io.formats import answer_format_messages, apply_recode, format_metadata
from impactlab.io.mapping import Mapping, load_mapping
from impactlab.io.pseudonymise import age_band, is_identifier_name, pseudonym_series
from impactlab.io.readers import Table, file_format, read_table
from impactlab.io.validation import ROW, Plan, ValidationReport, coerce, parse_dates, source_name, validate

OnError = Literal["reject", "quarantine"]
Progress = Callable[[str], None]


class ImportRejected(UserError):
    """The file had issues and `on_error="reject"`: nothing was written. `.report` lists them."""

    def __init__(self, report: ValidationReport, lead: list[str] | None = None):
        self.report = report
        super().__init__([*(lead or []), *report.messages(),
                          "Nothing was imported. Fix the file, or import with --quarantine."])


class NothingImported(UserError):
    """Every row had an issue (with `on_error="quarantine"`): nothing was written. `.report` lists them."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__([*report.messages(), f"{report.file}: every row has an issue; nothing was imported."])


@dataclass
class ImportResult:
    snapshot: SnapshotInfo
    report: ValidationReport
    created: bool = True
    warnings: list[str] = field(default_factory=list)


def import_file(
    path: Path | str,
    mapping: Mapping | Path | str | dict[str, Any],
    dataset: str,
    workspace: Workspace | None = None,
    on_error: OnError = "reject",
    allow_duplicate: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one file as a new snapshot of `dataset`.

    A file already imported into this dataset (same sha256) is refused with a UserError; with
    `allow_duplicate=True` the existing snapshot is returned when mapping and key are unchanged, and a
    new snapshot is made otherwise (a corrected mapping). With `on_error="reject"` any issue rejects the
    whole file (`ImportRejected`); with `"quarantine"` rows with issues go to a quarantine Parquet file.
    """
    path, say = Path(path), progress or (lambda _: None)
    check_dataset_name(dataset)
    if on_error not in ("reject", "quarantine"):
        raise UserError(f"on_error must be 'reject' or 'quarantine', not {on_error!r}.")
    mapping = load_mapping(mapping)
    fingerprint = mapping.fingerprint()  # of the mapping as given, before identifier-like columns are dropped
    workspace = workspace or Workspace()
    fmt = file_format(path)
    store = workspace.store()
    source_sha = sha256_file(path)
    key, key_version = workspace.key(), workspace.key_version()
    earlier = store.find_source(dataset, source_sha)
    if earlier:
        same = [i for i in earlier if i.mapping_sha256 == fingerprint and i.key_version == key_version]
        if not allow_duplicate:
            first = earlier[-1]
            raise UserError(
                f"{path.name}: this file (sha256 {source_sha[:12]}) was already imported into dataset "
                f"{dataset!r} as snapshot {first.short_id} on {first.created:%Y-%m-%d %H:%M}. "
                "Use --allow-duplicate to get that snapshot back, or to re-import it with a changed mapping."
            )
        if same:
            report = empty_report(path.name)
            return ImportResult(same[-1], report, created=False, warnings=["identical import: existing snapshot"])

    say(f"reading {path.name}")
    table = read_table(path, columns=mapping.source_columns())
    mapping = _resolve_paths(mapping, table)
    _check_columns(table, mapping)
    warnings = table.warnings + _identifier_warnings(table, mapping)
    mapping = _without_identifier_like(mapping, table.columns)
    plan = Plan.of(mapping, table.columns)
    warnings += [
        f"column {column!r} is stored as {name!r}: {column!r} is a column the snapshot has already."
        for column, name in plan.renamed.items()
    ]
    frame = apply_recode(_working_frame(table), mapping, plan.columns)
    _refuse_identifiers(frame, plan, path.name)
    warnings += scrubbed_counts(frame, {c: plan.columns[c] for c, _ in plan.free_text})

    say("validating")
    frame = coerce(frame, plan, table.decimal_comma)
    format_warnings, format_errors = answer_format_messages(frame, mapping, plan, path.name)
    warnings += format_warnings
    report = validate(frame, plan, path.name)
    if not report.ok and on_error == "reject":
        raise ImportRejected(report, format_errors)
    if format_errors and on_error == "reject":  # codes let through by a `valid` rule are still no answers
        raise UserError([*format_errors, f"{path.name}: nothing was imported."])
    warnings += format_errors
    bad = frame[ROW].is_in(report.bad_rows().implode())
    good, quarantined = frame.filter(~bad), frame.filter(bad)
    if good.height == 0:
        raise NothingImported(report)

    say("pseudonymising")
    reference = mapping.age_reference_date or date.today()
    data = _transform(good, plan, key, reference)
    quarantine = None
    if quarantined.height:
        quarantine = _quarantine(_transform(quarantined, plan, key, reference), quarantined[ROW], report)

    say("writing snapshot")
    used = mapping.as_dict() | ({"age_reference_date": reference.isoformat()} if mapping.date_of_birth else {})
    info, created = store.write(
        dataset,
        data,
        quarantine,
        source=SourceInfo(
            name=neutral_name(source_sha, fmt), sha256=source_sha, size=path.stat().st_size, format=fmt,
            survey_tool=table.survey_tool,
        ),
        rows=RowCounts(read=frame.height, imported=data.height, quarantined=quarantined.height),
        columns=_column_info(data, plan, table),
        mapping=used,
        mapping_sha256=fingerprint,
        key_version=key_version,
        warnings=[w.replace(path.name, neutral_name(source_sha, fmt)) for w in warnings],  # never the file's name
        parquet_metadata=format_metadata(mapping),
    )
    return ImportResult(info, report, created, warnings)


def neutral_name(sha256: str, fmt: str) -> str:
    """The name a snapshot records for its source: the file's hash, never its own name (which may name a client)."""
    return f"{sha256[:12]}.{fmt}"


def _refuse_identifiers(frame: pl.DataFrame, plan: Plan, file: str) -> None:
    """Group, kept and wave columns reach the snapshot as they are: refuse the file when their content looks like
    e-mail addresses, phone numbers, BSNs, IBANs, postcodes with house numbers or dates of birth, whatever the
    column is called (thresholds: `impactlab.deidentify.find_identifiers`). Free text is scrubbed instead."""
    stored = [*plan.group, *plan.keep] + ([(plan.wave, "wave")] if plan.wave else [])
    findings = find_identifiers(frame, {column: plan.columns[column] for column, _ in stored})
    if findings:
        raise IdentifiersFound(file, findings)


def empty_report(file: str) -> ValidationReport:
    return ValidationReport(
        file, pl.DataFrame(schema={ROW: pl.Int64, "column": pl.String, "value": pl.String, "rule": pl.String})
    )


def _check_columns(table: Table, mapping: Mapping) -> None:
    """Every mapped column must exist (identifiers excepted): else one message per column, with a guess."""
    present = set(table.columns)
    problems = []
    for column in mapping.source_columns():
        if column not in present:
            guess = difflib.get_close_matches(column, table.columns, n=1)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            problems.append(f"{table.path.name}: column {column!r} named in the mapping is not in the file{hint}.")
    if problems:
        raise UserError(problems)


def _resolve_paths(mapping: Mapping, table: Table) -> Mapping:
    """The mapping with every column it names by the file's own header (a KoboToolbox group path `group/q1`)
    named by the plain name the reader gave that column (`q1`), so a mapping may use either."""
    present = set(table.columns)
    renames = {o: n for o, n in table.renamed.items() if o not in present and o in mapping.role_of_columns()}
    if not renames:
        return mapping
    data = mapping.as_dict()

    def name(column: str) -> str:
        return renames.get(column, column)

    for key in ("respondent_id", "wave", "date_of_birth"):
        if data.get(key):
            data[key] = name(data[key])
    for key in ("group", "identifiers", "free_text", "keep"):
        data[key] = [name(c) for c in data.get(key, [])]
    data["items"] = {code: name(c) for code, c in data.get("items", {}).items()}
    for key in ("valid", "missing_codes", "recode"):
        data[key] = {name(c): value for c, value in data.get(key, {}).items()}
    return load_mapping(data)


def _identifier_warnings(table: Table, mapping: Mapping) -> list[str]:
    roles = mapping.role_of_columns()
    warnings = []
    for column in table.columns:
        if not is_identifier_name(column) or roles.get(column, [None])[0] in (
            "identifier",
            "respondent_id",
            "date_of_birth",
        ):
            continue
        if column in roles:
            warnings.append(
                f"column {column!r} looks like a direct identifier: it was dropped (not imported as "
                f"{roles[column][0]}); rename it if it is not one."
            )
        else:
            warnings.append(
                f"column {column!r} looks like a direct identifier; it was not imported "
                "(list it under identifiers: to silence this)."
            )
    return warnings


def _without_identifier_like(mapping: Mapping, columns: list[str]) -> Mapping:
    """The mapping minus group/keep/item/free-text columns whose names say they hold identifiers."""

    def clean(cols: list[str]) -> list[str]:
        return [c for c in cols if not is_identifier_name(c)]

    return mapping.model_copy(
        update={
            "group": clean(mapping.group),
            "keep": clean(mapping.keep),
            "free_text": clean(mapping.free_text),
            "items": {k: v for k, v in mapping.items.items() if not is_identifier_name(v)},
        }
    )


def _working_frame(table: Table) -> pl.DataFrame:
    """The file's columns under positional working names, plus the row number as the user sees it.

    From here on no column of the user's file is addressed by its own name, so no name in the file can
    collide with the importer's helper columns or with the snapshot's columns.
    """
    position = {name: i for i, name in enumerate(table.columns)}
    frame = table.data.rename({name: source_name(position[name]) for name in table.data.columns})
    return frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + table.first_data_row).alias(ROW))


def _transform(frame: pl.DataFrame, plan: Plan, key: bytes, reference: date) -> pl.DataFrame:
    """The snapshot columns: pseudonym, wave, groups, age band, items (as item codes), kept and free text."""
    wave = pl.col(plan.wave).cast(pl.String) if plan.wave else pl.lit(plan.wave_value, pl.String)
    columns = [pl.lit(pseudonym_series(frame, plan.respondent_id, key)).alias("respondent"), wave.alias("wave")]
    columns += [pl.col(c).cast(pl.String).alias(n) for c, n in plan.group]
    if plan.date_of_birth:
        dob = plan.date_of_birth
        born = pl.col(dob) if frame.schema[dob] in (pl.Date, pl.Datetime) else parse_dates(dob)
        columns.append(age_band(born.cast(pl.Date), reference).alias("age_band"))
    columns += [pl.col(c).alias(code) for c, code in plan.items]
    columns += [pl.col(c).alias(n) for c, n in plan.keep]
    columns += [pl.col(c).alias(n) for c, n in plan.free_text]
    out = frame.select(columns)
    return out.with_columns(scrub_text(out[n]).alias(n) for _, n in plan.free_text)


def _quarantine(rows: pl.DataFrame, row_numbers: pl.Series, report: ValidationReport) -> pl.DataFrame:
    """Quarantined rows with their row number and issues, in columns named so as not to clash with theirs."""
    row_column, issues_column = _free_name("_row", rows.columns), _free_name("_issues", rows.columns)
    reasons = report.frame.group_by(ROW).agg((pl.col("column") + ": " + pl.col("rule")).alias("issues"))
    numbers = row_numbers.to_frame("row").join(reasons, left_on="row", right_on=ROW, how="left", maintain_order="left")
    return rows.with_columns(numbers["row"].alias(row_column), numbers["issues"].alias(issues_column))


def _free_name(wanted: str, taken: list[str]) -> str:
    name = wanted
    while name in taken:
        name = f"_{name}"
    return name


def _column_info(data: pl.DataFrame, plan: Plan, table: Table) -> list[ColumnInfo]:
    user = plan.columns
    source: dict[str, str | None] = {"respondent": user[plan.respondent_id], "age_band": None}
    source["wave"] = user[plan.wave] if plan.wave else None
    if plan.date_of_birth:
        source["age_band"] = user[plan.date_of_birth]
    role = {"respondent": "respondent", "wave": "wave", "age_band": "age_band"}
    for kind, pairs in (("group", plan.group), ("item", plan.items), ("keep", plan.keep),
                        ("free_text", plan.free_text)):
        for column, name in pairs:
            source[name], role[name] = user[column], kind
    infos = []
    for name, dtype in data.schema.items():
        src = source.get(name, name)
        found = table.missing_codes.get(src or "", [])
        internal = next((c for c, u in user.items() if u == src), None)
        missing = found + [m for m in plan.missing.get(internal or "", []) if m not in found]
        infos.append(
            ColumnInfo(
                name=name,
                type=str(dtype),
                role=role.get(name, "keep"),
                source=src,
                label=table.variable_labels.get(src or ""),
                value_labels=table.value_labels.get(src or "", {}) if name not in ("respondent", "age_band") else {},
                missing_codes=missing,
            )
        )
    return infos

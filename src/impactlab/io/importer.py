"""Import a survey file into a dataset snapshot: read, validate, pseudonymise, write (all or nothing)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import polars as pl

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
from impactlab.io.mapping import Mapping, load_mapping
from impactlab.io.pseudonymise import age_band, is_identifier_name, pseudonymise_column, scrub_text
from impactlab.io.readers import Table, file_format, read_table
from impactlab.io.validation import ROW, ValidationReport, coerce, parse_dates, validate

OnError = Literal["reject", "quarantine"]
Progress = Callable[[str], None]


class ImportRejected(UserError):
    """The file had issues and `on_error="reject"`: nothing was written. `.report` lists them."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__([*report.messages(), "Nothing was imported. Fix the file, or import with --quarantine."])


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
    _check_columns(table, mapping)
    warnings = table.warnings + _identifier_warnings(table, mapping)
    mapping = _without_identifier_like(mapping, table.columns)
    frame = table.data.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + table.first_data_row).alias(ROW))

    say("validating")
    numeric = _numeric_columns(mapping, frame)
    frame = coerce(frame, mapping, numeric, table.decimal_comma)
    report = validate(frame, mapping, numeric, path.name)
    if not report.ok and on_error == "reject":
        raise ImportRejected(report)
    bad = frame[ROW].is_in(report.bad_rows().implode())
    good, quarantined = frame.filter(~bad), frame.filter(bad)
    if good.height == 0:
        raise NothingImported(report)

    say("pseudonymising")
    reference = mapping.age_reference_date or date.today()
    data = _transform(good, mapping, key, reference)
    quarantine = None
    if quarantined.height:
        reasons = report.frame.group_by(ROW).agg((pl.col("column") + ": " + pl.col("rule")).alias("_issues"))
        quarantine = _transform(quarantined, mapping, key, reference, keep_row=True).join(reasons, on=ROW)

    say("writing snapshot")
    used = mapping.as_dict() | ({"age_reference_date": reference.isoformat()} if mapping.date_of_birth else {})
    info, created = store.write(
        dataset,
        data,
        quarantine,
        source=SourceInfo(
            name=path.name, sha256=source_sha, size=path.stat().st_size, format=fmt, survey_tool=table.survey_tool
        ),
        rows=RowCounts(read=frame.height, imported=data.height, quarantined=quarantined.height),
        columns=_column_info(data, mapping, table),
        mapping=used,
        mapping_sha256=fingerprint,
        key_version=key_version,
        warnings=warnings,
    )
    return ImportResult(info, report, created, warnings)


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


def _numeric_columns(mapping: Mapping, frame: pl.DataFrame) -> list[str]:
    """Items and columns with a numeric rule are expected to hold numbers."""
    wanted = list(mapping.items.values())
    wanted += [c for c in frame.columns if (rule := mapping.rule_for(c)) is not None and rule.numeric]
    return [c for c in dict.fromkeys(wanted) if c in frame.columns]


def _transform(
    frame: pl.DataFrame, mapping: Mapping, key: bytes, reference: date, keep_row: bool = False
) -> pl.DataFrame:
    """The snapshot columns: pseudonym, wave, groups, age band, items (as item codes), kept and free text."""
    wave = pl.col(mapping.wave).cast(pl.String) if mapping.wave else pl.lit(mapping.wave_value, pl.String)
    columns = [pl.col("respondent"), wave.alias("wave")]
    columns += [pl.col(c).cast(pl.String) if frame.schema[c] != pl.String else pl.col(c) for c in mapping.group]
    if mapping.date_of_birth:
        dob = mapping.date_of_birth
        born = pl.col(dob) if frame.schema[dob] in (pl.Date, pl.Datetime) else parse_dates(dob)
        columns.append(age_band("_born", reference).alias("age_band"))
        frame = frame.with_columns(born.cast(pl.Date).alias("_born"))
    columns += [pl.col(source).alias(code) for code, source in mapping.items.items()]
    columns += [pl.col(c) for c in mapping.keep]
    columns += [pl.col(ROW)] if keep_row else []
    out = pseudonymise_column(frame, mapping.respondent_id, key).select(*columns, *mapping.free_text)
    return out.with_columns(scrub_text(out[c]).alias(c) for c in mapping.free_text)


def _column_info(data: pl.DataFrame, mapping: Mapping, table: Table) -> list[ColumnInfo]:
    source = {"respondent": mapping.respondent_id, "wave": mapping.wave, "age_band": mapping.date_of_birth}
    source |= {code: col for code, col in mapping.items.items()}
    role = {"respondent": "respondent", "wave": "wave", "age_band": "age_band"}
    role |= {c: "group" for c in mapping.group} | {c: "item" for c in mapping.items}
    role |= {c: "keep" for c in mapping.keep} | {c: "free_text" for c in mapping.free_text}
    infos = []
    for name, dtype in data.schema.items():
        src = source.get(name, name)
        missing = table.missing_codes.get(src or "", []) + [
            m for m in mapping.missing_for(src or "") if m not in table.missing_codes.get(src or "", [])
        ]
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

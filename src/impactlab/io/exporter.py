"""Give a dataset back: its pseudonymised rows as SPSS .sav, Stata .dta, CSV or Parquet (issue 12).

The rows are the ones every analysis uses (`dataset_rows`: a dataset name means all its snapshots, the newest
snapshot winning for a repeated respondent and wave; `name@id` one snapshot). Snapshots hold pseudonyms only,
never the identifiers of the imported file, and the quarantine is never exported.

* SPSS .sav keeps what the import read: variable labels, value labels and user-missing codes and ranges
  (pyreadstat writes them), so the export opens in SPSS as the imported file did.
* Stata .dta keeps variable labels and value labels (on whole-number columns). Stata has no user-missing
  declaration: user-missing answers are empty (`.`) in the snapshot already, and the export says which codes
  they were in a warning.
* CSV (UTF-8 with BOM, for Excel) has every text cell that a spreadsheet would run as a formula made inert
  (`impactlab.exports.safe_frame`, OWASP's rule).
* Parquet keeps the types, with the column metadata (labels, value labels, missing codes) as JSON in the file.

Disclosure: a dataset of fewer respondents than the programme's minimum cell size is not exported
(`programme_policy`, the one rule every aggregate and export takes its minimum from).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from impactlab.errors import UserError
from impactlab.evidence.datasets import ColumnInfo, DatasetStore, sha256_file
from impactlab.evidence.disclosure import DisclosurePolicy, programme_policy
from impactlab.evidence.rows import RESPONDENT, dataset_rows

EXPORT_FORMATS = ("sav", "dta", "csv", "parquet")
SPSS_NAME = re.compile(r"^[A-Za-z@#$][A-Za-z0-9_.@#$]{0,63}$")
STATA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")
STATA_LABEL = 80  # characters of a Stata variable label


def _say(en: str, nl: str) -> str:
    from impactlab.evidence.instruments import say_in_language

    return say_in_language(en, nl)


@dataclass
class ExportResult:
    """What was written: the facts an audit record keeps."""

    path: Path
    format: str
    dataset: str
    snapshots: list[str]
    rows: int
    respondents: int
    columns: list[str]
    sha256: str
    renamed: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def audit_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["path"] = self.path.name  # the name only: a full path may name a person's folders
        return {"action": "datasets.export", "at": datetime.now(UTC).isoformat(), **record}


def export_dataset(store: DatasetStore, name: str, fmt: str, out: Path | str, snapshot: str | None = None,
                   allowed: Any = None, policy: DisclosurePolicy | None = None) -> ExportResult:
    """Write dataset `name` (or one of its snapshots) to `out` as `fmt` (sav, dta, csv or parquet)."""
    out = Path(out)
    if fmt not in EXPORT_FORMATS:
        raise UserError(_say(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}",
                             f"onbekend exportformaat {fmt!r}; kies uit {', '.join(EXPORT_FORMATS)}"))
    reference = f"{name}@{snapshot}" if snapshot else name
    rows = dataset_rows(store, reference, allowed)
    if snapshot and rows.dataset != name:
        raise UserError(_say(f"snapshot {snapshot!r} is not a snapshot of dataset {name!r}",
                             f"snapshot {snapshot!r} hoort niet bij dataset {name!r}"))
    frame = rows.frame
    policy = policy or programme_policy()
    respondents = int(frame[RESPONDENT].drop_nulls().n_unique()) if RESPONDENT in frame.columns else frame.height
    if not policy.allows(respondents):
        raise UserError(_say(
            f"dataset {rows.dataset}: {respondents} respondents, fewer than the minimum cell size "
            f"({policy.min_cell}); rows this few are not exported (disclosure control)",
            f"dataset {rows.dataset}: {respondents} respondenten, minder dan de minimale celgrootte "
            f"({policy.min_cell}); zo weinig rijen worden niet geëxporteerd (onthullingscontrole)"))
    info = _column_infos(rows.snapshots, frame.columns)
    warnings: list[str] = []
    renamed: dict[str, str] = {}
    if fmt in ("sav", "dta"):
        renamed = _valid_names(frame.columns, SPSS_NAME if fmt == "sav" else STATA_NAME,
                               64 if fmt == "sav" else 32)
        if renamed:
            warnings.append(_say(
                "renamed for " + fmt + ": " + ", ".join(f"{a!r} -> {b!r}" for a, b in renamed.items()),
                "hernoemd voor " + fmt + ": " + ", ".join(f"{a!r} -> {b!r}" for a, b in renamed.items())))
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=".impactlab-export-", suffix=out.suffix, dir=out.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        if fmt == "sav":
            _write_sav(frame, info, renamed, tmp)
        elif fmt == "dta":
            warnings += _write_dta(frame, info, renamed, tmp)
        elif fmt == "csv":
            from impactlab.exports import safe_frame

            safe_frame(frame).write_csv(tmp, include_bom=True)
        else:
            meta = {"impactlab.dataset": rows.dataset, "impactlab.snapshots": json.dumps(rows.snapshot_ids),
                    "impactlab.columns": json.dumps([info[c].model_dump(mode="json") for c in frame.columns])}
            frame.write_parquet(tmp, compression="zstd", metadata=meta)
        os.replace(tmp, out)
    except UserError:
        raise
    except Exception as error:  # what the writers refuse (a value Stata cannot hold, a full disk) is the user's to fix
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UserError(_say(f"{out.name}: cannot be written as {fmt} ({reason[:200]})",
                             f"{out.name}: niet te schrijven als {fmt} ({reason[:200]})")) from None
    finally:
        tmp.unlink(missing_ok=True)
    return ExportResult(out, fmt, rows.dataset, rows.snapshot_ids, frame.height, respondents,
                        [renamed.get(c, c) for c in frame.columns], sha256_file(out), renamed, warnings)


# ----- metadata ----------------------------------------------------------------------------------------------
def _column_infos(snapshots: list[Any], columns: list[str]) -> dict[str, ColumnInfo]:
    """Column -> its metadata: the newest snapshot that has the column says (labels, value labels, missing)."""
    found: dict[str, ColumnInfo] = {}
    for info in snapshots:  # oldest first: newer snapshots overwrite
        for column in info.columns:
            found[column.name] = column
    return {c: found.get(c, ColumnInfo(name=c, type="", role="keep")) for c in columns}


def _valid_names(columns: list[str], rule: re.Pattern[str], length: int) -> dict[str, str]:
    """Column -> a name SPSS or Stata accepts, for the columns whose own name it does not; unique."""
    taken = {c.lower() for c in columns if rule.match(c)}
    renamed = {}
    for column in columns:
        if rule.match(column):
            continue
        base = re.sub(r"[^A-Za-z0-9_]", "_", column)
        base = base if base[:1].isalpha() else f"v_{base}"
        base = base[:length]
        candidate, n = base, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{base[:length - len(str(n)) - 1]}_{n}"
        taken.add(candidate.lower())
        renamed[column] = candidate
    return renamed


def _code(value: str, numeric: bool) -> Any:
    if not numeric:
        return value
    number = float(value)
    return int(number) if number.is_integer() else number


def _missing(spec: Any, numeric: bool) -> Any:
    if isinstance(spec, dict):
        return {"lo": spec["lo"], "hi": spec["hi"]}
    return _code(str(spec), numeric) if numeric else str(spec)


def _code_text(spec: Any) -> str:
    return f"{spec['lo']} to {spec['hi']}" if isinstance(spec, dict) else str(spec)


def _pandas(frame: pl.DataFrame) -> Any:
    """The frame for pyreadstat: numbers as float64 (NaN for empty), dates as dates, booleans as 0/1."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Boolean or dtype.is_integer():
            exprs.append(pl.col(name).cast(pl.Float64))
        elif dtype == pl.Null:
            exprs.append(pl.col(name).cast(pl.String))
    data = (frame.with_columns(exprs) if exprs else frame).to_pandas()
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:  # date objects, so pyreadstat writes a DATE and not a DATETIME format
            data[name] = data[name].dt.date.astype(object).where(data[name].notna(), None)
    return data


def _numeric(frame: pl.DataFrame, column: str) -> bool:
    dtype = frame.schema[column]
    return dtype.is_numeric() or dtype == pl.Boolean


def _labels(frame: pl.DataFrame, info: dict[str, ColumnInfo], only_whole: bool = False) -> dict[str, dict]:
    out = {}
    for column in frame.columns:
        labels = info[column].value_labels
        if not labels:
            continue
        numeric = _numeric(frame, column)
        try:
            table = {_code(k, numeric): v for k, v in labels.items()}
        except ValueError:  # text codes on a numeric column: no SPSS/Stata value labels for them
            continue
        if only_whole and (not numeric or not all(isinstance(k, int) for k in table)):
            continue
        out[column] = table
    return out


def _write_sav(frame: pl.DataFrame, info: dict[str, ColumnInfo], renamed: dict[str, str], path: Path) -> None:
    import pyreadstat

    data = _pandas(frame).rename(columns=renamed)
    labels = {renamed.get(c, c): info[c].label for c in frame.columns if info[c].label}
    value_labels = {renamed.get(c, c): v for c, v in _labels(frame, info).items()}
    missing = {}
    for column in frame.columns:
        codes = info[column].missing_codes
        if codes:
            numeric = _numeric(frame, column)
            missing[renamed.get(column, column)] = [_missing(code, numeric) for code in codes]
    pyreadstat.write_sav(data, str(path), column_labels=labels or None, variable_value_labels=value_labels or None,
                         missing_ranges=missing or None)


def _write_dta(frame: pl.DataFrame, info: dict[str, ColumnInfo], renamed: dict[str, str], path: Path) -> list[str]:
    import pyreadstat

    warnings = []
    data = _pandas(frame).rename(columns=renamed)
    labels = {}
    for column in frame.columns:
        label = info[column].label
        if label:
            if len(label) > STATA_LABEL:
                warnings.append(_say(f"column {column!r}: its label is cut to Stata's {STATA_LABEL} characters",
                                     f"kolom {column!r}: het label is ingekort tot de {STATA_LABEL} tekens van Stata"))
            labels[renamed.get(column, column)] = label[:STATA_LABEL]
    value_labels = {renamed.get(c, c): v for c, v in _labels(frame, info, only_whole=True).items()}
    skipped = [c for c in _labels(frame, info) if renamed.get(c, c) not in value_labels]
    if skipped:
        warnings.append(_say(f"Stata labels whole numbers only: no value labels for {', '.join(skipped)}",
                             f"Stata labelt alleen gehele getallen: geen waardelabels voor {', '.join(skipped)}"))
    declared = {c: info[c].missing_codes for c in frame.columns if info[c].missing_codes}
    if declared:
        codes = "; ".join(f"{c}: {', '.join(map(_code_text, v))}" for c, v in declared.items())
        warnings.append(_say(f"Stata has no user-missing codes: these answers are empty ('.') in the export ({codes})",
                             f"Stata kent geen gebruikersontbrekende codes: deze antwoorden zijn leeg ('.') in de "
                             f"export ({codes})"))
    pyreadstat.write_dta(data, str(path), column_labels=labels or None, variable_value_labels=value_labels or None)
    return warnings

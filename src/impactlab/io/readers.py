"""Read survey data files (CSV, Excel .xlsx, SPSS .sav and portable .por) into Polars, with their labels.

Every failure a user can cause (wrong type, damaged or empty file, bad encoding) becomes a
`UserError` naming the file and the reason. Survey-tool exports (KoboToolbox, LimeSurvey) are
recognised by their system columns and get plain column names: KoboToolbox group paths become the
question names (the full path where two groups hold the same name), an HXL hashtag row under the
header is dropped and kept as metadata, LimeSurvey's "code. question text" headings become the code
with the question text as the variable label. The common missing markers (`NA` from R, `.` from SPSS
and Stata syntax, `#N/A`, `NULL`, ...) read as empty, and blank lines at the end of a file are no rows.

`read_table` is the one reader: `import` types the columns, `change` and `agreement` take them as text
(`read_text_table`), so a Windows-1252 or UTF-16 file reads the same way everywhere.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from impactlab.errors import UserError
from impactlab.limits import Limits, check_bytes, check_workbook, too_large
from impactlab.limits import current as input_limits

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".sav": "sav", ".zsav": "sav",
           ".por": "por"}
MAGIC = {b"PK\x03\x04": "xlsx", b"$FL2": "sav", b"$FL3": "sav", b"\xd0\xcf\x11\xe0": "xls"}
KOBO_MARKERS = {"_uuid", "_submission_time", "_index", "_id"}
LIMESURVEY_MARKERS = {"id", "submitdate", "lastpage", "startlanguage", "seed"}
NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
DECIMAL_COMMA = r"^[+-]?\d*,\d+$"
# empty cells as spreadsheets and statistics tools write them: R's NA, SPSS and Stata's `.` (and Stata's
# extended missing values .a to .z), Excel's error values, SQL's NULL
MISSING_MARKERS = ("NA", "N/A", "n/a", "NaN", "nan", "#N/A", "#NULL!", "NULL", "null", ".",
                   *(f".{letter}" for letter in "abcdefghijklmnopqrstuvwxyz"))
NULL_TOKENS = ["", *MISSING_MARKERS]
# LimeSurvey's "Question code & question text" headings: `G01Q01. How old are you?`, `Q1[SQ001]. Text [Sub]`
LIMESURVEY_HEADING = re.compile(r"^([A-Za-z][A-Za-z0-9_]*(?:\[[^\]]*\])*)\. (.*)$", re.S)


@dataclass
class Table:
    """A file read into memory: data plus what the file said about its variables."""

    data: pl.DataFrame
    path: Path
    format: str
    columns: list[str]
    first_data_row: int
    decimal_comma: bool = False
    survey_tool: str | None = None
    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    missing_codes: dict[str, list[Any]] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)  # the header cells as the file has them
    hxl: dict[str, str] = field(default_factory=dict)  # column -> its HXL hashtag (the dropped `#tags` row)
    short_rows: list[int] = field(default_factory=list)  # CSV rows (file row numbers) with fewer fields than the header


def file_format(path: Path) -> str:
    """The format from the extension, checked against the file's first bytes."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        kind = path.suffix or "(none)"
        raise UserError(_say(f"{path.name}: unsupported file type {kind!r}; use .csv, .xlsx, .sav or .por.",
                             f"{path.name}: bestandstype {kind!r} wordt niet ondersteund; gebruik .csv, .xlsx, .sav "
                             "of .por."))
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError as error:
        raise UserError(f"{path.name}: cannot be opened ({error.strerror}).") from None
    if size == 0:
        raise UserError(_say(f"{path.name}: the file is empty.", f"{path.name}: het bestand is leeg."))
    found = MAGIC.get(head)
    if fmt in ("xlsx", "sav") and found != fmt:
        raise UserError(f"{path.name}: not a valid {fmt} file (its first bytes do not match).")
    if fmt == "csv" and found is not None:
        raise UserError(f"{path.name}: this is a binary {found} file, not CSV text; give it the right extension.")
    return fmt


def _say(en: str, nl: str) -> str:
    from impactlab.evidence.instruments import say_in_language

    return say_in_language(en, nl)


def read_table(path: Path | str, columns: Collection[str] | None = None, text: bool = False) -> Table:
    """Read a .csv, .xlsx, .sav or .por file; `columns` limits which columns are loaded (others stay listed).

    With `text=True` every column comes back as text (missing markers and blanks as null), for callers that
    parse the values themselves (`change`, `agreement`); the file is decoded and split exactly as for import.
    """
    path = Path(path)
    fmt = file_format(path)
    try:
        if fmt == "csv":
            table = _read_csv(path, columns, text)
        else:
            table = {"xlsx": _read_xlsx, "sav": _read_spss, "por": _read_spss}[fmt](path, columns)
    except UserError:
        raise
    except Exception as error:  # damaged files make the parsers raise many kinds of errors
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UserError(_say(f"{path.name}: cannot be read as {fmt} ({reason[:200]}).",
                             f"{path.name}: niet te lezen als {fmt} ({reason[:200]}).")) from None
    if table.data.height == 0:
        raise UserError(_say(f"{path.name}: the file has no data rows.", f"{path.name}: het bestand heeft geen rijen."))
    if text and fmt != "csv":
        table.data = table.data.with_columns(_as_text(name, dtype) for name, dtype in table.data.schema.items())
    return table


def read_text_table(path: Path | str) -> Table:
    """Every column as text: the reader `change` and `agreement` share with `import` (see `read_table`)."""
    return read_table(path, text=True)


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    column = pl.col(name)
    if dtype.is_float():  # 3.0 -> "3", as the number was typed
        whole = column.fill_nan(None)
        return (pl.when(whole == whole.round(0)).then(whole.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(whole.cast(pl.String))).alias(name)
    return column.cast(pl.String).alias(name)


# ----- column names -----
def normalise_headers(names: list[str]) -> tuple[list[str], str | None, list[str]]:
    """Plain, unique names; KoboToolbox group paths and LimeSurvey `Q1[SQ001]` codes simplified."""
    unique, tool, warnings, _ = read_headers(names)
    return unique, tool, warnings


def read_headers(names: list[str]) -> tuple[list[str], str | None, list[str], dict[str, str]]:
    """(plain unique names, survey tool, warnings, variable labels the headings carry).

    LimeSurvey headings "code. question text" give the code as the name and the text as its label; they are
    recognised when the codes include LimeSurvey's response id `id` or three of its system columns."""
    stripped = [str(n).strip().lstrip("\ufeff") for n in names]
    labels: dict[int, str] = {}
    coded = [LIMESURVEY_HEADING.match(n) for n in stripped]
    codes = {m.group(1).lower() for m in coded if m}
    if coded and sum(m is not None for m in coded) * 2 >= len(coded) and (
            "id" in codes or len(codes & LIMESURVEY_MARKERS) >= 3):
        labels = {i: m.group(2).strip() for i, m in enumerate(coded) if m and m.group(2).strip()}
        stripped = [m.group(1) if m else n for n, m in zip(stripped, coded, strict=True)]
    lower = {n.lower() for n in stripped}
    tool = None
    if "_uuid" in lower and len(lower & KOBO_MARKERS) >= 2:
        tool, new = "kobotoolbox", _kobo_names(stripped)
    elif len(lower & LIMESURVEY_MARKERS) >= 3 or labels:
        tool, new = "limesurvey", [_limesurvey_name(n) for n in stripped]
    else:
        new = stripped
    unique, warnings, seen = [], [], set()
    for i, name in enumerate(new):
        candidate = name or f"column_{i + 1}"
        base, n = candidate, 1
        while candidate in seen:
            n += 1
            candidate = f"{base}_{n}"
        if candidate != (name or candidate):
            warnings.append(f"column {i + 1} {name!r} appears more than once; renamed to {candidate!r}.")
        seen.add(candidate)
        unique.append(candidate)
    return unique, tool, warnings, {unique[i]: text for i, text in labels.items()}


def _kobo_names(names: list[str]) -> list[str]:
    """`group/sub/question` -> `question`; a select_multiple choice `group/q5/opt` -> `q5_opt`; a name that two
    groups hold keeps its full path (`group_a/q1`, `group_b/q1`)."""
    present = set(names)
    short = []
    for name in names:
        parts = [p for p in name.split("/") if p]
        if len(parts) <= 1:
            short.append(name)
        elif "/".join(parts[:-1]) in present:
            short.append(f"{parts[-2]}_{parts[-1]}")
        else:
            short.append(parts[-1])
    counts: dict[str, int] = {}
    for name in short:
        counts[name] = counts.get(name, 0) + 1
    return [s if counts[s] == 1 else n for s, n in zip(short, names, strict=True)]


def _limesurvey_name(name: str) -> str:
    """`Q1[SQ001]` -> `Q1_SQ001`, `Q2[SQ1][A2]` -> `Q2_SQ1_A2`, `Q3[other]` -> `Q3_other`."""
    if "[" not in name:
        return name
    return re.sub(r"_+", "_", re.sub(r"[\[\]]", "_", name)).strip("_")


# ----- numbers -----
def to_number(column: str, decimal_comma: bool = False) -> pl.Expr:
    """A Float64 expression for a column that may hold numbers as text (Dutch `3,5` if decimal_comma)."""
    text = pl.col(column).cast(pl.String).str.strip_chars()
    if decimal_comma:
        text = pl.when(text.str.contains(DECIMAL_COMMA)).then(text.str.replace(",", ".", literal=True)).otherwise(text)
    return pl.when(text.str.contains(NUMBER)).then(text).cast(pl.Float64, strict=False)


def _typed_text_columns(frame: pl.DataFrame, decimal_comma: bool) -> pl.DataFrame:
    """Strings -> Int64/Float64 where every non-empty value is a number; blanks and missing markers become null."""
    frame = null_markers(frame)
    numbers = frame.select(to_number(c, decimal_comma) for c in frame.columns)
    converted = []
    for name in frame.columns:
        values, original = numbers[name], frame[name]
        if original.null_count() == frame.height or values.null_count() != original.null_count():
            continue
        whole = values.drop_nulls()
        is_int = bool(((whole % 1) == 0).all()) and whole.abs().max() < 2**53  # type: ignore[operator]
        converted.append(values.cast(pl.Int64) if is_int else values)
    return frame.with_columns(converted)


def null_markers(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that are empty or a missing marker (`NA`, `.`, `#N/A`, ..., see MISSING_MARKERS) -> null."""
    return frame.with_columns(
        pl.when(pl.col(c).str.strip_chars().is_in(NULL_TOKENS)).then(None).otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items() if dtype == pl.String
    )


def marker_counts(frame: pl.DataFrame) -> dict[str, int]:
    """How many text cells hold each missing marker (blanks not counted), for the reader's warning."""
    text = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    if not text or frame.height == 0:
        return {}
    cells = frame.select(pl.concat_list(pl.col(c).str.strip_chars() for c in text).alias("cell")).explode("cell")
    found = cells.filter(pl.col("cell").is_in(MISSING_MARKERS)).group_by("cell").len().sort("cell")
    return dict(found.iter_rows())


def drop_hxl_row(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """The frame without its first row when that row is an HXL hashtag row (every non-empty cell starts with
    `#`, as KoboToolbox writes under the header), and column -> hashtag; else the frame unchanged and {}."""
    if frame.height == 0:
        return frame, {}
    first = frame.head(1).select(pl.col(c).cast(pl.String).str.strip_chars() for c in frame.columns).row(0)
    tags = {c: v for c, v in zip(frame.columns, first, strict=True) if v not in (None, "")}
    if not tags or not all(v.startswith("#") and len(v) > 1 for v in tags.values()):
        return frame, {}
    return frame.slice(1), tags


def drop_trailing_blank_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame without the empty rows at its end (a file ending in blank lines, or in lines of separators)."""
    if frame.height == 0 or frame.width == 0:
        return frame
    filled = frame.select(pl.any_horizontal(
        (pl.col(c).is_not_null() & (pl.col(c).cast(pl.String).str.strip_chars() != "")).fill_null(False)
        for c in frame.columns).alias("filled"))["filled"]
    last = filled.arg_true()
    return frame.head(int(last[-1]) + 1 if last.len() else 0)


# ----- CSV -----
def _decode(raw: bytes, name: str) -> tuple[str, str]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = raw.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError:
            raise UserError(f"{name}: not text in UTF-8 or Windows-1252; is it really a CSV file?") from None
    if "\x00" in text[:65536]:
        raise UserError(f"{name}: contains NUL bytes; this is a binary file, not CSV text.")
    return text, encoding


def sniff_delimiter(text: str) -> str:
    """`,` `;` or tab: the one most frequent in the header line (outside quotes)."""
    header = re.sub(r'"[^"]*"', "", text.split("\n", 1)[0])
    counts = {sep: header.count(sep) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _read_csv(path: Path, columns: Collection[str] | None, text_only: bool = False) -> Table:
    limits = input_limits()
    check_bytes(path.name, path.stat().st_size, limits.csv_bytes)
    text, encoding = _decode(path.read_bytes(), path.name)
    if not text.strip():
        raise UserError(_say(f"{path.name}: the file is empty.", f"{path.name}: het bestand is leeg."))
    sep = sniff_delimiter(text)
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=sep))
    _check_csv_extent(path.name, text, len(header), limits)
    names, tool, warnings, labels = read_headers(header)
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator=sep,
            has_header=True,
            new_columns=names,
            infer_schema=False,
            quote_char='"',
        )
    except pl.exceptions.PolarsError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UserError(_say(f"{path.name}: malformed CSV ({first[:200]}).",
                             f"{path.name}: geen geldige CSV ({first[:200]}).")) from None
    if frame.width != len(names):
        raise UserError(_say(f"{path.name}: the header has {len(names)} columns but the rows have {frame.width}.",
                             f"{path.name}: de kop heeft {len(names)} kolommen, maar de rijen hebben {frame.width}."))
    if encoding != "utf-8":
        warnings.append(f"{path.name}: read as {encoding}.")
    short = _short_rows(text, sep, len(names))
    if short:
        rows = ", ".join(map(str, short[:5])) + (" ..." if len(short) > 5 else "")
        warnings.append(_say(f"{path.name}: {len(short)} row(s) have fewer fields than the header ({len(names)}); "
                             f"the missing fields read as empty (rows {rows}).",
                             f"{path.name}: {len(short)} rij(en) hebben minder velden dan de kop ({len(names)}); "
                             f"de ontbrekende velden zijn leeg gelezen (rijen {rows})."))
    frame, hxl = drop_hxl_row(drop_trailing_blank_rows(frame))
    if hxl:
        warnings.append(f"{path.name}: row 2 holds HXL hashtags ({len(hxl)} columns tagged); kept as metadata, "
                        "not read as answers.")
    frame = _select(frame, _by_path(columns, header, names))
    markers = marker_counts(frame)
    if markers:
        found = ", ".join(f"{marker!r} {count}x" for marker, count in markers.items())
        warnings.append(f"{path.name}: read as missing: {found}.")
    decimal_comma = sep == ";"
    frame = null_markers(frame) if text_only else _typed_text_columns(frame, decimal_comma)
    return Table(frame, path, "csv", names, 3 if hxl else 2, decimal_comma, tool, labels,
                 renamed=_renames(header, names), warnings=warnings, header=[str(h) for h in header], hxl=hxl,
                 short_rows=short)


def _short_rows(text: str, sep: str, width: int) -> list[int]:
    """File row numbers of the non-blank lines with fewer fields than the header (which the CSV parser pads with
    empty fields), counted per line outside quotes; [] when a quoted field spans lines (lines are no rows then)."""
    lines = pl.Series("line", text.rstrip("\r\n").split("\n"), dtype=pl.String).str.strip_chars_end("\r")
    frame = lines.to_frame().with_row_index("row", offset=1)
    if frame.select((pl.col("line").str.count_matches('"', literal=True) % 2 == 1).any()).item():
        return []
    fields = pl.col("line").str.replace_all(r'"[^"]*"', "").str.count_matches(sep, literal=True) + 1
    short = frame.filter((pl.col("line").str.strip_chars() != "") & (fields < width) & (pl.col("row") > 1))
    return short["row"].to_list()


def _check_csv_extent(name: str, text: str, width: int, limits: Limits) -> None:
    """Columns and rows × columns within the limits, counted before the table is built (lines as an upper bound)."""
    if width > limits.columns:
        raise too_large(name, f"the number of columns ({width:,})", f"het aantal kolommen ({width:,})",
                        f"{limits.columns:,}")
    lines = text.count("\n") + 1
    if lines * width > limits.cells:
        rows = sum(1 for _ in csv.reader(io.StringIO(text)))  # quoted line breaks: count records exactly
        if rows * width > limits.cells:
            raise too_large(name, f"the number of cells ({rows:,} rows × {width:,} columns)",
                            f"het aantal cellen ({rows:,} rijen × {width:,} kolommen)", f"{limits.cells:,}")


# ----- Excel -----
def _read_xlsx(path: Path, columns: Collection[str] | None) -> Table:
    from python_calamine import CalamineWorkbook

    # unpacked size and the first sheet's cells, counted before calamine loads it
    check_workbook(path, path.name, damaged="{name}: cannot be read as xlsx ({reason}).")
    workbook = CalamineWorkbook.from_path(str(path))
    if not workbook.sheet_names:
        raise UserError(f"{path.name}: the workbook has no sheets.")
    rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    start = next((i for i, row in enumerate(rows) if any(v not in ("", None) for v in row)), None)
    if start is None:
        raise UserError(f"{path.name}: the first sheet is empty.")
    header = [_cell_text(v) for v in rows[start]]
    body = rows[start + 1 :]
    while body and all(v in ("", None) for v in body[-1]):
        body.pop()
    names, tool, warnings, labels = read_headers(header)
    hxl: dict[str, str] = {}
    if body:
        first = [_cell_text(v).strip() for v in body[0]]
        tags = {n: v for n, v in zip(names, first, strict=False) if v}
        if tags and all(v.startswith("#") and len(v) > 1 for v in tags.values()):
            hxl, body = tags, body[1:]
            warnings.append(f"{path.name}: row {start + 2} holds HXL hashtags ({len(hxl)} columns tagged); kept as "
                            "metadata, not read as answers.")
    wanted = _by_path(columns, header, names)
    series = [
        _column(name, [row[i] if i < len(row) else None for row in body])
        for i, name in enumerate(names)
        if wanted is None or name in wanted
    ]
    frame = pl.DataFrame(series) if series else pl.DataFrame(height=len(body))
    return Table(frame, path, "xlsx", names, start + 2 + bool(hxl), False, tool, labels,
                 renamed=_renames(header, names), warnings=warnings, header=header, hxl=hxl)


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _column(name: str, values: list[Any]) -> pl.Series:
    """One Excel column: numbers, dates or text, whichever all its non-empty cells are."""
    cells = [None if v == "" or (isinstance(v, float) and math.isnan(v)) else v for v in values]
    present = [v for v in cells if v is not None]
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        series = pl.Series(name, cells, dtype=pl.Float64)
        whole = series.drop_nulls()
        return series.cast(pl.Int64) if ((whole % 1) == 0).all() and whole.abs().max() < 2**53 else series
    if present and all(isinstance(v, datetime) for v in present):
        return pl.Series(name, cells, dtype=pl.Datetime)
    if present and all(isinstance(v, date) and not isinstance(v, datetime) for v in present):
        return pl.Series(name, cells, dtype=pl.Date)
    series = pl.Series(name, [None if v is None else _cell_text(v) for v in cells], dtype=pl.String)
    return _typed_text_columns(series.to_frame(), False).to_series()


# ----- SPSS (.sav, and portable .por) -----
def _read_spss(path: Path, columns: Collection[str] | None) -> Table:
    from impactlab.io.sav_isolated import read_sav_isolated

    fmt = file_format(path)
    data, meta = read_sav_isolated(path, columns, fmt)
    names = meta["column_names"]
    if data is None:
        frame = pl.DataFrame(height=max(meta["number_rows"] or 0, 0))
    else:
        frame = data.with_columns(_sav_column(name, dtype, meta) for name, dtype in data.schema.items())
    labels = {k: v for k, v in zip(names, meta["column_labels"], strict=False) if v}
    value_labels = {
        col: {_code_text(code): str(text) for code, text in mapping.items()}
        for col, mapping in meta["variable_value_labels"].items()
    }
    missing = {col: [_missing_range(r) for r in ranges] for col, ranges in meta["missing_ranges"].items()}
    return Table(frame, path, fmt, names, 1, False, None, labels, value_labels, missing, header=list(names))


SPSS_EPOCH_DAYS = -141428  # 1582-10-14, SPSS's day zero, counted from 1970-01-01
SPSS_DATE_FORMATS = ("DATE", "ADATE", "EDATE", "SDATE", "JDATE")
SPSS_DATETIME_FORMATS = ("DATETIME", "YMDHMS")


def _sav_column(name: str, dtype: pl.DataType, meta: dict[str, Any]) -> pl.Expr:
    """One SPSS column: text ("" -> null), number (NaN -> null), or date/datetime from SPSS seconds."""
    column = pl.col(name)
    if dtype == pl.String:
        return pl.when(column == "").then(None).otherwise(column).alias(name)
    if not dtype.is_float():
        return column.cast(pl.String) if dtype == pl.Null else column
    column = column.fill_nan(None)
    spss_format = str(meta["original_variable_types"].get(name, "")).upper()
    if spss_format.startswith(SPSS_DATETIME_FORMATS):
        epoch_ms = SPSS_EPOCH_DAYS * 86_400_000
        return (column * 1000 + epoch_ms).cast(pl.Int64).cast(pl.Datetime("ms")).alias(name)
    if spss_format.startswith(SPSS_DATE_FORMATS):
        return (column // 86_400 + SPSS_EPOCH_DAYS).cast(pl.Int32).cast(pl.Date).alias(name)
    return column


def _code_text(code: Any) -> str:
    return str(int(code)) if isinstance(code, float) and code.is_integer() else str(code)


def _missing_range(spec: dict[str, Any]) -> Any:
    lo, hi = spec.get("lo"), spec.get("hi")
    return _plain(lo) if lo == hi else {"lo": _plain(lo), "hi": _plain(hi)}


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


# ----- helpers -----
def _by_path(columns: Collection[str] | None, header: list[Any], names: list[str]) -> set[str] | None:
    """The wanted columns by their plain names, a column named by its header as the file has it (a KoboToolbox
    group path `group/q1` that became `q1`) included."""
    if columns is None:
        return None
    wanted = set(columns)
    return wanted | {n for h, n in zip(header, names, strict=False) if str(h).strip().lstrip("\ufeff") in wanted}


def _select(frame: pl.DataFrame, columns: Collection[str] | None) -> pl.DataFrame:
    if columns is None:
        return frame
    wanted = set(columns)
    kept = [c for c in frame.columns if c in wanted]
    return frame.select(kept) if kept else pl.DataFrame(height=frame.height)


def _renames(original: list[str], names: list[str]) -> dict[str, str]:
    return {str(o): n for o, n in zip(original, names, strict=False) if str(o) != n}

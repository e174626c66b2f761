"""Privacy at import: keyed pseudonyms, identifier detection, age bands and free-text scrubbing.

A pseudonym is HMAC-SHA256(key, normalised id) as hex, so the same person gets the same pseudonym in
waves imported months apart (same key) and nobody without the key can recompute or reverse it.
"""

from __future__ import annotations

import re
from datetime import date

import duckdb
import polars as pl

from impactlab.deidentify import EMAIL, PHONE, eleven_test, scrub_text  # noqa: F401  (the one free-text scrubber)

PSEUDONYM_CHARS = 20  # 80 bits: collisions negligible for any realistic number of respondents
AGE_BANDS = [
    (0, 17, "0-17"),
    (18, 24, "18-24"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 54, "45-54"),
    (55, 64, "55-64"),
    (65, 74, "65-74"),
    (75, 84, "75-84"),
]
OLDEST_BAND = (85, "85+")

# Column names that hold direct identifiers (Dutch and English); matched on the lower-cased name.
IDENTIFIER_NAME = re.compile(
    r"(^|[_\W])(bsn|burgerservicenummer|sofi(nummer)?|naam|name|voornaam|achternaam|first_?name|last_?name|"
    r"surname|e-?mail|mail|telefoon(nummer)?|tel|phone|mobiel|mobile|gsm|adres|address|straat|street|"
    r"huisnummer|geboortedatum|date_?of_?birth|dob|birth_?date|iban|ip_?address|deviceid|simserial|"
    r"subscriberid|phonenumber|username|_?submitted_by)([_\W]|$)"
)



def is_identifier_name(column: str) -> bool:
    """Does a column's name say it holds a direct identifier (name, e-mail, BSN, phone, address, birth date)?"""
    return bool(IDENTIFIER_NAME.search(column.lower().replace(" ", "_")))


def normalise_id(column: str) -> pl.Expr:
    """Text form of an id: trimmed, lower case; `0123`, `123` and `123.0` all become `123`."""
    text = pl.col(column).cast(pl.String).str.strip_chars().str.to_lowercase()
    numeric = text.str.extract(r"^0*(\d+)(\.0*)?$", 1)
    return pl.when(numeric.is_not_null()).then(numeric).otherwise(text)


def pseudonyms(ids: pl.Series, key: bytes) -> pl.Series:
    """HMAC-SHA256(key, id) as hex (first PSEUDONYM_CHARS chars) for already normalised ids; nulls stay null.

    Computed in DuckDB (vectorised, multi-threaded) with the HMAC construction spelled out:
    sha256((key ^ opad) || sha256((key ^ ipad) || message)).
    """
    block = key if len(key) <= 64 else bytes.fromhex(duckdb.sql(f"select sha256('\\x{key.hex()}'::BLOB)").fetchone()[0])
    block = block.ljust(64, b"\0")
    inner = bytes(b ^ 0x36 for b in block)
    outer = bytes(b ^ 0x5C for b in block)
    frame = pl.DataFrame({"id": ids.cast(pl.String)})  # noqa: F841  (read by DuckDB by name)
    with duckdb.connect() as con:
        result = con.execute(
            "select case when id is null then null else "
            f"left(sha256($outer || unhex(sha256($inner || encode(id)))), {PSEUDONYM_CHARS}) end as p from frame",
            {"inner": inner, "outer": outer},
        ).fetchnumpy()["p"]
    return pl.Series(ids.name, result, dtype=pl.String)


def pseudonym_series(frame: pl.DataFrame, column: str, key: bytes) -> pl.Series:
    """The pseudonyms of an id column, row by row (hashing each distinct id once).

    Works on the id values alone, never joining on `frame`, so no column name of `frame` matters.
    """
    ids = frame.select(normalise_id(column)).to_series().rename("id")
    unique = ids.unique()
    lookup = pl.DataFrame({"id": unique, "pseudonym": pseudonyms(unique, key)})
    joined = ids.to_frame().join(lookup, on="id", how="left", nulls_equal=True, maintain_order="left")
    return joined["pseudonym"]


def pseudonymise_column(frame: pl.DataFrame, column: str, key: bytes, alias: str = "respondent") -> pl.DataFrame:
    """Replace an id column by its pseudonym, as column `alias` at the end (the id column itself is dropped)."""
    if alias != column and alias in frame.columns:
        raise ValueError(f"pseudonymise_column: {alias!r} is already a column")
    return frame.drop(column).with_columns(pseudonym_series(frame, column, key).alias(alias))


def age_band(born: str | pl.Expr, reference: date) -> pl.Expr:
    """An age band ("18-24" … "85+") at the reference date from a date (or datetime) of birth."""
    born = (pl.col(born) if isinstance(born, str) else born).cast(pl.Date)
    years = pl.lit(reference.year) - born.dt.year()
    before_birthday = (pl.lit(reference.month) < born.dt.month()) | (
        (pl.lit(reference.month) == born.dt.month()) & (pl.lit(reference.day) < born.dt.day())
    )
    age = years - before_birthday.cast(pl.Int32)
    expr = pl.when(age < 0).then(None)
    for lo, hi, label in AGE_BANDS:
        expr = expr.when(age.is_between(lo, hi)).then(pl.lit(label))
    return expr.when(age >= OLDEST_BAND[0]).then(pl.lit(OLDEST_BAND[1])).otherwise(None)


def passes_eleven_test(numbers: pl.Series) -> pl.Series:
    """The BSN eleven-test on 9-digit strings (see `impactlab.deidentify.eleven_test`)."""
    return eleven_test(numbers)

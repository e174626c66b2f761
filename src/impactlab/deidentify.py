"""De-identification: free text scrubbed of identifiers, and columns checked for identifiers by their content.

`scrub_text` is the one function every free-text path calls (imported free-text columns, questionnaire
answers, transcripts, memos). It works in two passes:

1. patterns, vectorised in Polars, for what a Dutch clinical de-identifier does not catch reliably: BSNs in
   any formatting that pass the eleven-test (``111.222.333``, ``1112 22 333``), IBANs (mod-97 checked),
   e-mail addresses, also obfuscated (``jan.jansen(at)example.nl``), Dutch phone numbers and postcodes;
2. `deduce` (Menger et al. 2017; rule-based, made for Dutch clinical notes) for names (``Mevrouw Jansen``),
   addresses (``Kerkstraat 12 Venlo``), dates (dates of birth), ages, institutions, phone numbers, e-mail
   addresses and URLs. Its lookup tables take seconds to load, so it is loaded lazily, once per process;
   it reads them from its own package data (built once at install, `make setup`), never from the network.

`find_identifiers` tells, per column, how many values look like an e-mail address, phone number, BSN, IBAN,
postcode with house number or date of birth (vectorised; no Python loop over rows).
"""

from __future__ import annotations

import logging
import tempfile
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from impactlab.errors import UserError

# --- patterns (Rust regex syntax: no look-around) ---------------------------------------------------------
ATEXT = r"A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-"
DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*"
EMAIL = rf"[{ATEXT}]+@{DOMAIN}\.[A-Za-z][A-Za-z0-9\-]*"
# jan.jansen(at)example.nl, jan [at] example [dot] nl, jan (apenstaartje) example (punt) nl
AT = r"\s*[\(\[\{]\s*(?:at|@|apenstaartje|apestaart(?:je)?)\s*[\)\]\}]\s*"
DOT = r"(?:\.|\s*[\(\[\{]\s*(?:dot|punt)\s*[\)\]\}]\s*)"
OBFUSCATED_EMAIL = rf"(?i)[{ATEXT}]+{AT}[A-Za-z0-9\-]+(?:{DOT}[A-Za-z0-9\-]+)+"
# Dutch numbers: +31/0031 and 9 digits, (0xx) area code and 6-8 digits, or 0 and 9 digits; with spaces,
# dots or dashes between digits.
PHONE = (
    r"(?:(?:\+31|0031)[\s.\-]?(?:\(0\)[\s.\-]?)?\d(?:[\s.\-]?\d){8}"
    r"|\(0\d{1,3}\)[\s.\-]?\d(?:[\s.\-]?\d){5,7}"
    r"|\b0\d(?:[\s.\-]?\d){8})\b"
)
NINE_DIGITS = r"\b\d(?:[ .\-]?\d){8}\b"  # a BSN candidate in any formatting: 123456782, 123.456.782, 1234 56 782
IBAN = r"(?i)\b[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){2,7}(?: ?[a-z0-9]{1,3})?\b"
POSTCODE = r"\b[1-9]\d{3} ?[A-Z]{2}\b"
POSTCODE_NUMBER = (
    r"(?i)(?:\b[1-9]\d{3} ?[a-z]{2}\b[\s,]*\d{1,5}\b"
    r"|\b\d{1,5}\s?[a-z]?(?:[\s,\-]+[a-z]{0,4})?[\s,]+[1-9]\d{3} ?[a-z]{2}\b)"
)
DATE_TEXT = r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y")
MASK = "•••"

TAGS = {"email": "[e-mail]", "phone": "[telefoon]", "bsn": "[BSN]", "iban": "[IBAN]", "postcode": "[postcode]"}


# --- the one free-text function ------------------------------------------------------------------------------
def scrub_text(series: pl.Series) -> pl.Series:
    """Free text with identifiers replaced by tags: patterns first (vectorised), then deduce on each distinct text."""
    text = scrub_patterns(series)
    distinct = text.drop_nulls().unique()
    distinct = distinct.filter(distinct.str.strip_chars() != "")
    if distinct.len() == 0:
        return text
    cleaned = [_deduce_text(t) for t in distinct.to_list()]
    return text.replace(distinct, pl.Series(cleaned, dtype=pl.String))


def deidentify(text: str) -> str:
    """One text through `scrub_text`."""
    return scrub_text(pl.Series([text], dtype=pl.String)).item()


def scrub_patterns(series: pl.Series) -> pl.Series:
    """Pass 1 of `scrub_text`: obfuscated and plain e-mail, IBAN (mod-97), BSN (eleven-test), phone, postcode."""
    text = series.cast(pl.String)
    text = text.str.replace_all(OBFUSCATED_EMAIL, TAGS["email"]).str.replace_all(EMAIL, TAGS["email"])
    ibans = _candidates(text, IBAN)
    ibans = ibans.filter(iban_valid(ibans))
    if ibans.len():
        text = text.str.replace_many(ibans.to_list(), [TAGS["iban"]] * ibans.len())
    bsns = _candidates(text, NINE_DIGITS)
    bsns = bsns.filter(eleven_test(bsns.str.replace_all(r"[ .\-]", "")))
    if bsns.len():
        text = text.str.replace_many(bsns.to_list(), [TAGS["bsn"]] * bsns.len())
    return text.str.replace_all(PHONE, TAGS["phone"]).str.replace_all(POSTCODE, TAGS["postcode"])


def _candidates(text: pl.Series, pattern: str) -> pl.Series:
    """Distinct matches of `pattern` in `text`, longest first (so a longer match is replaced before its part)."""
    found = text.str.extract_all(pattern).explode().drop_nulls().unique()
    return found.to_frame("m").sort(pl.col("m").str.len_chars(), descending=True).to_series()


def eleven_test(digits: pl.Series | pl.Expr) -> Any:
    """The BSN eleven-test on 9-digit strings: 9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 (mod 11), not all zero."""
    expr = digits if isinstance(digits, pl.Expr) else pl.col("n")
    d = [expr.str.slice(i, 1).cast(pl.Int64, strict=False) for i in range(9)]
    total = sum((9 - i) * d[i] for i in range(8)) - d[8]
    ok = expr.str.contains(r"^\d{9}$") & (total % 11 == 0) & (expr != "000000000")
    if isinstance(digits, pl.Expr):
        return ok
    return digits.to_frame("n").select(ok.fill_null(False).alias("ok")).to_series()


def iban_valid(candidates: pl.Series | pl.Expr) -> Any:
    """ISO 13616 check: move the first four characters to the end, letters as 10..35, the number mod 97 is 1."""
    expr = candidates if isinstance(candidates, pl.Expr) else pl.col("n")
    compact = expr.str.replace_all(" ", "").str.to_uppercase()
    moved = compact.str.slice(4) + compact.str.slice(0, 4)
    numeric = moved
    for offset, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        numeric = numeric.str.replace_all(letter, str(10 + offset), literal=True)
    # mod 97 of a long number, seven digits at a time (Horner's rule on base 10**7 chunks)
    remainder = pl.lit(0, dtype=pl.Int64)
    width = 7
    for start in range(0, 70, width):  # IBANs have at most 34 characters, so at most 68 digits
        chunk = numeric.str.slice(start, width)
        size = chunk.str.len_chars()
        value = pl.when(size > 0).then(chunk.cast(pl.Int64, strict=False)).otherwise(0)
        remainder = pl.when(size > 0).then((remainder * pl.lit(10, pl.Int64).pow(size) + value) % 97).otherwise(
            remainder)
    ok = compact.str.contains(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$") & (remainder == 1)
    if isinstance(candidates, pl.Expr):
        return ok
    return candidates.to_frame("n").select(ok.fill_null(False).alias("ok")).to_series()


# --- deduce, loaded once per process ------------------------------------------------------------------------
_deducer: Any = None
_lock = threading.Lock()


def _load_deduce() -> Any:
    global _deducer
    with _lock:
        if _deducer is None:
            import deduce

            logging.getLogger().setLevel(logging.getLogger().level)  # deduce logs at INFO on the root logger
            try:
                _deducer = deduce.Deduce()
            except (EOFError, OSError, ValueError, AttributeError, ImportError, IndexError, KeyError) as error:
                # a damaged cache (e.g. two first runs at once): build once more into a private cache
                logging.getLogger(__name__).warning("deduce cache unreadable (%s); building it again", error)
                _deducer = deduce.Deduce(cache_path=tempfile.mkdtemp(prefix="impactlab-deduce-"),
                                         build_lookup_structs=True)
    return _deducer


def warm() -> None:
    """Build (at install) or load deduce's lookup tables."""
    _load_deduce()


def _deduce_text(text: str) -> str:
    return _load_deduce().deidentify(text).deidentified_text


# --- identifiers in columns, by content --------------------------------------------------------------------
KINDS = ("email", "phone", "bsn", "iban", "address", "date_of_birth")
KIND_TEXT = {
    "email": ("e-mail addresses", "e-mailadressen"),
    "phone": ("phone numbers", "telefoonnummers"),
    "bsn": ("BSNs (citizen service numbers)", "BSN's (burgerservicenummers)"),
    "iban": ("bank account numbers (IBAN)", "bankrekeningnummers (IBAN)"),
    "address": ("postcodes with house numbers", "postcodes met huisnummer"),
    "date_of_birth": ("dates of birth", "geboortedata"),
}
ADULT_YEARS = 12  # dates further back than this look like dates of birth
DOB_SHARE = 0.5


@dataclass(frozen=True)
class Finding:
    """`rows` values of `column` look like `kind` (one of KINDS)."""

    column: str
    kind: str
    rows: int


def identifier_masks(expr: pl.Expr, dtype: pl.DataType, today: date | None = None) -> dict[str, pl.Expr]:
    """Per kind, a boolean expression: does this value look like that kind of identifier?"""
    today = today or date.today()
    if dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime):
        born = expr.cast(pl.Date)
    else:
        text = expr.cast(pl.String).str.strip_chars()
        parsed = pl.coalesce([text.str.slice(0, 10).str.to_date(f, strict=False) for f in DATE_FORMATS])
        born = pl.when(text.str.contains(DATE_TEXT)).then(parsed).otherwise(None)
    cutoff = date(today.year - ADULT_YEARS, today.month, min(today.day, 28))
    masks = {"date_of_birth": born.is_between(date(1900, 1, 1), cutoff)}
    if dtype == pl.String or dtype == pl.Categorical or dtype.is_integer() or dtype.is_float():
        if dtype.is_integer() or dtype.is_float():
            whole = expr.cast(pl.Int64, strict=False).cast(pl.String)
            text = pl.when(whole.str.len_chars() == 8).then("0" + whole).otherwise(whole)
        else:
            text = expr.cast(pl.String)
        nines = text.str.extract_all(NINE_DIGITS).list.eval(eleven_test(pl.element().str.replace_all(r"[ .\-]", "")))
        ibans = text.str.extract_all(IBAN).list.eval(iban_valid(pl.element()))
        masks |= {
            "email": text.str.contains(EMAIL) | text.str.contains(OBFUSCATED_EMAIL),
            "phone": text.str.contains(PHONE),
            "bsn": nines.list.any(),
            "iban": ibans.list.any(),
            "address": text.str.contains(POSTCODE_NUMBER),
        }
    return {k: m.fill_null(False) for k, m in masks.items()}


def find_identifiers(frame: pl.DataFrame, columns: dict[str, str], today: date | None = None) -> list[Finding]:
    """Columns (working name -> name shown) whose values look like identifiers, counted in one pass."""
    exprs = []
    for i, column in enumerate(columns):
        for kind, mask in identifier_masks(pl.col(column), frame.schema[column], today).items():
            exprs.append(mask.sum().alias(f"{i}\x00{kind}"))
        exprs.append(pl.col(column).is_not_null().sum().alias(f"{i}\x00n"))
    if not exprs:
        return []
    counts = frame.select(exprs).row(0, named=True)
    findings = []
    for i, (column, shown) in enumerate(columns.items()):
        present = counts[f"{i}\x00n"]
        for kind in KINDS:
            rows = counts.get(f"{i}\x00{kind}", 0)
            if kind == "date_of_birth" and rows < DOB_SHARE * present:
                continue
            if rows:
                findings.append(Finding(shown, kind, rows))
        _ = column
    return findings


def mask_identifiers(expr: pl.Expr) -> pl.Expr:
    """A text expression with every value that looks like an identifier replaced by •••."""
    masks = identifier_masks(expr, pl.String)
    hit = pl.any_horizontal(*masks.values())
    return pl.when(hit).then(pl.lit(MASK)).otherwise(expr)


class IdentifiersFound(UserError):
    """Columns that hold identifiers by their content: messages in English and Dutch (the user's language)."""

    def __init__(self, file: str, findings: list[Finding]):
        self.file, self.findings = file, findings
        self.texts = {"en": [], "nl": []}
        for f in findings:
            en, nl = KIND_TEXT[f.kind]
            self.texts["en"].append(
                f"{file}: column {f.column!r} holds what look like {en} ({f.rows} row{'s' if f.rows != 1 else ''}); "
                "nothing was imported. Map it as an identifier (left out) or as free text (scrubbed).")
            self.texts["nl"].append(
                f"{file}: kolom {f.column!r} bevat wat op {nl} lijkt ({f.rows} rij{'en' if f.rows != 1 else ''}); "
                "er is niets geïmporteerd. Wijs de kolom aan als identificerend (weggelaten) of als vrije tekst "
                "(opgeschoond).")
        Exception.__init__(self, "\n".join(self.texts["en"]))

    def text(self, lang: str | None = None) -> list[str]:
        from impactlab.limits import language

        lang = (lang or language() or "en")[:2]
        return self.texts.get(lang, self.texts["en"])

    @property  # type: ignore[override]
    def messages(self) -> list[str]:
        return self.text()

    def __str__(self) -> str:
        return "\n".join(self.text())


if __name__ == "__main__":  # `python -m impactlab.deidentify`: build deduce's lookup tables once, at install
    warm()

"""De-identification: free text scrubbed of identifiers, and columns checked for identifiers by their content.

`scrub_text` is the one function every free-text path calls (imported free-text columns, questionnaire
answers, transcripts, memos). It works in two passes:

1. patterns, vectorised in Polars, for what a Dutch clinical de-identifier does not catch reliably: BSNs in
   any formatting that pass the eleven-test (``111.222.333``, ``1112 22 333``), IBANs (mod-97 checked),
   e-mail addresses, also obfuscated (``jan.jansen(at)example.nl``), Dutch phone numbers and postcodes;
2. `deduce` (Menger et al. 2017; rule-based, made for Dutch clinical notes) for names (``Mevrouw Jansen``),
   addresses (``Kerkstraat 12 Venlo``), dates (dates of birth), ages, institutions, phone numbers, e-mail
   addresses and URLs. Its lookup tables take seconds to load, so it is loaded lazily, once per process;
   it reads them from its own package data (built once at install, `make setup`), never from the network,
   as compact tries (`impactlab.compact_deduce`: the same lookups in a quarter of the memory). A long text
   goes through deduce in pieces (`chunks`), so the memory it takes is bounded whatever the text's length.

`find_identifiers` tells, per column, how many values look like an e-mail address, phone number, BSN, IBAN,
postcode with house number or date of birth (vectorised; no Python loop over rows); the importer refuses a
kept, group or wave column that holds them (`IdentifiersFound`). `mask_identifiers` replaces every value that
looks like one by ••• (validation reports, previews).
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from impactlab.errors import UserError

# --- patterns (Rust regex syntax: no look-around) ---------------------------------------------------------
ATEXT = r"A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-"
DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*"
EMAIL = rf"[{ATEXT}]+@{DOMAIN}\.[A-Za-z][A-Za-z0-9\-]*"
# jan.jansen(at)example.nl, jan [at] example [dot] nl, jan (apenstaartje) example (punt) nl, jan at example.nl,
# jan @ example.nl
AT = (r"(?:\s*[\(\[\{]\s*(?:at|@|apenstaartje|apestaart(?:je)?)\s*[\)\]\}]\s*"
      r"|\s+(?:at|apenstaartje)\s+|\s+@\s*|\s*@\s+)")
DOT = r"(?:\.|\s*[\(\[\{]\s*(?:dot|punt)\s*[\)\]\}]\s*|\s+(?:dot|punt)\s+)"
OBFUSCATED_EMAIL = rf"(?i)[{ATEXT}]*[A-Za-z0-9]{AT}[A-Za-z0-9\-]+(?:{DOT}[A-Za-z0-9\-]+)*{DOT}[a-z]{{2,12}}\b"
# Dutch numbers: +31/0031 and 9 digits, (0xx) area code and 6-8 digits, or 0 and 9 digits; with spaces,
# dots, dashes or slashes between digits (06-12345678, 06 - 1234 5678, +31 (0)6 12345678, 020/1234567).
SEP = r"[ .\-/]{0,3}"  # at most three of space, dot, dash, slash between digits
PHONE = (
    rf"(?:(?:\+31|0031){SEP}(?:\(0\){SEP})?\d(?:{SEP}\d){{8}}"
    rf"|\(0\d{{1,3}}\){SEP}\d(?:{SEP}\d){{5,7}}"
    rf"|\b0\d(?:{SEP}\d){{8}})\b"
)
# a phone-shaped match that is a date and a time (01-02-2023 12:30): not a phone number
DATE_TIME_SHAPE = r"^\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d{2}\b"
NINE_DIGITS = r"\b\d(?:[ .\-]?\d){8}\b"  # a BSN candidate in any formatting: 123456782, 123.456.782, 1234 56 782
# The groupings people write a BSN in, looked for on their own as well: the any-formatting pattern alone, matching
# left to right, can take digits of a number in front ("03-1961 123" of "03-03-1961 123.456.782") and miss the BSN.
BSN_FORMS = (r"\b\d{3}[ .\-]\d{3}[ .\-]\d{3}\b", r"\b\d{4}[ .\-]\d{2}[ .\-]\d{3}\b", r"\b\d{9}\b", NINE_DIGITS)
IBAN = r"(?i)\b[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){2,7}(?: ?[a-z0-9]{1,3})?\b"
POSTCODE = r"\b[1-9]\d{3} ?[A-Z]{2}\b"
# a postcode with a house number, either order: "5911 AB 12", "5911ab, 12", "12 5911 AB", "Kerkstraat 12, 5911 AB".
# The letters are capitals (or written against the digits, 5911ab), so "2023 en 2024" is no address.
PC6 = r"[1-9]\d{3}(?: ?[A-Z]{2}|[a-z]{2})\b"
POSTCODE_NUMBER = (
    rf"(?:\b{PC6}[\s,]*\d{{1,5}}[a-zA-Z]?\b"
    rf"|\b\d{{1,5}}\s?[a-zA-Z]?(?:[\s,\-]+[a-zA-Z]{{0,4}})?[\s,]+{PC6})"
)
DATE_TEXT = r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y")
MASK = "•••"

TAGS = {"email": "[e-mail]", "phone": "[telefoon]", "bsn": "[BSN]", "iban": "[IBAN]", "postcode": "[postcode]"}


# --- the one free-text function ------------------------------------------------------------------------------
def scrub_text(series: pl.Series, chunk_chars: int | None = None) -> pl.Series:
    """Free text with identifiers replaced by tags: patterns first (vectorised), then deduce on each distinct text,
    a long one in pieces of at most `chunk_chars` characters (CHUNK_CHARS) cut at line ends (`chunks`)."""
    text = scrub_patterns(series)
    distinct = text.drop_nulls().unique()
    distinct = distinct.filter(distinct.str.strip_chars() != "")
    if distinct.len() == 0:
        return text
    cleaned = [_deduce_text(t, chunk_chars or CHUNK_CHARS) for t in distinct.to_list()]
    return text.replace(distinct, pl.Series(cleaned, dtype=pl.String))


def deidentify(text: str) -> str:
    """One text through `scrub_text`."""
    return scrub_text(pl.Series([text], dtype=pl.String)).item()


def scrub_patterns(series: pl.Series) -> pl.Series:
    """Pass 1 of `scrub_text`: obfuscated and plain e-mail, IBAN (mod-97), phone, BSN (eleven-test), postcode."""
    text = series.cast(pl.String)
    text = text.str.replace_all(OBFUSCATED_EMAIL, TAGS["email"]).str.replace_all(EMAIL, TAGS["email"])
    ibans = _candidates(text, IBAN)
    ibans = ibans.filter(iban_valid(ibans))
    if ibans.len():
        text = text.str.replace_many(ibans.to_list(), [TAGS["iban"]] * ibans.len())
    phones = _candidates(text, PHONE)
    phones = phones.filter(~phones.str.contains(DATE_TIME_SHAPE))
    if phones.len():
        text = text.str.replace_many(phones.to_list(), [TAGS["phone"]] * phones.len())
    bsns = pl.concat([_candidates(text, form) for form in BSN_FORMS]).unique().to_frame("m")
    bsns = bsns.sort(pl.col("m").str.len_chars(), descending=True).to_series()  # longest first
    bsns = bsns.filter(eleven_test(bsns.str.replace_all(r"[ .\-]", "")))
    if bsns.len():
        text = text.str.replace_many(bsns.to_list(), [TAGS["bsn"]] * bsns.len())
    return text.str.replace_all(POSTCODE, TAGS["postcode"])


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
    # mod 97 of a long number, seven digits at a time (Horner's rule on base 10**7 chunks); an empty chunk
    # leaves the remainder as it is (10**0 = 1, value 0), so each step names the previous one once (a
    # when/otherwise naming it twice doubled the expression at every step: 2**10 copies, out of memory in list.eval)
    remainder = pl.lit(0, dtype=pl.Int64)
    width = 7
    for start in range(0, 70, width):  # IBANs have at most 34 characters, so at most 68 digits
        chunk = numeric.str.slice(start, width)
        scale = pl.lit(10, pl.Int64).pow(chunk.str.len_chars().cast(pl.Int64))
        value = chunk.cast(pl.Int64, strict=False).fill_null(0)
        remainder = (remainder * scale + value) % 97
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

            from impactlab.compact_deduce import CompactDeduce

            logging.getLogger().setLevel(logging.getLogger().level)  # deduce logs at INFO on the root logger
            try:
                _deducer = CompactDeduce()  # deduce, its lookup lists in 0.3 GB instead of 1.1 GB
            except (EOFError, OSError, ValueError, AttributeError, ImportError, IndexError, KeyError) as error:
                # a damaged cache (e.g. two first runs at once): build once more into a private cache
                logging.getLogger(__name__).warning("deduce cache unreadable (%s); building it again", error)
                _deducer = deduce.Deduce(cache_path=tempfile.mkdtemp(prefix="impactlab-deduce-"),
                                         build_lookup_structs=True)
    return _deducer


def warm() -> None:
    """Build (at install) or load deduce's lookup tables."""
    _load_deduce()


# deduce's cost per call grows faster than its text: its redactor compares each annotation with every earlier
# one of its tag and rebuilds the whole text once per annotation. A 2,000,000-character document in one call took
# 240 s and 1.6 GB; in pieces of CHUNK_CHARS the work per call is bounded and the whole is linear in the text.
CHUNK_CHARS = 10_000
# where a piece may end, best first: after a blank line, a line end, a sentence end (a word of five or more
# lower-case letters, then . ! or ?, then a capital: not "mevr. A. de Vries" or "dhr. Jansen"), a space. An
# identifier never spans a line end for deduce (its tokens and adjacent-annotation merges stop there), so pieces
# cut at line ends are scrubbed exactly as the whole text is.
CUTS = (re.compile(r"\n\n"), re.compile(r"\n"), re.compile(r"(?<=[a-z]{5}[.!?]) +(?=[A-Z])"), re.compile(r" "))


def _last_cut(text: str, low: int, high: int) -> int | None:
    """The end of the last match of the best of CUTS within text[low:high], if any."""
    for cut in CUTS:
        end = max((m.end() for m in cut.finditer(text, low, high)), default=low)
        if end > low:
            return end
    return None


def chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """(offset, piece) of `text` in pieces of at most `size` characters that join back to it, each cut at the
    best boundary of CUTS in its second half (or else anywhere in it; a hard cut only in a run of `size`
    characters without a space)."""
    start = 0
    while len(text) - start > size:
        end = start + size
        cut = _last_cut(text, start + size // 2, end) or _last_cut(text, start, end) or end
        yield start, text[start:cut]
        start = cut
    yield start, text[start:]


class _Redactor:
    """deduce's redaction (`DeduceRedactor`) carried over the pieces of one text: each annotation becomes
    ``[TAG-n]``, where annotations of a tag within edit distance 1 (Damerau-Levenshtein) of an earlier one share
    its n (the first such earlier text, in order of their ends), and ``patient`` becomes ``[PATIENT]``. Distinct
    texts are compared once, in C (rapidfuzz), and each piece is written out once."""

    def __init__(self, open_char: str, close_char: str):
        self.open, self.close = open_char, close_char
        self.groups: dict[str, dict[str, str]] = {}  # tag -> distinct text -> replacement, in order of first end
        self.counters: dict[str, int] = {}

    def replacement(self, tag: str, text: str) -> str:
        from rapidfuzz import process
        from rapidfuzz.distance import DamerauLevenshtein

        if tag == "patient":
            return f"{self.open}PATIENT{self.close}"
        group = self.groups.setdefault(tag, {})
        if text not in group:
            near = process.extract(text, list(group), scorer=DamerauLevenshtein.distance, score_cutoff=1,
                                   limit=None)
            if near:  # the first earlier text within distance 1, as deduce's redactor takes it
                group[text] = group[list(group)[min(index for _, _, index in near)]]
            else:
                self.counters[tag] = self.counters.get(tag, 0) + 1
                group[text] = f"{self.open}{tag.upper()}-{self.counters[tag]}{self.close}"
        return group[text]

    def redact(self, piece: str, annotations: Any) -> str:
        """`piece` with its (non-overlapping) annotations replaced; numbering goes on from the earlier pieces."""
        ordered = sorted(annotations, key=lambda a: a.end_char)  # numbered in order of their ends
        replaced = {a: self.replacement(a.tag, a.text) for a in ordered}
        out, at = [], 0
        for annotation in ordered:
            out += [piece[at:annotation.start_char], replaced[annotation]]
            at = annotation.end_char
        out.append(piece[at:])
        return "".join(out)


def _deduce_text(text: str, size: int) -> str:
    """deduce over `text` in pieces of at most `size` characters (`chunks`), redacted as one text (`_Redactor`)."""
    deducer = _load_deduce()
    redactor = _Redactor(deducer.config["redactor_open_char"], deducer.config["redactor_close_char"])
    return "".join(redactor.redact(piece, deducer.deidentify(piece, disabled={"redactor"}).annotations)
                   for _, piece in chunks(text, size))


# --- identifiers in columns, by content --------------------------------------------------------------------
KINDS = ("email", "phone", "bsn", "iban", "address", "date_of_birth")
# How much of a column must look like an identifier before the column is refused (see `find_identifiers`):
ADULT_YEARS = 12  # a date at least this many years back may be a date of birth (clients are rarely younger)
DOB_SHARE = 0.5  # ... and the column is one when at least half its values are such dates
DOB_SPREAD_YEARS = 10  # ... spread over at least ten years (measurement dates cluster; births do not)
DOB_FEW = 5  # ... unless there are fewer than five of them (too few to tell: refused)
BSN_SHARE = 0.5  # at least half of the nine-digit numbers pass the eleven-test (1 in 11 random ones do)
MOBILE_SHARE = 0.5  # whole numbers 6xxxxxxxx (a mobile number that lost its 0 in Excel): at least half


@dataclass(frozen=True)
class Finding:
    """`rows` of the `total` non-empty values of `column` look like `kind` (one of KINDS)."""

    column: str
    kind: str
    rows: int
    total: int = 0


def _as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A value as text; whole numbers without their decimals, a BSN that lost its leading 0 gets it back."""
    if dtype.is_integer() or dtype.is_float():
        whole = expr.cast(pl.Int64, strict=False).cast(pl.String)
        return pl.when(whole.str.len_chars() == 8).then("0" + whole).otherwise(whole)
    return expr.cast(pl.String)


def _birth_dates(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Dates (of any date type, or text in ISO or Dutch day-first form); null where the value is none."""
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return expr.cast(pl.Date)
    if dtype.is_numeric() or dtype == pl.Boolean:
        return pl.lit(None, dtype=pl.Date)
    text = expr.cast(pl.String).str.strip_chars()
    parsed = pl.coalesce([text.str.slice(0, 10).str.to_date(f, strict=False) for f in DATE_FORMATS])
    return pl.when(text.str.contains(DATE_TEXT)).then(parsed).otherwise(None)


def _cutoff(today: date | None) -> date:
    today = today or date.today()
    return date(today.year - ADULT_YEARS, today.month, min(today.day, 28))


def identifier_masks(expr: pl.Expr, dtype: pl.DataType, today: date | None = None) -> dict[str, pl.Expr]:
    """Per kind, a boolean expression: does this one value look like that kind of identifier?

    Value by value, without looking at the rest of its column: a nine-digit number that passes the eleven-test
    is a BSN, a date at least ADULT_YEARS back a date of birth. `find_identifiers` decides about columns.
    """
    masks = {"date_of_birth": _birth_dates(expr, dtype).is_between(date(1900, 1, 1), _cutoff(today))}
    if dtype == pl.String or dtype == pl.Categorical or dtype == pl.Enum or dtype.is_numeric():
        text = _as_text(expr, dtype)
        digits = pl.element().str.replace_all(r"[ .\-]", "")
        nines = pl.concat_list([text.str.extract_all(form) for form in BSN_FORMS]).list.eval(eleven_test(digits))
        ibans = text.str.extract_all(IBAN).list.eval(iban_valid(pl.element())).list.any()
        phones = text.str.extract_all(PHONE).list.eval(~pl.element().str.contains(DATE_TIME_SHAPE)).list.any()
        masks |= {
            "email": text.str.contains(EMAIL) | text.str.contains(OBFUSCATED_EMAIL),
            "phone": phones & ~ibans,  # an IBAN's digits can look like a phone number
            "bsn": nines.list.any(),
            "iban": ibans,
            "address": text.str.contains(POSTCODE_NUMBER),
        }
    return {k: m.fill_null(False) for k, m in masks.items()}


def _column_counts(expr: pl.Expr, dtype: pl.DataType, today: date | None, tag: str) -> list[pl.Expr]:
    """The aggregates `find_identifiers` decides on, for one column, named `tag` + what they count."""
    present = expr.is_not_null()
    if dtype == pl.String:
        present = present & (expr.str.strip_chars() != "")
    masks = identifier_masks(expr, dtype, today)
    out = [present.sum().alias(f"{tag}n")]
    out += [(m & present).sum().alias(f"{tag}{kind}") for kind, m in masks.items()]
    born = _birth_dates(expr, dtype)
    year = pl.when(masks["date_of_birth"]).then(born.dt.year())
    out.append((year.max() - year.min()).fill_null(0).alias(f"{tag}dob_years"))
    if "bsn" in masks:
        nine = _as_text(expr, dtype).str.contains(NINE_DIGITS)
        out.append((nine & present).sum().alias(f"{tag}nine"))
    if dtype.is_integer() or dtype.is_float():
        whole = expr.cast(pl.Int64, strict=False)
        out.append(whole.is_between(600_000_000, 699_999_999).sum().alias(f"{tag}mobile"))
    return out


COLUMNS_PER_PASS = 16


def find_identifiers(frame: pl.DataFrame, columns: dict[str, str], today: date | None = None) -> list[Finding]:
    """Columns (working name -> name shown) whose values look like identifiers, counted in one pass.

    A column is refused for a kind when (n = its non-empty values):
    - e-mail address, IBAN (mod-97 checked), postcode with house number, phone number: one value is enough
      (the patterns are specific; one such value in a kept column is one person's identifier in the snapshot);
    - BSN: at least one nine-digit value passes the eleven-test, and at least BSN_SHARE of the nine-digit values
      do (a column of other nine-digit numbers has about 1 in 11 passing by chance);
    - phone, as whole numbers 6xxxxxxxx (Excel drops the 0 of 06): at least MOBILE_SHARE of n;
    - date of birth: at least DOB_SHARE of n are dates ADULT_YEARS or more back, spread over DOB_SPREAD_YEARS or
      more (fewer than DOB_FEW such dates: refused on the share alone). Dates of measurement are recent or
      cluster in a few years; ages, scores, wave numbers, neighbourhood names and four-digit postcodes match
      none of the kinds.
    """
    counts: dict[str, object] = {}
    names = list(columns)
    for start in range(0, len(names), COLUMNS_PER_PASS):  # one query per few columns: a query over a thousand
        exprs = []                                         # columns at once exhausts the planner's memory
        for i in range(start, min(start + COLUMNS_PER_PASS, len(names))):
            exprs += _column_counts(pl.col(names[i]), frame.schema[names[i]], today, f"{i}\x00")
        counts.update(frame.select(exprs).row(0, named=True))
    if not counts:
        return []
    findings = []
    for i, shown in enumerate(columns.values()):
        def count(what: str) -> int:
            return int(counts.get(f"{i}\x00{what}") or 0)  # noqa: B023 (used in this iteration only)

        n = count("n")
        hits = {kind: count(kind) for kind in KINDS}
        if hits["bsn"] < BSN_SHARE * count("nine"):
            hits["bsn"] = 0
        if count("mobile") >= MOBILE_SHARE * n and count("mobile"):
            hits["phone"] = max(hits["phone"], count("mobile"))
        dob = hits["date_of_birth"]
        if dob < DOB_SHARE * n or (dob >= DOB_FEW and count("dob_years") < DOB_SPREAD_YEARS):
            hits["date_of_birth"] = 0
        findings += [Finding(shown, kind, rows, n) for kind, rows in hits.items() if rows]
    return findings


def mask_frame(frame: pl.DataFrame, today: date | None = None) -> pl.DataFrame:
    """Every column of a (small) frame as text with identifier-like values masked, COLUMNS_PER_PASS columns per
    query (each column's masks are a large expression: a thousand at once exhausts the planner's memory)."""
    chunks = [frame.columns[i:i + COLUMNS_PER_PASS] for i in range(0, frame.width, COLUMNS_PER_PASS)]
    parts = [frame.select(mask_identifiers(pl.col(c), frame.schema[c], today) for c in chunk) for chunk in chunks]
    return pl.concat(parts, how="horizontal") if parts else frame


def mask_identifiers(expr: pl.Expr, dtype: pl.DataType = pl.String, today: date | None = None) -> pl.Expr:
    """A text expression with every value that looks like an identifier (any kind, value by value) as •••."""
    hit = pl.any_horizontal(*identifier_masks(expr, dtype, today).values())
    return pl.when(~hit).then(expr.cast(pl.String)).otherwise(pl.lit(MASK))  # named as `expr`


class IdentifiersFound(UserError):
    """Columns that hold identifiers by their content: nothing is imported. The message names the file, the
    column and what was found (counts, never the values), in English or Dutch (`text(lang)`)."""

    def __init__(self, file: str, findings: list[Finding], lang: str | None = None):
        self.file, self.findings = file, findings
        super().__init__(self.text(lang))

    def text(self, lang: str | None = None, file: str | None = None) -> list[str]:
        """The messages in `lang` (default: IMPACTLAB_LANG or the locale), naming the file as `file`."""
        from impactlab.messages import Term, default_language
        from impactlab.messages import text as say

        lang = lang or default_language()
        by_column: dict[str, list[Finding]] = {}
        for f in self.findings:
            by_column.setdefault(f.column, []).append(f)
        lines = []
        for column, found in by_column.items():
            parts = [say("identifiers.count", lang, kind_term=Term(f"identifiers.{f.kind}"), rows=f.rows,
                         total=f.total) for f in found]
            lines.append(say("identifiers.column", lang, file=file or self.file, column=column,
                             found=", ".join(parts)))
        return [*lines, say("identifiers.nothing", lang, file=file or self.file)]


def scrubbed_counts(frame: pl.DataFrame, columns: dict[str, str], lang: str | None = None) -> list[str]:
    """Warnings for free-text columns: how many values held which identifiers (replaced by tags), no values."""
    from impactlab.messages import Term, default_language
    from impactlab.messages import text as say

    lang = lang or default_language()
    exprs = []
    for i, column in enumerate(columns):
        present = pl.col(column).is_not_null()
        for kind, mask in identifier_masks(pl.col(column), frame.schema[column]).items():
            if kind != "date_of_birth":  # a date in free text is deduce's to judge
                exprs.append((mask & present).sum().alias(f"{i}\x00{kind}"))
        exprs.append(present.sum().alias(f"{i}\x00n"))
    if not exprs:
        return []
    counts = frame.select(exprs).row(0, named=True)
    lines = []
    for i, shown in enumerate(columns.values()):
        parts = [say("identifiers.count", lang, kind_term=Term(f"identifiers.{kind}"), rows=counts[f"{i}\x00{kind}"],
                     total=counts[f"{i}\x00n"]) for kind in KINDS if counts.get(f"{i}\x00{kind}")]
        if parts:
            lines.append(say("identifiers.scrubbed", lang, column=shown, found=", ".join(parts)))
    return lines


if __name__ == "__main__":  # `python -m impactlab.deidentify`: build deduce's lookup tables once, at install
    warm()

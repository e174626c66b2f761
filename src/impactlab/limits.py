"""Limits on every input, checked before a parser builds anything big.

A small zip can unpack to gigabytes (a 595 KB .docx to 193 MB of XML, a 626 KB .xlsx to 10 million cells), and
a parser that is handed it takes minutes and gigabytes. So every zip-based file (xlsx, docx, XLSForm, .qdpx)
is inspected first: the number of members, their declared sizes, and then their actual sizes by decompressing
them as a stream (a zip may lie about sizes) without keeping the data. A spreadsheet's cells are counted by
streaming its sheet XML (the ``<dimension>`` a file declares is not trusted): the dense block a reader builds,
last row × last column, must stay within ``cells``. Text (documents, PDF pages, CSV, YAML) is bounded in
characters or bytes, and YAML in nesting depth and aliases.

The numbers are `Limits`; the web app sets them from its settings (``IMPACTLAB_LIMITS``) with `configure`.
Every refusal is a `LimitExceeded`: a `UserError` naming the file and the limit, in English and Dutch.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

from impactlab.errors import UserError

MB = 1024 * 1024
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The largest input accepted; each has a setting of the same name in ``IMPACTLAB_LIMITS``."""

    unzipped_bytes: int = 100 * MB  # all members of a zip-based file together, decompressed
    xml_part_bytes: int = 16 * MB  # one XML part a parser builds a whole tree of (docx body, XLSForm sheet, .qde)
    zip_members: int = 2_000
    cells: int = 2_000_000  # a spreadsheet's dense block (last row × last column) or a CSV's rows × columns
    columns: int = 1_000
    # text of one document (Word, PDF, plain text): a two-hour interview is about 20,000 words, 120,000 characters;
    # 1,000,000 is eight of them in one file, or a 400-page book. Longer is a bundle of documents (coded and quoted
    # one by one), and every character is scrubbed by deduce (~20 s per million on a busy core): was 2,000,000.
    text_chars: int = 1_000_000
    pdf_pages: int = 2_000
    csv_bytes: int = 100 * MB
    yaml_bytes: int = 2 * MB
    yaml_depth: int = 50
    yaml_aliases: int = 100
    model_bytes: int = 1 * MB  # an impact model's YAML text (checks, saves, uploads)
    model_outcomes: int = 500  # outcomes of one model (valuation, dashboards)


_current = Limits()
# The language of messages: the web app points this at Django's get_language; the CLI speaks English.
language: Callable[[], str | None] = lambda: "en"  # noqa: E731


def current() -> Limits:
    return _current


def configure(**values: Any) -> Limits:
    """Replace some limits (unknown names raise TypeError); returns the limits now in force."""
    global _current
    _current = dataclasses.replace(_current, **{k: int(v) for k, v in values.items()})
    return _current


class LimitExceeded(UserError):
    """An input over a limit: one message, in the user's language (English and Dutch)."""

    def __init__(self, en: str, nl: str):
        self.texts = {"en": en, "nl": nl}
        Exception.__init__(self, en)

    def text(self, lang: str | None = None) -> str:
        lang = (lang or language() or "en")[:2]
        return self.texts.get(lang, self.texts["en"])

    @property  # type: ignore[override]
    def messages(self) -> list[str]:
        return [self.text()]

    def __str__(self) -> str:
        return self.text()


def _mb(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n:,} bytes"


def _n(n: int) -> str:
    return f"{n:,}"


def too_large(name: str, what_en: str, what_nl: str, limit: str) -> LimitExceeded:
    return LimitExceeded(f"{name}: {what_en} is more than the limit of {limit}.",
                         f"{name}: {what_nl} is meer dan de grens van {limit}.")


# ------------------------------------------------------------------------------------------------- zip
def check_zip(source: str | Path | bytes | IO[bytes], name: str, parse: Iterable[str] = (),
              limits: Limits | None = None, damaged: str = "{name}: the archive is damaged ({reason}).") -> list[str]:
    """Refuse a zip over the limits (members, declared and actual sizes); returns the member names.

    ``parse`` names members that a parser will build a whole tree of: each must stay within xml_part_bytes.
    A damaged archive raises UserError with the message ``damaged`` (fields name and reason).
    """
    limits = limits or current()
    handle: Any = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
            if len(infos) > limits.zip_members:
                raise too_large(name, f"the number of parts in the archive ({_n(len(infos))})",
                                f"het aantal onderdelen in het archief ({_n(len(infos))})", _n(limits.zip_members))
            declared = sum(info.file_size for info in infos)
            if declared > limits.unzipped_bytes:
                raise _unzipped(name, declared, limits)
            wanted = set(parse)
            for info in infos:
                if info.filename in wanted and info.file_size > limits.xml_part_bytes:
                    raise _part(name, info.filename, info.file_size, limits)
            total = 0
            for info in infos:
                size = 0
                with archive.open(info) as member:
                    while chunk := member.read(CHUNK):
                        size += len(chunk)
                        if size > info.file_size:
                            raise zipfile.BadZipFile(f"{info.filename} is larger than it declares")
                total += size
                if total > limits.unzipped_bytes:
                    raise _unzipped(name, total, limits)
            return [info.filename for info in infos]
    except LimitExceeded:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        reason = str(error)[:120] or type(error).__name__
        raise UserError(damaged.format(name=name, reason=reason)) from None


def _unzipped(name: str, size: int, limits: Limits) -> LimitExceeded:
    return too_large(name, f"the unpacked size ({_mb(size)} or more)", f"de uitgepakte grootte ({_mb(size)} of meer)",
                     _mb(limits.unzipped_bytes))


def _part(name: str, part: str, size: int, limits: Limits) -> LimitExceeded:
    return too_large(name, f"the part {part} ({_mb(size)})", f"het onderdeel {part} ({_mb(size)})",
                     _mb(limits.xml_part_bytes))


# ------------------------------------------------------------------------------------------ spreadsheets
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*)>")
_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]{1,3})?(\d+)["']""")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - 64)
    return number


def sheet_extent(archive: zipfile.ZipFile, member: str, name: str, limits: Limits | None = None) -> tuple[int, int]:
    """(last row, last column) of a worksheet, counted while streaming its XML; stops as soon as a limit is passed.

    Cells without an ``r`` reference take the next column, rows without one the next row, as Excel reads them.
    """
    limits = limits or current()
    last_row = last_col = row = col = 0
    rest = b""
    with archive.open(member) as stream:
        while True:
            chunk = stream.read(CHUNK)
            data = rest + chunk
            end = data.rfind(b">") + 1 if chunk else len(data)
            rest = data[end:]
            if len(rest) > CHUNK:
                raise UserError(f"{name}: the worksheet {member} is damaged (a tag longer than 1 MB).")
            for match in _TAG.finditer(data, 0, end):
                ref = _REF.search(match.group(2))
                if match.group(1) == b"row":
                    row = int(ref.group(2)) if ref else row + 1
                    col = 0
                else:
                    if ref and ref.group(1):
                        row, col = int(ref.group(2)), _column_number(ref.group(1))
                    else:
                        col += 1
                    if col > last_col:
                        last_col = col
                        if last_col > limits.columns:
                            raise too_large(name, f"the number of columns ({_n(last_col)} or more)",
                                            f"het aantal kolommen ({_n(last_col)} of meer)", _n(limits.columns))
                    last_row = max(last_row, row)
                    if last_row * last_col > limits.cells:
                        raise too_large(name, f"the number of cells ({_n(last_row)} rows × {_n(last_col)} columns)",
                                        f"het aantal cellen ({_n(last_row)} rijen × {_n(last_col)} kolommen)",
                                        _n(limits.cells))
            if not chunk:
                return last_row, last_col


def worksheets(archive: zipfile.ZipFile) -> list[str]:
    """The worksheet parts of a workbook in workbook order (from workbook.xml and its relationships)."""
    from defusedxml import ElementTree as SafeET

    names = set(archive.namelist())
    try:
        book = SafeET.fromstring(archive.read("xl/workbook.xml"))
        rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    order = []
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if path in names:
                order.append(path)
    return order


def check_workbook(path: str | Path, name: str, sheets: str = "first", limits: Limits | None = None,
                   damaged: str = "{name}: the workbook is damaged ({reason}).") -> None:
    """An .xlsx within the zip limits whose first (or every) worksheet stays within the cell limits.

    ``sheets="parts"``: every worksheet's XML within xml_part_bytes, cells not counted (for readers such as pyxform
    that stop at the first run of empty rows and columns, whatever range a sheet declares)."""
    limits = limits or current()
    check_zip(path, name, limits=limits, damaged=damaged)
    try:
        with zipfile.ZipFile(path) as archive:
            parts = worksheets(archive)
            if sheets in {"all", "parts"}:
                for part in parts:
                    if archive.getinfo(part).file_size > limits.xml_part_bytes:
                        raise _part(name, part, archive.getinfo(part).file_size, limits)
            for part in {"first": parts[:1], "all": parts}.get(sheets, []):
                sheet_extent(archive, part, name, limits)
    except UserError:
        raise
    except Exception as error:  # defusedxml refuses entities and DTD tricks; damaged XML raises many kinds
        raise UserError(damaged.format(name=name, reason=type(error).__name__)) from None


# ---------------------------------------------------------------------------------------------- text
def check_length(name: str, length: int, limits: Limits | None = None) -> None:
    """A text of ``length`` characters (or at least that many) within text_chars."""
    limits = limits or current()
    if length > limits.text_chars:
        raise LimitExceeded(
            f"{name}: the text ({_n(length)} characters or more) is more than the limit of {_n(limits.text_chars)} "
            "characters. Split it into separate documents, one per interview or story.",
            f"{name}: de tekst ({_n(length)} tekens of meer) is meer dan de grens van {_n(limits.text_chars)} "
            "tekens. Splits hem in losse documenten, één per gesprek of verhaal.")


def check_text(name: str, text: str, limits: Limits | None = None) -> str:
    check_length(name, len(text), limits)
    return text


def check_bytes(name: str, size: int, limit: int, what_en: str = "the file", what_nl: str = "het bestand") -> None:
    if size > limit:
        raise too_large(name, f"{what_en} ({_mb(size)})", f"{what_nl} ({_mb(size)})", _mb(limit))


# ---------------------------------------------------------------------------------------------- YAML
class BoundedLoaderMixin:
    """For a yaml Loader: refuse nesting deeper than yaml_depth and more than yaml_aliases aliases."""

    _depth = 0
    _aliases = 0
    source_name = "YAML"

    def compose_node(self, parent: Any, index: Any) -> Any:
        limits = current()
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            self._aliases += 1
            if self._aliases > limits.yaml_aliases:
                raise too_large(self.source_name, "the number of YAML aliases (*name)",
                                "het aantal YAML-verwijzingen (*naam)", _n(limits.yaml_aliases))
        self._depth += 1
        try:
            if self._depth > limits.yaml_depth:
                raise too_large(self.source_name, "the nesting depth", "de nestingsdiepte", _n(limits.yaml_depth))
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


def _safe_loader_base() -> type:
    """yaml.SafeLoader, or the same with libyaml's C scanner and parser where PyYAML has them (about six times
    faster: every command that reads a model pays for this, issue 13). Only the events come from C: composing
    (where BoundedLoaderMixin counts depth and aliases) and constructing stay PyYAML's own Python code, so
    limits, line numbers and the values built are the same."""
    try:
        from yaml._yaml import CParser
    except ImportError:
        return yaml.SafeLoader

    class SafeEventLoader(yaml.composer.Composer, yaml.constructor.SafeConstructor, yaml.resolver.Resolver,
                          CParser):
        def __init__(self, stream: Any) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    return SafeEventLoader


SafeLoaderBase = _safe_loader_base()


class BoundedSafeLoader(BoundedLoaderMixin, SafeLoaderBase):
    """yaml.SafeLoader within the YAML limits."""


def load_yaml(text: str, name: str, loader: type = BoundedSafeLoader) -> Any:
    """YAML text within the size, depth and alias limits, parsed with ``loader`` (a BoundedLoaderMixin)."""
    limits = current()
    size = len(text) if len(text) > limits.yaml_bytes else len(text.encode("utf-8", "replace"))
    check_bytes(name, size, limits.yaml_bytes, "the YAML text", "de YAML-tekst")
    instance = loader(text)
    instance.source_name = name
    try:
        return instance.get_single_data()
    except yaml.MarkedYAMLError as error:
        if "maximum nesting depth" in str(error.problem):  # libyaml's own bound, met first when it reads ahead
            raise too_large(name, "the nesting depth", "de nestingsdiepte", _n(limits.yaml_depth)) from None
        raise
    finally:
        instance.dispose()


# ------------------------------------------------------------------------------------------ impact models
def check_model_size(text: str, name: str) -> None:
    """A model text within model_bytes (checked before it is parsed)."""
    limit = current().model_bytes
    size = len(text) if len(text) > limit else len(text.encode("utf-8", "replace"))
    check_bytes(name, size, limit, "the model text", "de modeltekst")


def check_model_outcomes(data: Any, name: str) -> None:
    """A parsed model document with at most model_outcomes outcomes (valuation time grows with them)."""
    outcomes = data.get("outcomes") if isinstance(data, dict) else None
    limit = current().model_outcomes
    if isinstance(outcomes, list) and len(outcomes) > limit:
        raise too_large(name, f"the number of outcomes ({_n(len(outcomes))})",
                        f"het aantal effecten ({_n(len(outcomes))})", _n(limit))

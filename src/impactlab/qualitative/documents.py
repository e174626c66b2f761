"""Text from uploaded transcripts and stories: plain text, Word .docx and PDF with a text layer.

The returned text is what codings point into: offsets are positions in this string (Unicode code
points), with line ends normalised to ``\\n``. A file that is not what its name claims (wrong magic
bytes, a damaged zip, a PDF without text) raises UserError naming the file.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from impactlab.deidentify import scrub_text
from impactlab.errors import UserError
from impactlab.limits import check_length, check_text, check_zip, too_large
from impactlab.limits import current as input_limits

MAX_BYTES = 50 * 1024 * 1024
KINDS = {".txt": "text", ".text": "text", ".md": "text", ".docx": "docx", ".pdf": "pdf"}


@dataclass(frozen=True)
class ExtractedText:
    """The plain text of a document, the kind it was read as and the SHA-256 of the original bytes."""

    name: str
    kind: str
    text: str
    sha256: str


def extract_text(source: str | Path | bytes, filename: str | None = None, scrub: bool = True) -> ExtractedText:
    """Read a .txt/.md (UTF-8 or Windows-1252), .docx or .pdf given as a path or as bytes plus `filename`.

    With `scrub` e-mail addresses, Dutch phone numbers and BSNs are replaced by tags, as at import.
    """
    if isinstance(source, bytes):
        if not filename:
            raise ValueError("give the filename with the bytes")
        data, name = source, filename
    else:
        path = Path(source)
        name = filename or path.name
        try:
            if path.stat().st_size > MAX_BYTES:
                raise UserError(f"{name}: the file is larger than {MAX_BYTES // 2**20} MB")
            data = path.read_bytes()
        except FileNotFoundError:
            raise UserError(f"{name}: file not found") from None
        except OSError as error:
            raise UserError(f"{name}: cannot read the file ({error})") from None
    if len(data) > MAX_BYTES:
        raise UserError(f"{name}: the file is larger than {MAX_BYTES // 2**20} MB")
    kind = KINDS.get(Path(name).suffix.lower())
    if kind is None:
        raise UserError(f"{name}: unsupported file type; upload plain text (.txt), Word (.docx) or PDF (.pdf)")
    reader = {"text": _plain, "docx": _docx, "pdf": _pdf}[kind]
    text = check_text(name, _normalise(reader(name, data)))
    if not text.strip():
        raise UserError(f"{name}: the document contains no text")
    if scrub:
        text = scrub_text(pl.Series([text])).item()
    return ExtractedText(name=name, kind=kind, text=text, sha256=hashlib.sha256(data).hexdigest())


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _plain(name: str, data: bytes) -> str:
    if len(data) > 4 * input_limits().text_chars:  # more bytes than the longest text could take in UTF-8
        check_length(name, len(data) // 4)
    if data.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")) or b"\x00" in data[:8192]:
        raise UserError(f"{name}: this is not a plain text file (it holds binary data, e.g. a Word or PDF file)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise UserError(f"{name}: the text is neither UTF-8 nor Windows-1252; save it as UTF-8") from None


def _docx(name: str, data: bytes) -> str:
    from docx import Document  # python-docx; imported here so the rest works without it
    from docx.table import Table

    if not data.startswith(b"PK\x03\x04"):
        raise UserError(f"{name}: this is not a Word .docx file (a .docx is a zip archive; an old .doc is not "
                        "supported, save it as .docx)")
    # members, declared and actual unpacked sizes, and the body XML within the limits before python-docx
    # builds its tree (a 595 KB file can unpack to 193 MB of XML: minutes and gigabytes)
    members = check_zip(data, name, parse=["word/document.xml"],
                        damaged="{name}: the Word document is damaged and cannot be read ({reason})")
    if "word/document.xml" not in members:
        raise UserError(f"{name}: this zip archive is not a Word document (no word/document.xml)")
    try:
        document = Document(io.BytesIO(data))
    except UserError:
        raise
    except Exception as error:  # python-docx and zipfile raise many kinds for damaged files
        raise UserError(f"{name}: the Word document is damaged and cannot be read ({type(error).__name__})") from None
    blocks: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            blocks += [" | ".join(cell.text for cell in row.cells) for row in block.rows]
        else:
            blocks.append(block.text)
    return "\n".join(blocks)


def _pdf(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.lstrip()[:5] == b"%PDF-":
        raise UserError(f"{name}: this is not a PDF file (it does not start with %PDF-)")
    limits = input_limits()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UserError(f"{name}: the PDF is password protected")
        if len(reader.pages) > limits.pdf_pages:
            raise too_large(name, f"the number of pages ({len(reader.pages):,})",
                            f"het aantal pagina's ({len(reader.pages):,})", f"{limits.pdf_pages:,}")
        pages, length = [], 0
        for page in reader.pages:  # stop as soon as the text passes the limit
            pages.append(page.extract_text() or "")
            length += len(pages[-1])
            check_length(name, length)
    except UserError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        raise UserError(f"{name}: the PDF is damaged and cannot be read ({type(error).__name__})") from None
    if not any(page.strip() for page in pages):
        raise UserError(f"{name}: the PDF has no text layer (a scan?); run text recognition (OCR) first")
    return "\n\n".join(page.strip("\n") for page in pages)

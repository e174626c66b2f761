"""Uploaded data files: type by content, a private folder until import, preview, and the column mapping.

The raw file holds direct identifiers: it is written under ``VAR_DIR/uploads/<upload id>/`` (mode 0600), read
once for the preview in a background job (``dataset.preview``; identifier-like columns masked, a few rows
stored with the upload), and deleted on every end of the upload: imported, rejected, failed (also when the
worker died), discarded, or expired (not mapped within a day).
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from impactlab.deidentify import find_identifiers, mask_frame
from impactlab.errors import UserError
from impactlab.io.formats import answer_codes
from impactlab.io.mapping import instrument_defaults, parse_mapping
from impactlab.io.pseudonymise import is_identifier_name
from impactlab.io.readers import read_table

MAX_BYTES = 50 * 1024 * 1024
PREVIEW_ROWS = 8
MASK = "•••"
ROLES = ("skip", "respondent_id", "wave", "group", "item", "identifier", "date_of_birth", "free_text", "keep")
STALE_AFTER = dt.timedelta(days=1)


class BadFile(Exception):
    """A message for the user about the uploaded file itself."""


def max_bytes() -> int:
    return int(getattr(settings, "IMPACTLAB_UPLOAD_MAX_BYTES", MAX_BYTES))


def root() -> Path:
    return Path(settings.VAR_DIR) / "uploads"


def sniff(head: bytes) -> str:
    """The format from the first bytes (never from the name): xlsx, sav or csv; BadFile otherwise."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise BadFile(_("This is an old Excel (.xls) file: save it as .xlsx or CSV and upload that."))
    if not head.strip():
        raise BadFile(_("The file is empty."))
    if b"\x00" in head:
        raise BadFile(_("This is not a CSV, Excel (.xlsx) or SPSS (.sav) file."))
    for encoding in ("utf-8", "cp1252"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError as error:
            if error.start >= len(head) - 4:  # a multi-byte character cut at the end of the sample
                text = head[: error.start].decode(encoding)
                break
    else:  # pragma: no cover - cp1252 decodes nearly everything
        raise BadFile(_("This is not a CSV, Excel (.xlsx) or SPSS (.sav) file."))
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if not any(sep in first for sep in ",;\t|"):
        raise BadFile(_("This does not look like a CSV file: its first line has no column separators."))
    return "csv"


def save(upload: UploadedFile, folder_name: str) -> tuple[Path, str]:
    """Write the upload to its private folder under the format its content shows; (path, format)."""
    if upload.size > max_bytes():
        raise BadFile(_("The file is larger than %(mb)d MB.") % {"mb": max_bytes() // (1024 * 1024)})
    if upload.size == 0:
        raise BadFile(_("The file is empty."))
    head = next(upload.chunks(4096), b"")[:4096]
    upload.seek(0)
    fmt = sniff(head)
    # a neutral name: the user's file name may name a client, and it travels into the snapshot's metadata
    path = store_raw(upload, folder_name, f"upload-{folder_name[:8]}.{fmt}")
    if fmt == "xlsx" and not _is_workbook(path):
        discard(path)
        raise BadFile(_("This is a ZIP file but not an Excel workbook (.xlsx)."))
    return path, fmt


def store_raw(upload: UploadedFile, folder_name: str, name: str) -> Path:
    """Write an uploaded file, chunk by chunk, to its private folder (0700) as `name` (0600), until a job reads it."""
    folder = root() / folder_name
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    path.chmod(0o600)
    return path


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def discard(path: str | Path | None) -> None:
    """Delete a raw upload and its folder."""
    if not path:
        return
    folder = Path(path).parent
    if folder.parent == root():
        shutil.rmtree(folder, ignore_errors=True)
    else:
        Path(path).unlink(missing_ok=True)


def discard_stale() -> int:
    """Delete raw files of uploads nobody mapped within a day (they expire)."""
    from impactlab_web.data.models import Upload

    stale = Upload.objects.filter(state__in=(Upload.State.READING, Upload.State.MAPPING),
                                  created_at__lt=timezone.now() - STALE_AFTER)
    count = 0
    for upload in stale:
        discard(upload.path)
        upload.path = ""
        upload.state = Upload.State.EXPIRED
        upload.save(update_fields=["path", "state"])
        count += 1
    return count


def preview(path: Path) -> dict[str, Any]:
    """Columns, the first rows (identifier-like columns masked), the row count; BadFile when unreadable."""
    try:
        table = read_table(path)
    except UserError as error:
        raise BadFile(" ".join(error.messages)) from None
    columns = table.columns
    masked = {c for c in columns if is_identifier_name(c)}
    # identifiers by content, whatever the column is called: their role is guessed as "identifier", and every
    # value that looks like one is masked in the stored rows (so none is kept with the upload)
    found: dict[str, list[str]] = {}
    for finding in find_identifiers(table.data, {c: c for c in table.data.columns if c not in masked}):
        found.setdefault(finding.column, []).append(finding.kind)
    head = table.data.head(PREVIEW_ROWS)
    head = mask_frame(head)
    rows = [[MASK if c in masked and v not in (None, "") else ("" if v is None else str(v))
             for c, v in zip(head.columns, row, strict=True)] for row in head.iter_rows()]
    if table.data.height == 0:
        raise BadFile(_("The file has a header but no data rows."))
    codes = answer_codes(table.data.drop(sorted(masked | set(found))))  # per coded column: answers, counts
    return {"columns": columns, "rows": rows, "n": table.data.height, "masked": sorted(masked), "identifiers": found,
            "warnings": table.warnings, "labels": table.variable_labels, "codes": codes}


RESPONDENT_NAMES = ("respondent_id", "respondent", "respondentnr", "client_nr", "clientnr", "client_id", "id",
                    "deelnemer", "deelnemernummer", "resp_id")
WAVE_NAMES = ("wave", "meting", "golf", "meetmoment", "ronde", "quarter", "kwartaal")
DOB_NAMES = ("date_of_birth", "geboortedatum", "dob", "birth_date")
TEXT_NAMES = ("remarks", "toelichting", "opmerking", "opmerkingen", "comments", "comment")
GROUP_NAMES = ("district", "wijk", "group", "groep", "team", "buurt", "neighbourhood", "gender", "geslacht")


def guess_roles(columns: list[str], instrument: str | None, identifiers: Iterable[str] = ()) -> dict[str, str]:
    """A first guess of each column's role from its name, and from its content for `identifiers` (columns whose
    values look like identifiers: ``preview()["identifiers"]``); the user checks and corrects it."""
    codes = set(instrument_defaults(instrument)) if instrument else set()
    by_content = set(identifiers)
    roles = {}
    for column in columns:
        low = column.lower()
        if low in DOB_NAMES:
            roles[column] = "date_of_birth"
        elif low in RESPONDENT_NAMES and "respondent_id" not in roles.values():
            roles[column] = "respondent_id"
        elif low in WAVE_NAMES and "wave" not in roles.values():
            roles[column] = "wave"
        elif is_identifier_name(column) or (column in by_content and low not in RESPONDENT_NAMES):
            roles[column] = "identifier"
        elif column in codes:
            roles[column] = "item"
        elif low in TEXT_NAMES:
            roles[column] = "free_text"
        elif low in GROUP_NAMES:
            roles[column] = "group"
        else:
            roles[column] = "skip"
    return roles


def guess_instrument(columns: list[str]) -> str | None:
    """The instrument whose item codes are most often column names (None when none match)."""
    from impactlab.evidence.instruments import list_instruments

    names = set(columns)
    best, hits = None, 0
    for instrument in list_instruments():
        found = sum(item.code in names for item in instrument.items)
        if found > hits or (found == hits and best is not None and found and len(instrument.items) == found):
            best, hits = instrument.id, found
    return best if hits else None


def build_mapping(roles: dict[str, str], *, wave_value: str, instrument: str | None,
                  missing_codes: list[str], answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """The core's mapping (``impactlab.io.mapping``) from the roles chosen per column, with the answer step's
    ``answer_format`` and ``recode`` (``answers``); UserError when invalid."""
    def having(role: str) -> list[str]:
        return [c for c, r in roles.items() if r == role]

    problems = []
    ids = having("respondent_id")
    if len(ids) != 1:
        problems.append(_("Choose exactly one column as the respondent id (now %(n)d).") % {"n": len(ids)})
    waves = having("wave")
    if len(waves) > 1:
        problems.append(_("Choose at most one wave column."))
    if bool(waves) == bool(wave_value):
        problems.append(_("Choose a wave column, or give the wave of the whole file (such as T0), not both."))
    items = having("item")
    if items and not instrument:
        problems.append(_("Item columns need an instrument."))
    for role in ("date_of_birth",):
        if len(having(role)) > 1:
            problems.append(_("Choose at most one date-of-birth column."))
    if problems:
        raise UserError(problems)
    mapping: dict[str, Any] = {"respondent_id": ids[0]}
    mapping |= {"wave": waves[0]} if waves else {"wave_value": wave_value}
    for role, key in (("group", "group"), ("identifier", "identifiers"), ("free_text", "free_text"), ("keep", "keep")):
        if having(role):
            mapping[key] = having(role)
    if having("date_of_birth"):
        mapping["date_of_birth"] = having("date_of_birth")[0]
    if instrument:
        mapping["instrument"] = instrument
        codes = list(instrument_defaults(instrument))
        if items:
            mapping["items"] = _item_codes(items, codes)
            codes_missing = [code for code in codes if code not in mapping["items"]]
            if codes_missing:
                raise UserError(_("The instrument %(instrument)s has items %(codes)s without a column.")
                                % {"instrument": instrument, "codes": ", ".join(codes_missing)})
        mapping |= answers or {}
        if missing_codes:
            mapping["missing_codes"] = {code: [_code(m) for m in missing_codes] for code in mapping.get("items", codes)}
    parse_mapping(mapping, _("mapping"))  # the core's own checks (one role per column, known instrument, ...)
    return mapping


def _item_codes(columns: list[str], codes: list[str]) -> dict[str, str]:
    """Item code -> column: columns named by an item code keep it, the others take the free codes in order."""
    out = {c: c for c in columns if c in codes}
    free = [code for code in codes if code not in out]
    rest = [c for c in columns if c not in out]
    if len(rest) > len(free):
        raise UserError(_("There are more item columns (%(n)d) than the instrument has items (%(m)d).")
                        % {"n": len(columns), "m": len(codes)})
    out |= dict(zip(free, rest, strict=False))
    return out


def _code(text: str) -> int | float | str:
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number

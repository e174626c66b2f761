"""Read an XLSForm (.xlsx with survey, choices and settings sheets, as used by KoboToolbox and ODK).

Supported: select_one / select_multiple (choices from the choices sheet), integer, decimal, date, text,
note, range (``parameters`` ``start=… end=… step=1`` becomes a scale), groups (flattened; a group's
``relevant`` is added to each question in it), ``required``, ``relevant`` and ``constraint`` in the simple
forms of `impactlab.fieldwork.xpath`, ``constraint_message``, ``hint``, labels in Dutch and English
(``label``, ``label::Nederlands (nl)``, ``label::English (en)``, ``label::nl``...). Metadata rows (start,
end, today, deviceid, username...) are skipped: they are collected by a device, not asked, and several
identify a person. Every problem raises one UserError naming file, sheet, row and column.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import ValidationError

from impactlab.errors import UserError
from impactlab.evidence.instruments import LocalText
from impactlab.fieldwork.conditions import Condition, ConditionError, Value, all_of
from impactlab.fieldwork.questionnaire import Question, Questionnaire, condition_problems
from impactlab.fieldwork.xpath import translate
from impactlab.limits import check_workbook

SIMPLE_TYPES = {"integer": "integer", "decimal": "decimal", "date": "date", "text": "text", "note": "note"}
METADATA_TYPES = {
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email", "audit",
    "start-geopoint", "background-geopoint",
}
UNSUPPORTED_TYPES = {
    "calculate", "hidden", "geopoint", "geotrace", "geoshape", "image", "audio", "video", "file", "barcode",
    "acknowledge", "time", "datetime", "rank", "begin_repeat", "end_repeat", "trigger", "background-audio",
    "xml-external", "csv-external", "select_one_from_file", "select_multiple_from_file",
}
_LANGUAGE_NAMES = {"dutch": "nl", "nederlands": "nl", "nl": "nl", "english": "en", "engels": "en", "en": "en"}
_TRUE = {"yes", "true", "true()", "1", "ja"}
_FALSE = {"", "no", "false", "false()", "0", "nee"}
MAX_ERRORS = 30


class _Sheet:
    """One sheet as header names (lower case) and non-empty rows with their spreadsheet row numbers."""

    def __init__(self, name: str, rows: list[tuple[Any, ...]]):
        self.name = name
        header = rows[0] if rows else ()
        self.columns = [str(c).strip().lower() if c is not None else "" for c in header]
        self.rows: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(rows[1:], start=2):
            cells = {col: _cell(v) for col, v in zip(self.columns, values, strict=False) if col}
            if any(v != "" for v in cells.values()):
                self.rows.append((number, cells))


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value.strip() if isinstance(value, str) else value


def _language(suffix: str) -> str | None:
    """'nl' or 'en' for a language suffix such as 'Nederlands (nl)', 'English', 'en'; None otherwise."""
    code = re.search(r"\(([A-Za-z-]+)\)\s*$", suffix)
    key = (code.group(1) if code else suffix).strip().lower().split("-")[0]
    return _LANGUAGE_NAMES.get(key)


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.errors: list[str] = []
        self.survey = _Sheet("survey", [])

    def error(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        where = [str(self.path), f"sheet '{sheet}'"]
        where += [f"row {row}"] if row is not None else []
        where += [f"column '{column}'"] if column else []
        self.errors.append(f"{', '.join(where)}: {message}")

    def raise_errors(self) -> None:
        if self.errors:
            extra = [f"... and {len(self.errors) - MAX_ERRORS} more"] if len(self.errors) > MAX_ERRORS else []
            raise UserError(self.errors[:MAX_ERRORS] + extra)

    # ------------------------------------------------------------------------------------- workbook
    def sheets(self) -> dict[str, _Sheet]:
        if not self.path.is_file():
            raise UserError(f"{self.path}: file not found")
        # unpacked size and every sheet's cells within the limits before openpyxl reads anything; XML is parsed
        # with defusedxml (openpyxl uses it when installed): a DOCTYPE or entity is refused, never expanded
        check_workbook(self.path, str(self.path), sheets="all",
                       damaged="{name}: not a readable .xlsx workbook ({reason})")
        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise UserError(f"{self.path}: not a readable .xlsx workbook ({error})") from None
        except (DefusedXmlException, SyntaxError) as error:
            raise UserError(f"{self.path}: not a readable .xlsx workbook ({type(error).__name__})") from None
        try:
            return {ws.title.strip().lower(): _Sheet(ws.title, list(ws.iter_rows(values_only=True)))
                    for ws in workbook.worksheets}
        except (DefusedXmlException, SyntaxError, KeyError, ValueError, TypeError) as error:
            raise UserError(f"{self.path}: a sheet cannot be read ({type(error).__name__})") from None
        finally:
            workbook.close()

    def text(self, sheet: _Sheet, cells: dict[str, Any], base: str, default: str) -> LocalText | None:
        """A LocalText from `base` and `base::<language>` columns; plain `base` counts as `default`."""
        found: dict[str, str] = {}
        for column in sheet.columns:
            if column.startswith(f"{base}::"):
                language = _language(column.split("::", 1)[1])
                if language and cells.get(column, "") != "":
                    found[language] = str(cells[column])
        if cells.get(base, "") != "":
            found.setdefault(default, str(cells[base]))
        return LocalText(**found) if found else None

    # -------------------------------------------------------------------------------------- choices
    def choices(self, sheet: _Sheet | None, default: str) -> dict[str, list[dict[str, Any]]]:
        lists: dict[str, list[dict[str, Any]]] = {}
        if sheet is None:
            return lists
        for column in ("list_name", "name"):
            if column not in sheet.columns:
                self.error("choices", 1, column, "this column is missing")
                return lists
        seen: dict[tuple[str, Any], int] = {}
        for row, cells in sheet.rows:
            list_name, name = str(cells.get("list_name", "")), cells.get("name", "")
            if not list_name or name == "":
                self.error("choices", row, "list_name" if not list_name else "name", "must not be empty")
                continue
            code = name if isinstance(name, int) else (int(name) if re.fullmatch(r"-?\d+", str(name)) else str(name))
            if (list_name, code) in seen:
                self.error("choices", row, "name",
                           f"choice '{name}' appears twice in list '{list_name}' (also row {seen[list_name, code]})")
                continue
            seen[list_name, code] = row
            label = self.text(sheet, cells, "label", default) or LocalText(**{default: str(name)})
            lists.setdefault(list_name, []).append({"code": code, "label": label})
        return lists

    # --------------------------------------------------------------------------------------- survey
    def questions(self, sheet: _Sheet, lists: dict[str, list[dict[str, Any]]], default: str,
                  has_choices_sheet: bool) -> list[Question]:
        missing = [column for column in ("type", "name") if column not in sheet.columns]
        for column in missing:
            self.error("survey", 1, column, "this column is missing")
        if missing:
            return []
        self.survey = sheet
        groups: list[tuple[int, Condition | None]] = []
        questions: dict[str, Question] = {}
        rows: dict[str, int] = {}
        for row, cells in sheet.rows:
            kind, argument = self.type_of(row, str(cells.get("type", "")))
            if kind in {"skip", "invalid"}:
                continue
            if kind in {"begin_group", "end_group"}:
                self.group(row, kind, cells, groups, questions)
                continue
            name = str(cells.get("name", ""))
            if not name:
                self.error("survey", row, "name", "a question needs a name")
                continue
            if name in rows:
                self.error("survey", row, "name", f"name '{name}' is also used on row {rows[name]}")
                continue
            rows[name] = row
            data = self.question_data(row, cells, kind, argument, lists, default, has_choices_sheet)
            if data is None:
                continue
            question = self.build(row, cells, data, groups, questions)
            if question is not None:
                questions[name] = question
        for row, _condition in groups:
            self.error("survey", row, "type", "begin_group without a matching end_group")
        return list(questions.values())

    def type_of(self, row: int, text: str) -> tuple[str, str | None]:
        parts = text.split()
        if not parts:
            self.error("survey", row, "type", "the type is empty")
            return "invalid", None
        head = parts[0].lower()
        if head in {"begin", "end"} and len(parts) > 1:  # 'begin group' is the same as 'begin_group'
            head, parts = f"{head}_{parts[1].lower()}", [f"{head}_{parts[1]}", *parts[2:]]
        if head in {"begin_group", "end_group"}:
            return head, None
        if head in {"select_one", "select_multiple"}:
            if len(parts) != 2:
                extra = " ('or_other' is not supported)" if "or_other" in parts else ""
                self.error("survey", row, "type", f"expected '{head} <list_name>', got {text!r}{extra}")
                return "invalid", None
            return head, parts[1]
        if head in SIMPLE_TYPES or head == "range":
            return head, None
        if head in METADATA_TYPES:
            return "skip", None
        reason = "is not supported by impactlab" if head in UNSUPPORTED_TYPES else "is not an XLSForm question type"
        self.error("survey", row, "type", f"type '{parts[0]}' {reason}")
        return "invalid", None

    def group(self, row: int, kind: str, cells: dict[str, Any], groups: list, known: dict[str, Question]) -> None:
        if kind == "end_group":
            if groups:
                groups.pop()
            else:
                self.error("survey", row, "type", "end_group without a begin_group")
            return
        groups.append((row, self.condition(row, "relevant", cells.get("relevant", ""), None, known)))

    def condition(self, row: int, column: str, text: Any, current: dict[str, Any] | None,
                  known: dict[str, Question]) -> Condition | None:
        if text == "":
            return None

        def coerce(name: str, value: Value) -> Value:
            kind, codes = _target(name, current, known)
            if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
                if kind in {"integer", "decimal", "scale"}:
                    return float(value) if "." in value else int(value)
                if codes and isinstance(codes[0], int) and "." not in value:
                    return int(value)
            return value

        try:
            return translate(str(text), coerce)
        except ConditionError as error:
            self.error("survey", row, column, f"cannot use {text!r}: {error}")
            return None

    def question_data(self, row: int, cells: dict[str, Any], kind: str, argument: str | None,
                      lists: dict[str, list[dict[str, Any]]], default: str, has_choices: bool) -> dict[str, Any] | None:
        data: dict[str, Any] = {"type": SIMPLE_TYPES.get(kind, kind)}
        if kind in {"select_one", "select_multiple"}:
            data["type"] = "single_choice" if kind == "select_one" else "multiple_choice"
            if argument not in lists:
                why = "there is no 'choices' sheet" if not has_choices else "the choices sheet has no such list_name"
                self.error("survey", row, "type", f"list '{argument}' has no choices ({why})")
                return None
            data["choices"] = lists[argument]
            if cells.get("choice_filter", "") != "":
                self.error("survey", row, "choice_filter", "choice filters are not supported")
                return None
        if kind == "range":
            data |= self.range(row, str(cells.get("parameters", "")))
        text = self.text(self.survey, cells, "label", default)
        data["text"] = text or LocalText(**{default: str(cells.get("name"))})
        for field, base in (("hint", "hint"), ("constraint_message", "constraint_message")):
            value = self.text(self.survey, cells, base, default)
            if value is not None:
                data[field] = value
        required = str(cells.get("required", "")).lower()
        if required not in _TRUE | _FALSE:
            self.error("survey", row, "required", f"expected yes or no, got {cells.get('required')!r}")
            return None
        data["required"] = required in _TRUE and kind != "note"
        return data

    def range(self, row: int, text: str) -> dict[str, Any]:
        params = dict(re.findall(r"(\w+)\s*=\s*(-?[\d.]+)", text))
        try:
            start, end, step = (float(params.get(k, d)) for k, d in (("start", 1), ("end", 10), ("step", 1)))
        except ValueError:
            start, end, step = 0.0, 0.0, 0.0
        if step != 1 or not start.is_integer() or not end.is_integer() or start >= end:
            self.error("survey", row, "parameters",
                       f"a range needs whole numbers start < end and step=1, got {text!r}")
            return {"min": 1, "max": 10}
        return {"type": "scale", "min": int(start), "max": int(end)}

    def build(self, row: int, cells: dict[str, Any], data: dict[str, Any], groups: list,
              known: dict[str, Question]) -> Question | None:
        relevant = self.condition(row, "relevant", cells.get("relevant", ""), data, known)
        constraint = self.condition(row, "constraint", cells.get("constraint", ""), data, known)
        parts = [c for _, c in groups if c is not None] + ([relevant] if relevant is not None else [])
        if parts:
            data["show_if"] = str(all_of(parts))
        if constraint is not None:
            data["constraint"] = str(constraint)
        try:
            question = Question(id=str(cells["name"]), **data)
        except ValidationError as error:
            for problem in error.errors():
                column = {"id": "name", "min": "parameters", "max": "parameters"}.get(str(problem["loc"][0]), "type") \
                    if problem["loc"] else "type"
                self.error("survey", row, column, problem["msg"].removeprefix("Value error, "))
            return None
        for problem in condition_problems(question, known):
            self.error("survey", row, "constraint" if ", constraint:" in problem else "relevant", problem)
        return question


def _target(name: str, current: dict[str, Any] | None, known: dict[str, Question]) -> tuple[str | None, list]:
    """Type and choice codes of the question a condition compares ('.' is the question being read)."""
    if name == ".":
        return (current.get("type"), [c["code"] for c in current.get("choices", [])]) if current else (None, [])
    question = known.get(name)
    return (question.type, question.codes) if question else (None, [])


def _settings(sheet: _Sheet | None) -> dict[str, Any]:
    return dict(sheet.rows[0][1]) if sheet is not None and sheet.rows else {}


def _form_id(value: str, path: Path) -> str:
    text = re.sub(r"[^a-z0-9_-]+", "-", (value or path.stem).lower()).strip("-_")
    return text or "questionnaire"


def read_xlsform(path: str | Path) -> Questionnaire:
    """A Questionnaire from an XLSForm workbook; every problem raises one UserError (file, sheet, row, column)."""
    path = Path(path)
    reader = _Reader(path)
    sheets = reader.sheets()
    if "survey" not in sheets:
        raise UserError(f"{path}: sheet 'survey' is missing (found: {', '.join(sorted(sheets)) or 'no sheets'})")
    settings = _settings(sheets.get("settings"))
    default = _language(str(settings.get("default_language", ""))) or "nl"
    lists = reader.choices(sheets.get("choices"), default)
    questions = reader.questions(sheets["survey"], lists, default, "choices" in sheets)
    reader.raise_errors()
    if not questions:
        raise UserError(f"{path}, sheet 'survey': the form has no questions")
    title = str(settings.get("form_title", "")) or path.stem
    try:
        return Questionnaire(
            id=_form_id(str(settings.get("form_id", "")), path),
            title=LocalText(**{default: title}),
            version=str(settings.get("version", "")) or "1",
            items=questions,
        )
    except ValidationError as error:
        raise UserError([f"{path}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors()]) from None

"""Read an XLSForm (KoboToolbox, ODK) with pyxform, the reference converter, into impactlab's questionnaire.

pyxform reads the workbook (.xlsx, .xls; ``list name`` with a space, legacy type names such as ``select one x``,
``imei``, ``uri:deviceid``, header aliases) and refuses what it does not accept; its messages are passed on with
the sheet and row it names. Its survey JSON is then turned into a `Questionnaire` for every feature impactlab can
run; every feature it cannot run yet is refused with a message naming file, sheet, row, column and feature
(`check_xlsform` lists them all, `read_xlsform` raises them). Metadata rows (start, end, deviceid, username...) are
left out: a device collects them, nobody answers them, and several identify a person. Expressions (relevant,
constraint) are translated by `impactlab.fieldwork.xpath`. Format, features and the road chosen for the rest:
docs/fieldwork.md.
"""

from __future__ import annotations

import re
import warnings as python_warnings
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from pydantic import ValidationError

from impactlab.errors import UserError
from impactlab.evidence.instruments import LocalText
from impactlab.fieldwork.conditions import Condition, ConditionError, Value, all_of
from impactlab.fieldwork.questionnaire import Question, Questionnaire, condition_problems
from impactlab.fieldwork.xpath import translate
from impactlab.limits import check_bytes, check_workbook, current

__all__ = ["FormReport", "Problem", "check_xlsform", "read_xlsform"]

MAX_ERRORS = 30
_LANGUAGE_NAMES = {"dutch": "nl", "nederlands": "nl", "nl": "nl", "english": "en", "engels": "en", "en": "en"}
_TRUE = {"yes", "true", "true()", "1", "ja"}
_FALSE = {"", "no", "false", "false()", "0", "nee"}
# what each refused feature is called in messages (and in `forms check` output)
NOT_YET = {
    "time": "time questions",
    "datetime": "date-and-time questions",
    "geopoint": "geopoint questions",
    "geotrace": "geotrace questions",
    "geoshape": "geoshape questions",
    "media": "file, photo, audio and video questions",
    "barcode": "barcode questions",
    "rank": "rank questions",
    "calculate": "calculate and hidden fields",
    "repeat": "repeats",
    "choice_filter": "choice filters (cascading selects)",
    "external_choices": "choices from an attached file (select_one_from_file, select_one_external, search())",
    "default": "defaults given as expressions",
    "read_only": "read-only questions",
    "calculation": "calculations",
    "dynamic_required": "required given as an expression",
    "trigger": "triggers",
    "label_media": "images, audio or video in labels",
    "entities": "entities",
    "expression": "this expression",
    "languages": "labels only in languages other than Dutch and English",
    "range": "ranges other than whole numbers in steps of 1",
    "osm": "OpenStreetMap questions",
    "include": "included sections",
    "loop": "loops",
    "unknown_type": "this type",
}
_SKIPPED_METADATA = "metadata (collected by a device, not asked: left out)"


@dataclass(frozen=True)
class Problem:
    """One thing that stops impactlab from running the form: where it is and which feature it is."""

    feature: str
    message: str
    sheet: str = "survey"
    row: int | None = None
    column: str | None = None

    def text(self, source: str) -> str:
        where = [source] + ([f"sheet '{self.sheet}'"] if self.sheet else [])
        where += [f"row {self.row}"] if self.row is not None else []
        where += [f"column '{self.column}'"] if self.column else []
        return f"{', '.join(where)}: {self.message}"


@dataclass
class FormReport:
    """What `check_xlsform` found: the questions, languages and features, and whatever stops the import."""

    source: str
    form_id: str = ""
    title: str = ""
    version: str = ""
    languages: list[str] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)
    features: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    questionnaire: Questionnaire | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.questionnaire is not None

    @property
    def messages(self) -> list[str]:
        texts = [p.text(self.source) for p in self.problems]
        extra = [f"... and {len(texts) - MAX_ERRORS} more"] if len(texts) > MAX_ERRORS else []
        return texts[:MAX_ERRORS] + extra

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.source, "ok": self.ok, "form_id": self.form_id, "title": self.title,
            "version": self.version, "languages": self.languages, "questions": self.questions,
            "features": dict(sorted(self.features.items())),
            "problems": [{"sheet": p.sheet, "row": p.row, "column": p.column, "feature": p.feature,
                          "message": p.text(self.source)} for p in self.problems],
            "warnings": self.warnings,
        }


def _language(suffix: str) -> str | None:
    """'nl' or 'en' for a language suffix such as 'Nederlands (nl)', 'English', 'en'; None otherwise."""
    code = re.search(r"\(([A-Za-z-]+)\)\s*$", suffix)
    key = (code.group(1) if code else suffix).strip().lower().split("-")[0]
    return _LANGUAGE_NAMES.get(key)


def _form_id(value: str, path: Path) -> str:
    text = re.sub(r"[^a-z0-9_-]+", "-", (value or path.stem).lower()).strip("-_")
    return text or "questionnaire"


# ------------------------------------------------------------------------------------------- pyxform
def _pyxform_problem(error: Exception) -> Problem:
    """A pyxform error as a Problem: '[row : 5] ...' names the row; the sheet is the one the message names."""
    text = str(error).strip()
    match = re.match(r"\[row\s*:\s*(\d+)\]\s*(.*)", text, re.S)
    row, rest = (int(match.group(1)), match.group(2)) if match else (None, text)
    sheet = re.search(r"On the '(\w+)' sheet", rest)
    column = re.search(r"the '([\w:]+)' (?:value|column)", rest)
    return Problem("pyxform", f"{rest} (pyxform)", sheet.group(1) if sheet else "survey", row,
                   column.group(1) if column else None)


def _read_workbook(path: Path, source: str) -> tuple[Any, dict[str, Any], list[str]]:
    """pyxform's raw sheets (DefinitionData), its survey JSON and its warnings; UserError if pyxform refuses."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    if not path.is_file():
        raise UserError(f"{source}: file not found")
    if zipfile.is_zipfile(path):
        # unpacked size and every sheet's cells within the limits before anything parses it; XML is parsed with
        # defusedxml (openpyxl uses it when installed): a DOCTYPE or entity is refused, never expanded
        check_workbook(path, source, sheets="parts", damaged="{name}: not a readable .xlsx workbook ({reason})")
    else:
        check_bytes(source, path.stat().st_size, current().xml_part_bytes)
    warnings: list[str] = []
    try:
        with python_warnings.catch_warnings():
            python_warnings.simplefilter("ignore")  # openpyxl: "unknown extension", data validation...
            try:
                book = get_xlsform(str(path))
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, OSError) as error:
                reason = type(error.__context__ or error).__name__
                raise UserError(f"{source}: not a readable .xlsx workbook ({reason})") from None
            raw = _raw_survey(book)
            data = workbook_to_json(book, form_name="data", fallback_form_name=path.stem, warnings=warnings)
    except PyXFormError as error:
        message = str(error)
        if "not recognized as a supported type" in message or "Error reading" in message:
            raise UserError(f"{source}: not a readable .xlsx workbook (nor an .xls one)") from None
        raise UserError(_pyxform_problem(error).text(source)) from None
    except DefusedXmlException as error:
        raise UserError(f"{source}: not a readable .xlsx workbook ({type(error).__name__})") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OSError) as error:
        raise UserError(f"{source}: pyxform cannot read this form ({type(error).__name__}: {error})") from None
    return raw, data, warnings


def _raw_survey(book: Any) -> list[tuple[int, str, str]]:
    """(spreadsheet row, name, type) of the survey sheet's rows, before pyxform rewrites them (row 1: header)."""
    rows = []
    for index, cells in enumerate(book.survey or [], start=2):
        name = kind = ""
        for key, value in cells.items():
            header = str(key).strip().lower()
            if header in {"name", "value", "tag"} and value not in (None, "") and not name:
                name = str(value).strip()
            elif header in {"type", "command"} and value not in (None, ""):
                kind = str(value).strip()
        rows.append((index, name, kind))
    return rows


# ---------------------------------------------------------------------------------------------- types
def _kind(element: dict[str, Any]) -> str:
    """The impactlab view of a pyxform element type (aliases resolved through pyxform's own dictionary)."""
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    kind = str(element.get("type", ""))
    if kind in {"group", "repeat", "loop", "include", "entity", "attribute", "osm", "select one external"}:
        return {"select one external": "external_choices"}.get(kind, kind)
    spec = QUESTION_TYPE_DICT.get(kind)
    if spec is None:
        return "unknown_type"
    bind, control = spec.get("bind", {}), spec.get("control", {})
    tag, bind_type = control.get("tag"), bind.get("type")
    if "jr:preload" in bind or kind in {"audit", "start-geopoint", "background-audio", "background-geopoint",
                                        "xml-external", "csv-external"}:
        return "metadata"
    if tag in {"select1", "select"}:
        itemset = str(element.get("itemset", ""))
        if re.search(r"\.(csv|xml|geojson)$", itemset, re.I):
            return "external_choices"
        return "select_one" if tag == "select1" else "select_multiple"
    if tag == "upload":
        return "osm" if kind == "osm" else "media"
    if tag == "trigger":
        return "acknowledge"
    if tag == "odk:rank":
        return "rank"
    if tag == "range":
        return "range"
    if tag is None:
        return "calculate"
    if bind.get("readonly") == "true()":
        return "note"
    return {"int": "integer", "decimal": "decimal", "date": "date", "time": "time", "dateTime": "datetime",
            "geopoint": "geopoint", "geotrace": "geotrace", "geoshape": "geoshape", "barcode": "barcode",
            "string": "text"}.get(str(bind_type), "unknown_type")


_REGEX = re.compile(r"""\s*regex\(\s*\.\s*,\s*(['"])(.*)\1\s*\)\s*""", re.S)


def _builtin_bind(element: dict[str, Any]) -> dict[str, Any]:
    """The constraint a pyxform type brings along (`phone number`: digits only; `percentage`: 0 to 100)."""
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    spec = QUESTION_TYPE_DICT.get(str(element.get("type", "")), {}).get("bind", {})
    return {"constraint": spec["constraint"]} if "constraint" in spec else {}


_QUESTION_TYPES = {"select_one": "single_choice", "select_multiple": "multiple_choice", "integer": "integer",
                   "decimal": "decimal", "date": "date", "text": "text", "note": "note", "range": "scale",
                   "acknowledge": "single_choice"}


# ------------------------------------------------------------------------------------------- converter
class _Converter:
    def __init__(self, source: str, raw: list[tuple[int, str, str]], data: dict[str, Any], report: FormReport):
        self.source, self.data, self.report = source, data, report
        self.rows: dict[str, list[int]] = {}
        self.types = {row: kind for row, _name, kind in raw}
        for row, name, _kind in raw:
            if name:
                self.rows.setdefault(name, []).append(row)
        self.last_row: int | None = None
        self.default = _language(str(data.get("default_language", ""))) or _only_language(data) or "nl"
        self.dropped_languages: set[str] = set()
        self.questions: dict[str, Question] = {}
        self.refused: set[str] = set()
        self.media_lists: set[str] = set()
        self.question_rows: dict[str, int | None] = {}

    # ------------------------------------------------------------------------------------ messages
    def refuse(self, feature: str, row: int | None, column: str | None, detail: str = "",
               sheet: str = "survey") -> None:
        what = NOT_YET.get(feature, feature)
        self.report.problems.append(
            Problem(feature, detail or f"impactlab cannot run {what} yet", sheet, row, column))
        self.report.features[feature] += 1

    def error(self, row: int | None, column: str | None, message: str, feature: str = "form") -> None:
        self.report.problems.append(Problem(feature, message, "survey", row, column))

    def row_of(self, name: str, fallback: int | None) -> int | None:
        rows = self.rows.get(name)
        return rows.pop(0) if rows else fallback

    # ---------------------------------------------------------------------------------------- texts
    def text(self, value: Any) -> LocalText | None:
        """A LocalText from pyxform's label (a text, or a dict language -> text); other languages noted."""
        if value in (None, ""):
            return None
        items = value.items() if isinstance(value, dict) else [("default", value)]
        found: dict[str, str] = {}
        for language, text in items:
            if text in (None, ""):
                continue
            code = self.default if language == "default" else _language(str(language))
            if code is None:
                self.dropped_languages.add(str(language))
                continue
            found.setdefault(code, str(text))
        return LocalText(**found) if found else None

    def languages(self, value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            yield from (str(k) for k in value)
        elif value not in (None, ""):
            yield "default"

    # ---------------------------------------------------------------------------------------- walk
    def run(self) -> list[Question]:
        self.walk(self.data.get("children", []), [], None, repeat=None)
        return list(self.questions.values())

    def walk(self, children: list[dict[str, Any]], groups: list[Condition], parent_row: int | None,
             repeat: str | None) -> None:
        for element in children:
            kind = _kind(element)
            name = str(element.get("name", ""))
            if kind == "group" and element.get("control", {}).get("bodyless") and name == "meta":
                continue  # pyxform's own meta/instanceID
            row = self.row_of(name, self.last_row if name.endswith("_other") else parent_row)
            self.last_row = row
            for language in self.languages(element.get("label")):
                self.report.languages.append(language) if language not in self.report.languages else None
            if kind in {"group", "repeat", "loop"}:
                self.container(element, kind, name, row, groups, repeat)
                continue
            if kind == "metadata":
                self.report.features[_SKIPPED_METADATA] += 1
                continue
            self.report.questions.append({"name": name, "type": str(element.get("type")), "row": row,
                                          "label": self.label_text(element.get("label"))})
            if kind not in _QUESTION_TYPES:
                column = "type"
                if kind == "unknown_type":
                    self.error(row, "type", f"'{element.get('type')}' is not an XLSForm question type (pyxform "
                               "does not know it)", "unknown_type")
                    continue
                if kind == "calculate" and element.get("bind", {}).get("calculate"):
                    column = "calculation"
                self.refuse(kind, row, column)
                self.refused.add(name)
                continue
            self.report.features[kind] += 1
            if repeat is not None:
                continue  # the repeat is refused once, on its begin row
            self.question(element, kind, name, row, groups)

    @staticmethod
    def label_text(value: Any) -> str:
        if isinstance(value, dict):
            return str(next(iter(value.values()), ""))
        return "" if value is None else str(value)

    def container(self, element: dict[str, Any], kind: str, name: str, row: int | None, groups: list[Condition],
                  repeat: str | None) -> None:
        if kind == "group":
            self.report.features[kind] += 1  # repeats and loops are counted where they are refused
        if "field-list" in str(element.get("control", {}).get("appearance", "")):
            self.report.features["field-list"] += 1
        if kind != "group":
            count = element.get("control", {}).get("jr:count")
            detail = (f"impactlab cannot run repeats yet ('{name}'"
                      + (f", repeat_count {count}" if count else "") + "); they are read, and will be stored as "
                      "one row per repeat instance linked to the respondent")
            if repeat is None:
                self.refuse(kind, row, "type", detail if kind == "repeat" else "")
            self.walk(element.get("children", []), groups, row, repeat=repeat or name)
            return
        relevant = element.get("bind", {}).get("relevant")
        condition = self.condition(row, "relevant", relevant, None) if relevant else None
        inner = [*groups, condition] if condition is not None else groups
        if any(key in element.get("bind", {}) for key in ("calculate", "readonly")):
            self.refuse("read_only", row, "read_only")
        self.walk(element.get("children", []), inner, row, repeat)

    # ------------------------------------------------------------------------------------ questions
    def question(self, element: dict[str, Any], kind: str, name: str, row: int | None,
                 groups: list[Condition]) -> None:
        bind = {**_builtin_bind(element), **element.get("bind", {})}
        data: dict[str, Any] = {"type": _QUESTION_TYPES[kind]}
        refused = len(self.report.problems)
        if kind in {"select_one", "select_multiple"}:
            data["choices"] = self.choices(element, row)
            if element.get("choice_filter"):
                self.refuse("choice_filter", row, "choice_filter")
            if re.search(r"\bor[_ ](other|specify other)\s*$", self.types.get(row or 0, "")):
                self.report.features["or_other"] += 1
            appearance = str(element.get("control", {}).get("appearance", ""))
            if "search(" in appearance:
                self.refuse("external_choices", row, "appearance")
        elif kind == "acknowledge":
            data["choices"] = [{"code": "OK", "label": LocalText(en="OK", nl="OK")}]
        elif kind == "range":
            data |= self.range(row, element.get("parameters", {}))
        data["text"] = self.text(element.get("label")) or LocalText(**{self.default: name})
        if self.text(element.get("label")) is None and element.get("label"):
            self.refuse("languages", row, "label", "the label has no Dutch or English text (impactlab keeps "
                        "texts in Dutch and English only, yet)")
        for target, value in (("hint", element.get("hint")), ("constraint_message", bind.get("jr:constraintMsg")),
                              ("required_message", bind.get("jr:requiredMsg"))):
            text = self.text(value)
            if text is not None:
                data[target] = text
                self.report.features[target] += 1
        if element.get("media"):
            self.refuse("label_media", row, "media::" + next(iter(element["media"]), "image"))
        required = str(bind.get("required", "")).strip()
        if required.lower() not in _TRUE | _FALSE:
            self.refuse("dynamic_required", row, "required")
        data["required"] = required.lower() in _TRUE and kind != "note"
        if data["required"]:
            self.report.features["required"] += 1
        if not data["required"]:
            data.pop("required_message", None)
        default = element.get("default")
        if default not in (None, ""):
            if re.search(r"\(|\$\{|^\.|/", str(default)):
                self.refuse("default", row, "default", f"impactlab cannot run a default given as an expression "
                            f"({default!r}) yet")
            else:
                data["default"] = re.sub(r" 00:00:00$", "", str(default)) if kind == "date" else str(default)
                self.report.features["default"] += 1
        if str(bind.get("readonly", "")).lower() in _TRUE and kind != "note":
            self.refuse("read_only", row, "read_only")
        if bind.get("calculate"):
            self.refuse("calculation", row, "calculation")
        if element.get("trigger"):
            self.refuse("trigger", row, "trigger")
        relevant = self.condition(row, "relevant", bind.get("relevant"), data, name)
        pattern = _REGEX.fullmatch(str(bind.get("constraint", "")))
        if pattern and kind == "text":  # regex(., '...') on the answer itself: the question's pattern
            data["pattern"] = pattern.group(2)
            self.report.features["regex"] += 1
            bind.pop("constraint")
        constraint = self.condition(row, "constraint", bind.get("constraint"), data, name)
        parts = [*groups, *([relevant] if relevant is not None else [])]
        if parts:
            data["show_if"] = str(all_of(parts))
        if constraint is not None:
            data["constraint"] = str(constraint)
        if name in self.questions:
            self.error(row, "name", f"name '{name}' is also used on row {self.question_rows[name]} (impactlab "
                       "flattens groups, so names must differ across groups)", "duplicate_name")
            return
        if len(self.report.problems) > refused:
            self.refused.add(name)
            return
        self.build(name, row, data)

    def build(self, name: str, row: int | None, data: dict[str, Any]) -> None:
        try:
            question = Question(id=name, **data)
        except ValidationError as error:
            for problem in error.errors():
                where = str(problem["loc"][0]) if problem["loc"] else ""
                column = {"id": "name", "min": "parameters", "max": "parameters", "choices": "type"}.get(where, "type")
                for message in problem["msg"].removeprefix("Value error, ").split("; "):
                    self.error(row, "default" if message.startswith("default ") else column, message)
            return
        for problem in condition_problems(question, self.questions):
            if any(f"'{name}' is not an earlier question" in problem for name in self.refused):
                continue  # it names a question refused above: that message is enough
            self.error(row, "constraint" if ", constraint:" in problem else "relevant", problem, "expression")
        self.questions[name] = question
        self.question_rows[name] = row

    def choices(self, element: dict[str, Any], row: int | None) -> list[dict[str, Any]]:
        options = element.get("choices") or self.data.get("choices", {}).get(element.get("itemset", ""), [])
        names = [str(o.get("name", "")) for o in options]
        numeric = bool(names) and all(re.fullmatch(r"-?\d+", n) for n in names)
        out = []
        for option, name in zip(options, names, strict=True):
            list_name = str(element.get("list_name") or element.get("itemset"))
            if option.get("media") and list_name not in self.media_lists:
                self.media_lists.add(list_name)
                self.refuse("label_media", row, "media", f"a choice of list '{list_name}' has an image, audio or video "
                            "(impactlab cannot show them yet)")
            label = self.text(option.get("label")) or LocalText(**{self.default: name})
            out.append({"code": int(name) if numeric else name, "label": label})
        return out

    def range(self, row: int | None, params: Any) -> dict[str, Any]:
        params = params if isinstance(params, dict) else {}
        try:
            start, end, step = (float(params.get(k, d)) for k, d in (("start", 1), ("end", 10), ("step", 1)))
        except (TypeError, ValueError):
            start, end, step = 0.0, 0.0, 0.0
        if step != 1 or not start.is_integer() or not end.is_integer() or start >= end:
            shown = " ".join(f"{k}={v}" for k, v in params.items())
            self.refuse("range", row, "parameters",
                        f"a range needs whole numbers start < end and step=1, got {shown!r} (impactlab cannot run "
                        "other ranges yet)")
            return {}
        return {"min": int(start), "max": int(end)}

    # ---------------------------------------------------------------------------------- expressions
    def condition(self, row: int | None, column: str, text: Any, current: dict[str, Any] | None,
                  own: str | None = None) -> Condition | None:
        if text in (None, ""):
            return None
        self.report.features[column] += 1
        expression = re.sub(r"(?<![\w.])\.\./([A-Za-z_][\w.\-]*)", r"${\1}", str(text))  # pyxform's or_other
        if own is not None and column == "constraint":  # a constraint naming its own question means '.'
            expression = re.sub(r"\$\{\s*" + re.escape(own) + r"\s*\}", ".", expression)
        known = self.questions

        def coerce(name: str, value: Value) -> Value:
            kind, codes = _target(name, current, known)
            if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
                if kind in {"integer", "decimal", "scale"}:
                    return float(value) if "." in value else int(value)
                if codes and isinstance(codes[0], int) and "." not in value:
                    return int(value)
            if isinstance(value, int | float) and codes and isinstance(codes[0], str):
                return str(value)
            return value

        try:
            return translate(expression, coerce)
        except ConditionError as error:
            self.refuse("expression", row, column, f"cannot use {text!r}: {error}")
            return None


def _only_language(data: dict[str, Any]) -> str | None:
    """Without a default_language setting, untranslated texts (pyxform's 'default', such as the label of an
    or_other question) are in the form's one known language when it has exactly one ('en' for `label::English`)."""
    if str(data.get("default_language", "default")) != "default":
        return None
    found: set[str | None] = set()
    stack = list(data.get("children", []))
    while stack:
        element = stack.pop()
        stack += element.get("children", [])
        for value in (element.get("label"), element.get("hint")):
            if isinstance(value, dict):
                found |= {_language(str(k)) for k in value if k != "default"}
    known = found - {None}
    return known.pop() if len(known) == 1 and None not in found else None


def _target(name: str, current: dict[str, Any] | None, known: dict[str, Question]) -> tuple[str | None, list]:
    """Type and choice codes of the question a condition compares ('.' is the question being read)."""
    if name == ".":
        return (current.get("type"), [c["code"] for c in current.get("choices", [])]) if current else (None, [])
    question = known.get(name)
    return (question.type, question.codes) if question else (None, [])


# ------------------------------------------------------------------------------------------------ API
def check_xlsform(path: str | Path, name: str | None = None) -> FormReport:
    """Read an XLSForm and say whether impactlab can run it: its questions, languages and features, and one
    Problem per thing it cannot run (file, sheet, row, column, feature). pyxform's own refusals raise UserError.
    `name` is how the file is called in messages (default: its path). CLI and web both call this.
    """
    path = Path(path)
    source = name or str(path)
    raw, data, pyxform_warnings = _read_workbook(path, source)
    report = FormReport(source, warnings=[f"{source}: {w} (pyxform)" for w in pyxform_warnings])
    report.form_id = _form_id(str(data.get("id_string", "")), path)
    report.title = str(data.get("title") or path.stem)
    report.version = str(data.get("version", "") or "1")
    converter = _Converter(source, raw, data, report)
    if data.get("entity_features") or data.get("entities"):
        converter.refuse("entities", None, None, "impactlab cannot run entities yet", sheet="entities")
    questions = converter.run()
    if converter.dropped_languages:
        report.warnings.append(f"{source}: texts in {', '.join(sorted(converter.dropped_languages))} are not kept "
                               "(impactlab keeps Dutch and English, yet)")
    if report.problems:
        return report
    if not questions:
        report.problems.append(Problem("form", "the form has no questions impactlab can ask", "survey"))
        return report
    default = converter.default
    try:
        report.questionnaire = Questionnaire(id=report.form_id, title=LocalText(**{default: report.title}),
                                             version=report.version, items=questions)
    except ValidationError as error:
        report.problems += [Problem("form", e["msg"].removeprefix("Value error, "), "") for e in error.errors()]
    return report


def read_xlsform(path: str | Path, name: str | None = None) -> Questionnaire:
    """A Questionnaire from an XLSForm workbook; anything impactlab cannot run raises one UserError whose messages
    name file, sheet, row, column and feature."""
    report = check_xlsform(path, name)
    if not report.ok or report.questionnaire is None:
        raise UserError(report.messages)
    return report.questionnaire

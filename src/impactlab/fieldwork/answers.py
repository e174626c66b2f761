"""Turning one raw answer (from a web form, JSON or an XLSForm export) into a typed value, or a problem.

Accepted forms: choice codes as numbers or their text ("2"); several choices as a list or as text
separated by spaces or commas ("1 3"); whole numbers as int or text; decimals with a point or a Dutch
decimal comma ("3,5"); dates as `date`, ISO text (2024-05-31) or Dutch day-month-year (31-05-2024).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from impactlab.fieldwork.questionnaire import Question

_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


@dataclass(frozen=True)
class AnswerError:
    """A problem with the answer to one question: a stable `code` for the web app and texts in English and Dutch.

    Codes: ``required``, ``type``, ``choice``, ``range``, ``length``, ``constraint``, ``unknown``.
    """

    question: str
    code: str
    message: str
    message_nl: str

    def text(self, language: str = "en") -> str:
        return self.message_nl if language == "nl" else self.message


class AnswerProblem(Exception):
    """Raised by `coerce` with the code and texts of an AnswerError."""

    def __init__(self, code: str, message: str, message_nl: str):
        super().__init__(message)
        self.code, self.message, self.message_nl = code, message, message_nl

    def for_question(self, question: str) -> AnswerError:
        return AnswerError(question, self.code, self.message, self.message_nl)


def _type_problem(value: Any, en: str, nl: str) -> AnswerProblem:
    shown = repr(value)[:40]
    return AnswerProblem("type", f"expected {en}, got {shown}", f"verwacht {nl}, niet {shown}")


def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise _type_problem(value, "a whole number", "een geheel getal")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise _type_problem(value, "a whole number", "een geheel getal")


def _decimal(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if re.fullmatch(r"-?(\d+\.?\d*|\.\d+)", text):
            return float(text)
    raise _type_problem(value, "a number", "een getal")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[:10]) else _dutch(text)
        except ValueError:
            pass
    raise _type_problem(value, "a date (YYYY-MM-DD or DD-MM-YYYY)", "een datum (JJJJ-MM-DD of DD-MM-JJJJ)")


def _dutch(text: str) -> date:
    match = _DUTCH_DATE.match(text)
    if not match:
        raise ValueError(text)
    day, month, year = (int(g) for g in match.groups())
    return date(year, month, day)


def _code(question: Question, value: Any) -> int | str:
    codes = question.codes
    if codes and isinstance(codes[0], int):
        try:
            code: int | str = _whole(value)
        except AnswerProblem:
            code = str(value)
    else:
        code = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else repr(value)
    if code not in codes:
        valid = ", ".join(str(c) for c in codes)
        raise AnswerProblem("choice", f"{str(value)[:40]!r} is not one of the choices ({valid})",
                            f"{str(value)[:40]!r} is geen van de keuzes ({valid})")
    return code


def _selection(question: Question, value: Any) -> list[int | str]:
    items = re.split(r"[\s,;]+", value.strip()) if isinstance(value, str) else value
    if not isinstance(items, list | tuple | set):
        raise _type_problem(value, "a list of choices", "een lijst met keuzes")
    chosen = {_code(question, item) for item in items if not (isinstance(item, str) and not item.strip())}
    selection = [c for c in question.codes if c in chosen]  # the questionnaire's order, without doubles
    low, high = question.min, question.max
    if (low is not None and len(selection) < low) or (high is not None and len(selection) > high):
        raise AnswerProblem("range", f"choose {_between(low, high)} options, not {len(selection)}",
                            f"kies {_between(low, high, 'nl')} opties, niet {len(selection)}")
    return selection


def _between(low: Any, high: Any, language: str = "en") -> str:
    words = {"en": ("at least", "at most", "to"), "nl": ("minstens", "hoogstens", "tot")}[language]
    if low is not None and high is not None:
        return f"{low:g} {words[2]} {high:g}" if isinstance(low, int | float) else f"{low} {words[2]} {high}"
    if low is not None:
        return f"{words[0]} {low:g}" if isinstance(low, int | float) else f"{words[0]} {low}"
    return f"{words[1]} {high:g}" if isinstance(high, int | float) else f"{words[1]} {high}"


def _in_range(value: Any, low: Any, high: Any) -> Any:
    if (low is not None and value < low) or (high is not None and value > high):
        raise AnswerProblem("range", f"{value} is outside the range {_between(low, high)}",
                            f"{value} valt buiten het bereik {_between(low, high, 'nl')}")
    return value


def _text(question: Question, value: Any) -> str:
    if not isinstance(value, str):
        raise _type_problem(value, "text", "tekst")
    text = value.strip()
    if question.max_length is not None and len(text) > question.max_length:
        raise AnswerProblem("length", f"at most {question.max_length} characters, got {len(text)}",
                            f"hoogstens {question.max_length} tekens, niet {len(text)}")
    return text


def coerce(question: Question, value: Any) -> Any:
    """The typed answer (int, float, str, date or a list of codes); raises AnswerProblem if invalid."""
    kind = question.type
    if kind == "single_choice":
        return _code(question, value)
    if kind == "multiple_choice":
        return _selection(question, value)
    if kind in {"integer", "scale"}:
        return _in_range(_whole(value), question.min, question.max)
    if kind == "decimal":
        return _in_range(_decimal(value), question.min, question.max)
    if kind == "date":
        return _in_range(_date(value), question.earliest, question.latest)
    if kind == "text":
        return _text(question, value)
    raise AnswerProblem("type", "this question takes no answer", "deze vraag heeft geen antwoord")

"""A questionnaire as a document: own questions plus instrument blocks, skip logic, answer validation.

Hidden questions: an answer to a question whose `show_if` is false (or to a note) is **dropped**, not
refused. A respondent who answers q4 and then changes q3 so that q4 disappears did nothing wrong, and the
stale answer must not reach the data. Answers to question ids the questionnaire does not have are refused
(code ``unknown``): they point at a form that does not belong to this questionnaire.
Format and rules: docs/fieldwork.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator

from impactlab.deidentify import scrub_text
from impactlab.errors import UserError
from impactlab.evidence.instruments import Instrument, LocalText, load_instrument, score
from impactlab.fieldwork.answers import AnswerError, AnswerProblem, coerce
from impactlab.fieldwork.conditions import (
    CURRENT,
    ORDERING,
    ConditionError,
    Ref,
    comparisons,
    evaluate,
    is_empty,
    parse_condition,
    references,
)
from impactlab.limits import load_yaml

__all__ = [
    "AnswerError",
    "Choice",
    "InstrumentBlock",
    "Question",
    "Questionnaire",
    "clean_answers",
    "default_answers",
    "load_questionnaire",
    "localise",
    "questionnaire_from_data",
    "questionnaire_from_yaml",
    "questionnaire_to_yaml",
    "responses_to_frame",
    "save_questionnaire",
    "score_responses",
    "validate_answers",
    "visible_questions",
]

QuestionType = Literal["single_choice", "multiple_choice", "scale", "integer", "decimal", "date", "text", "note"]
CHOICE_TYPES = {"single_choice", "multiple_choice"}
_QUESTION_ID = r"^[A-Za-z_][A-Za-z0-9_.\-]*$"
_RESERVED_IDS = {"and", "or", "not", "in", "answered"}
# which optional fields make sense for which question types
_APPLIES: dict[str, set[str]] = {
    "choices": CHOICE_TYPES,
    "min": {"multiple_choice", "scale", "integer", "decimal"},
    "max": {"multiple_choice", "scale", "integer", "decimal"},
    "min_label": {"scale"},
    "max_label": {"scale"},
    "earliest": {"date"},
    "latest": {"date"},
    "max_length": {"text"},
    "pattern": {"text"},
    "constraint": {"single_choice", "multiple_choice", "scale", "integer", "decimal", "date", "text"},
    "default": {"single_choice", "multiple_choice", "scale", "integer", "decimal", "date", "text"},
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    """One answer option: the code stored in the data and its label."""

    code: int | str
    label: LocalText | None = None


class Question(_Strict):
    """One question (or a note). Which optional fields apply depends on `type` (docs/fieldwork.md)."""

    id: str = Field(pattern=_QUESTION_ID)
    type: QuestionType
    text: LocalText
    hint: LocalText | None = None
    required: bool = False
    required_message: LocalText | None = None
    choices: list[Choice] = Field(default_factory=list)
    min: int | float | None = None
    max: int | float | None = None
    min_label: LocalText | None = None
    max_label: LocalText | None = None
    earliest: date | None = None
    latest: date | None = None
    max_length: int | None = Field(default=None, gt=0)
    pattern: str | None = None
    constraint: str | None = None
    constraint_message: LocalText | None = None
    show_if: str | None = None
    default: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        problems = [f"'{name}' does not apply to type {self.type}" for name, types in _APPLIES.items()
                    if self.type not in types and getattr(self, name) not in (None, [])]
        problems += self._type_problems()
        for name in ("show_if", "constraint"):
            try:
                if getattr(self, name) is not None:
                    parse_condition(getattr(self, name))
            except ConditionError as error:
                problems.append(f"{name} {getattr(self, name)!r}: {error}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _type_problems(self) -> Iterator[str]:
        if self.id in _RESERVED_IDS:
            yield f"'{self.id}' is a reserved word and cannot be a question id"
        if self.type in CHOICE_TYPES:
            codes = self.codes
            if not codes:
                yield f"a {self.type} question needs 'choices'"
            if len(set(codes)) != len(codes):
                yield f"choice codes must be unique, got {codes}"
            if len({type(c) for c in codes}) > 1:
                yield f"choice codes must be all numbers or all texts, got {codes}"
        if self.type == "scale" and (not isinstance(self.min, int) or not isinstance(self.max, int)):
            yield "a scale needs whole numbers 'min' and 'max'"
        if self.type in {"integer", "multiple_choice"} and any(
            isinstance(v, float) for v in (self.min, self.max)
        ):
            yield "'min' and 'max' must be whole numbers here"
        for low, high in ((self.min, self.max), (self.earliest, self.latest)):
            if low is not None and high is not None and low >= high:  # type: ignore[operator]
                yield f"the lower bound {low} must be below the upper bound {high}"
        if self.type == "note" and self.required:
            yield "a note cannot be required"
        if self.required_message is not None and not self.required:
            yield "'required_message' needs 'required: true'"
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as error:
                yield f"pattern {self.pattern!r} is not a regular expression ({error})"
        if self.default is not None:
            try:
                coerce(self, self.default)
            except AnswerProblem as problem:
                yield f"default {self.default!r}: {problem.message}"

    @property
    def codes(self) -> list[int | str]:
        """The valid choice codes, in the questionnaire's order."""
        return [c.code for c in self.choices]

    @property
    def columns(self) -> list[str]:
        """The data columns this question fills: one per choice for multiple choice, none for a note."""
        if self.type == "note":
            return []
        if self.type == "multiple_choice":
            return [f"{self.id}.{code}" for code in self.codes]
        return [self.id]


class InstrumentBlock(_Strict):
    """All items of a library instrument; each item becomes a question with id `prefix` + item code."""

    instrument: str
    prefix: str = Field(default="", pattern=r"^([A-Za-z_][A-Za-z0-9_.\-]*)?$")
    required: bool = True
    show_if: str | None = None


def _item_kind(value: Any) -> str:
    return "instrument" if isinstance(value, dict | InstrumentBlock) and (
        isinstance(value, InstrumentBlock) or "instrument" in value
    ) else "question"


Item = Annotated[
    Annotated[Question, Tag("question")] | Annotated[InstrumentBlock, Tag("instrument")],
    Discriminator(_item_kind),
]


class Questionnaire(_Strict):
    """A questionnaire document (YAML round-trip with `questionnaire_to_yaml` / `load_questionnaire`)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: LocalText
    version: str = "1"
    description: LocalText | None = None
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        problems: list[str] = []
        try:
            questions = self.questions
        except UserError as error:
            raise ValueError("; ".join(error.messages)) from None
        ids = [q.id for q in questions]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(f"question id '{dup}' is used more than once (give an instrument block a 'prefix')")
        blocks = [b.instrument for b in self.items if isinstance(b, InstrumentBlock)]
        for dup in sorted({b for b in blocks if blocks.count(b) > 1}):
            problems.append(f"instrument '{dup}' is included more than once")
        earlier: dict[str, Question] = {}
        for question in questions:
            problems += condition_problems(question, earlier)
            earlier[question.id] = question
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def questions(self) -> list[Question]:
        """Every question in order, instrument blocks expanded into their items."""
        out: list[Question] = []
        for item in self.items:
            out += _block_questions(item) if isinstance(item, InstrumentBlock) else [item]
        return out

    @cached_property
    def instrument_columns(self) -> dict[str, dict[str, str]]:
        """For each instrument block: item code -> column name (for `score`)."""
        return {
            b.instrument: {i.code: b.prefix + i.code for i in _instrument(b).items}
            for b in self.items if isinstance(b, InstrumentBlock)
        }

    def question(self, question_id: str) -> Question:
        """A question by id (KeyError if unknown)."""
        return {q.id: q for q in self.questions}[question_id]


def _instrument(block: InstrumentBlock) -> Instrument:
    return load_instrument(block.instrument)


def _block_questions(block: InstrumentBlock) -> list[Question]:
    """The items of an instrument as questions (choices from its options, or a scale from min to max)."""
    instrument = _instrument(block)
    questions = []
    for item in instrument.items:
        responses = instrument.item_responses(item)
        label = item.label or LocalText()
        text = LocalText(en=item.text_en or label.en, nl=item.text_nl or label.nl)
        if text.en is None and text.nl is None:
            name = instrument.name
            text = LocalText(en=f"{name.en or instrument.id}: {item.code}",
                             nl=f"{name.nl or instrument.id}: {item.code}")
        shape: dict[str, Any] = (
            {"type": "single_choice", "choices": [Choice(code=o.code, label=o.label) for o in responses.options]}
            if responses.options else
            {"type": "scale", "min": responses.min, "max": responses.max,
             "min_label": responses.min_label, "max_label": responses.max_label}
        )
        questions.append(Question(id=block.prefix + item.code, text=text, required=block.required,
                                  show_if=block.show_if, **shape))
    return questions


def condition_problems(question: Question, earlier: Mapping[str, Question]) -> Iterator[str]:
    """Conditions may only name earlier questions that take answers, and compare them sensibly."""
    for name in ("show_if", "constraint"):
        text = getattr(question, name)
        if text is None:
            continue
        condition = parse_condition(text)
        where = f"question '{question.id}', {name}"
        for ref in references(condition):
            if ref.name == CURRENT:
                if name == "show_if":
                    yield f"{where}: '.' (this answer) can only be used in a constraint"
            elif ref.name not in earlier:
                yield f"{where}: '{ref.name}' is not an earlier question"
            elif earlier[ref.name].type == "note":
                yield f"{where}: '{ref.name}' is a note and has no answer"
        for compare in comparisons(condition):
            target = question if compare.left.name == CURRENT else earlier.get(compare.left.name)
            if target is not None:
                yield from (f"{where}: {p}" for p in _comparison_problems(target, compare.op, compare.right))


def _comparison_problems(target: Question, op: str, right: Any) -> Iterator[str]:
    if target.type == "multiple_choice" and op in ORDERING:
        yield f"'{op}' cannot compare the selection of multiple-choice question '{target.id}'"
    if target.type in CHOICE_TYPES and not isinstance(right, Ref):
        for value in right if isinstance(right, tuple) else (right,):
            if value not in target.codes:
                yield f"{value!r} is not a choice code of '{target.id}' (codes: {target.codes})"
    elif target.type in {"scale", "integer", "decimal"} and not isinstance(right, Ref):
        for value in right if isinstance(right, tuple) else (right,):
            if not isinstance(value, int | float):
                yield f"'{target.id}' is a number; compare it with a number, not {value!r}"


# ------------------------------------------------------------------------------------------- answers
def _walk(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> Iterator[tuple[Question, bool, Any]]:
    """(question, visible, typed value or AnswerError or None) in order; hidden answers do not count."""
    given: dict[str, Any] = {}
    for question in questionnaire.questions:
        visible = question.show_if is None or evaluate(parse_condition(question.show_if), given)
        raw = answers.get(question.id)
        if not visible or question.type == "note" or is_empty(raw):
            missing = visible and question.required and is_empty(raw)
            yield question, visible, _required(question) if missing else None
            continue
        try:
            value = coerce(question, raw)
        except AnswerProblem as problem:
            yield question, visible, problem.for_question(question.id)
            continue
        if (question.pattern is not None and not re.search(question.pattern, str(value))) or (
                question.constraint and not evaluate(parse_condition(question.constraint), given, current=value)):
            yield question, visible, _constraint(question)
            continue
        given[question.id] = value
        yield question, visible, value


def _required(question: Question) -> AnswerError:
    custom = question.required_message or LocalText()
    return AnswerError(question.id, "required", custom.en or custom.nl or "this question needs an answer",
                       custom.nl or custom.en or "deze vraag moet beantwoord worden")


def _constraint(question: Question) -> AnswerError:
    custom = question.constraint_message or LocalText()
    rule = question.constraint or question.pattern
    return AnswerError(
        question.id, "constraint",
        custom.en or custom.nl or f"the answer does not meet the condition {rule}",
        custom.nl or custom.en or f"het antwoord voldoet niet aan de voorwaarde {rule}",
    )


def clean_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> tuple[dict[str, Any], list[AnswerError]]:
    """Typed answers of the visible questions (hidden ones dropped) and every problem, in question order."""
    known = {q.id for q in questionnaire.questions}
    errors = [
        AnswerError(key, "unknown", f"'{key}' is not a question of this questionnaire",
                    f"'{key}' is geen vraag van deze vragenlijst")
        for key in answers if key not in known
    ]
    clean: dict[str, Any] = {}
    for question, _visible, outcome in _walk(questionnaire, answers):
        if isinstance(outcome, AnswerError):
            errors.append(outcome)
        elif outcome is not None:
            clean[question.id] = outcome
    return clean, errors


def validate_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[AnswerError]:
    """Every problem with a set of answers: required, type, choice codes, range, length, constraint, unknown."""
    return clean_answers(questionnaire, answers)[1]


def default_answers(questionnaire: Questionnaire) -> dict[str, str]:
    """The answers a blank form starts with (XLSForm `default`): question id -> raw answer."""
    return {q.id: q.default for q in questionnaire.questions if q.default is not None}


def visible_questions(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[Question]:
    """The questions (and notes) shown given these answers, in order."""
    return [question for question, visible, _ in _walk(questionnaire, answers) if visible]


def localise(text: LocalText | None, language: str = "nl") -> str:
    """A text in the wanted language, else the other one, else ''."""
    if text is None:
        return ""
    first, second = (text.nl, text.en) if language == "nl" else (text.en, text.nl)
    return first or second or ""


# --------------------------------------------------------------------------------------------- data
def _dtype(question: Question) -> pl.DataType:
    if question.type == "single_choice":
        return pl.Int64() if question.codes and isinstance(question.codes[0], int) else pl.String()
    return {"scale": pl.Int64(), "integer": pl.Int64(), "decimal": pl.Float64(), "date": pl.Date(),
            "multiple_choice": pl.Int8()}.get(question.type, pl.String())


def _row(questionnaire: Questionnaire, clean: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for question in questionnaire.questions:
        value = clean.get(question.id)
        if question.type == "multiple_choice":
            for code, column in zip(question.codes, question.columns, strict=True):
                row[column] = None if value is None else int(code in value)
        elif question.type != "note":
            row[question.id] = value
    return row


def responses_to_frame(
    questionnaire: Questionnaire,
    responses: Iterable[Mapping[str, Any]],
    meta: Sequence[str] = ("respondent", "wave"),
    scrub: bool = True,
) -> pl.DataFrame:
    """One row per response: the `meta` keys first, then one column per question (per option for multiple
    choice, 0/1), hidden or unanswered as null. Every response is cleaned; any problem raises UserError
    naming response and question, so nothing is half converted. Open text is scrubbed of e-mail
    addresses, phone numbers and BSNs unless `scrub` is false.
    """
    rows, problems, metas = [], [], []
    for number, response in enumerate(responses, start=1):
        answers = {k: v for k, v in response.items() if k not in meta}
        clean, errors = clean_answers(questionnaire, answers)
        problems += [f"response {number}, question '{e.question}': {e.message}" for e in errors]
        rows.append(_row(questionnaire, clean))
        metas.append({k: response.get(k) for k in meta})
    if problems:
        raise UserError(problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else []))
    schema = {c: _dtype(q) for q in questionnaire.questions for c in q.columns}
    answers_frame = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    if scrub:
        texts = [q.id for q in questionnaire.questions if q.type == "text"]
        answers_frame = answers_frame.with_columns(scrub_text(answers_frame[c]).alias(c) for c in texts)
    if not meta:
        return answers_frame
    meta_frame = pl.DataFrame(metas, orient="row") if metas else pl.DataFrame(schema=dict.fromkeys(meta, pl.String))
    return pl.concat([meta_frame, answers_frame], how="horizontal")


def score_responses(questionnaire: Questionnaire, frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` (from `responses_to_frame`) with the score columns of every instrument block added."""
    for instrument_id, columns in questionnaire.instrument_columns.items():
        frame = score(instrument_id, frame, columns=columns)
    return frame


# --------------------------------------------------------------------------------------------- YAML
def _place(loc: tuple[int | str, ...], data: Any) -> str:
    """A readable field path; item positions are shown with the item's id."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            label = node.get("id") or node.get("instrument") if isinstance(node, dict) else None
            parts[-1] += f"[{key}]" + (f" ({label})" if label else "")
        elif isinstance(key, str) and key not in {"question", "instrument"}:
            parts.append(key)
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "questionnaire"


def questionnaire_from_data(data: Any, source: str = "questionnaire") -> Questionnaire:
    """Validate a questionnaire given as plain data; problems raise UserError, one message per problem."""
    if not isinstance(data, dict):
        raise UserError(f"{source}: expected a mapping with id, title and items")
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as error:
        raise UserError(
            [f"{source}: {_place(e['loc'], data)}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors()]
        ) from None


def questionnaire_from_yaml(text: str, source: str = "<text>") -> Questionnaire:
    """Parse and validate a questionnaire from YAML text."""
    try:
        data = load_yaml(text, source)
    except yaml.YAMLError as error:
        raise UserError(f"{source}: not valid YAML ({error})") from None
    return questionnaire_from_data(data, source)


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Read a questionnaire YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: cannot read the file ({error})") from None
    return questionnaire_from_yaml(text, str(path))


def questionnaire_to_yaml(questionnaire: Questionnaire) -> str:
    """The questionnaire as YAML (defaults left out); `questionnaire_from_yaml` gives it back unchanged."""
    data = questionnaire.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data = {"id": questionnaire.id, **data}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def save_questionnaire(questionnaire: Questionnaire, path: str | Path) -> None:
    """Write a questionnaire YAML file."""
    Path(path).write_text(questionnaire_to_yaml(questionnaire), encoding="utf-8")

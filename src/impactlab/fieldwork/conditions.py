"""Skip-logic and constraint conditions: a small safe language, parsed by hand (never `eval`).

Grammar (keywords are lower case)::

    condition  := or
    or         := and ('or' and)*
    and        := not ('and' not)*
    not        := 'not' not | '(' or ')' | 'answered' '(' NAME ')' | comparison
    comparison := operand OP (value | NAME) | operand ['not'] 'in' '[' value (',' value)* ']'
    operand    := NAME | '.'                     ('.' is the answer being checked, in constraints)
    OP         := '==' | '=' | '!=' | '<' | '<=' | '>' | '>='
    value      := number | 'text' | "text"

Meaning: a comparison that involves an unanswered question is false (also with ``!=``); test for that
with ``answered(q)`` / ``not answered(q)``. On a multiple-choice answer ``q == 2`` means "2 is selected",
``q != 2`` "2 is not selected", ``q in [1, 2]`` "1 or 2 is selected".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, TypeAlias

Value = int | float | str
CURRENT = "."
_KEYWORDS = {"and", "or", "not", "in", "answered"}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
ORDERING = {"<", "<=", ">", ">="}
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d+)?)(?![\w.])
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)
      | (?P<op>==|!=|<=|>=|=|<|>)
      | (?P<punct>[()\[\],.])
    )""",
    re.VERBOSE,
)


class ConditionError(ValueError):
    """A condition that cannot be parsed; the message says where and why."""


@dataclass(frozen=True)
class Ref:
    """A reference to a question's answer (``.`` = the answer being checked)."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Compare:
    """``left OP right``, or ``left [not] in [values]``."""

    left: Ref
    op: str
    right: Ref | Value | tuple[Value, ...]

    def __str__(self) -> str:
        if isinstance(self.right, tuple):
            return f"{self.left} {self.op} [{', '.join(_literal(v) for v in self.right)}]"
        right = str(self.right) if isinstance(self.right, Ref) else _literal(self.right)
        return f"{self.left} {self.op} {right}"


@dataclass(frozen=True)
class Answered:
    """True when the question has an answer."""

    ref: Ref

    def __str__(self) -> str:
        return f"answered({self.ref})"


@dataclass(frozen=True)
class Not:
    part: Condition

    def __str__(self) -> str:
        inner = str(self.part)
        return f"not ({inner})" if isinstance(self.part, All | AnyOf) else f"not {inner}"


@dataclass(frozen=True)
class All:
    """Every part holds (``and``)."""

    parts: tuple[Condition, ...]

    def __str__(self) -> str:
        return " and ".join(f"({p})" if isinstance(p, AnyOf) else str(p) for p in self.parts)


@dataclass(frozen=True)
class AnyOf:
    """At least one part holds (``or``)."""

    parts: tuple[Condition, ...]

    def __str__(self) -> str:
        return " or ".join(str(p) for p in self.parts)


Condition: TypeAlias = Compare | Answered | Not | All | AnyOf


def all_of(parts: list[Condition]) -> Condition:
    """``and`` of the parts, nested ``and``s flattened (so printing and parsing give the same tree)."""
    flat = tuple(q for p in parts for q in (p.parts if isinstance(p, All) else (p,)))
    return flat[0] if len(flat) == 1 else All(flat)


def any_of(parts: list[Condition]) -> Condition:
    """``or`` of the parts, nested ``or``s flattened."""
    flat = tuple(q for p in parts for q in (p.parts if isinstance(p, AnyOf) else (p,)))
    return flat[0] if len(flat) == 1 else AnyOf(flat)


def _literal(value: Value) -> str:
    if isinstance(value, str):
        return f'"{value}"' if "'" in value else f"'{value}'"
    return repr(value)


# ------------------------------------------------------------------------------------------- parsing
def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) for every token; raises ConditionError on anything else."""
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ConditionError(f"at character {pos + 1}: unexpected {text[pos:].strip()[:10]!r}")
        kind = match.lastgroup or ""
        token = match.group(kind)
        start = match.start(kind)
        if kind == "name" and token in _KEYWORDS:
            kind = "keyword"
        out.append((kind, token, start))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, str, int]:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "", len(self.text))

    def take(self, kind: str | None = None, text: str | None = None, what: str = "") -> tuple[str, str, int]:
        token = self.peek()
        if (kind and token[0] != kind) or (text and token[1] != text):
            found = "the end" if token[0] == "end" else repr(token[1])
            raise ConditionError(f"at character {token[2] + 1}: expected {what or text or kind}, found {found}")
        self.pos += 1
        return token

    def at(self, text: str) -> bool:
        return self.peek()[1] == text and self.peek()[0] in {"keyword", "punct", "op"}

    def parse(self) -> Condition:
        if not self.tokens:
            raise ConditionError("the condition is empty")
        condition = self.parse_or()
        self.take("end", what="'and', 'or' or the end")
        return condition

    def parse_or(self) -> Condition:
        parts = [self.parse_and()]
        while self.at("or"):
            self.pos += 1
            parts.append(self.parse_and())
        return any_of(parts)

    def parse_and(self) -> Condition:
        parts = [self.parse_not()]
        while self.at("and"):
            self.pos += 1
            parts.append(self.parse_not())
        return all_of(parts)

    def parse_not(self) -> Condition:
        if self.at("not"):
            self.pos += 1
            return Not(self.parse_not())
        if self.at("("):
            self.pos += 1
            inner = self.parse_or()
            self.take("punct", ")")
            return inner
        if self.at("answered"):
            self.pos += 1
            self.take("punct", "(")
            ref = Ref(self.take("name", what="a question name")[1])
            self.take("punct", ")")
            return Answered(ref)
        return self.parse_comparison()

    def parse_comparison(self) -> Compare:
        kind, token, _ = self.peek()
        if kind == "name" or (kind == "punct" and token == CURRENT):
            self.pos += 1
        else:
            self.take("name", what="a question name, '.', 'not', 'answered(' or '('")
        left = Ref(token)
        if self.at("in"):
            self.pos += 1
            return Compare(left, "in", self.parse_list())
        if self.at("not") and self.peek(1)[1] == "in":
            self.pos += 2
            return Compare(left, "not in", self.parse_list())
        op = self.take("op", what="a comparison (==, !=, <, <=, >, >=, in)")[1]
        op = "==" if op == "=" else op
        if self.peek()[0] == "name":
            return Compare(left, op, Ref(self.take()[1]))
        return Compare(left, op, self.parse_value())

    def parse_list(self) -> tuple[Value, ...]:
        self.take("punct", "[")
        values = [self.parse_value()]
        while self.at(","):
            self.pos += 1
            values.append(self.parse_value())
        self.take("punct", "]")
        return tuple(values)

    def parse_value(self) -> Value:
        kind, token, _ = self.peek()
        if kind == "number":
            self.pos += 1
            return float(token) if "." in token else int(token)
        if kind == "string":
            self.pos += 1
            return token[1:-1]
        self.take("number", what="a number or a quoted text")
        raise AssertionError  # pragma: no cover


@lru_cache(maxsize=4096)
def parse_condition(text: str) -> Condition:
    """Parse a condition (cached); raises ConditionError naming the position of a problem."""
    return _Parser(text).parse()


# ---------------------------------------------------------------------------------------- evaluation
def is_empty(value: Any) -> bool:
    """An answer that counts as not given: None, empty/whitespace text or an empty selection."""
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, list | tuple | set) and not value
    )


def _comparable(a: Any, b: Any) -> tuple[Any, Any] | None:
    """The two values in a form that can be compared, or None if they cannot."""
    if isinstance(a, bool) or isinstance(b, bool):
        return None
    if isinstance(a, date) and isinstance(b, str):
        b = _as_date(b)
    elif isinstance(b, date) and isinstance(a, str):
        a = _as_date(a)
    elif isinstance(a, int | float) and isinstance(b, str):
        b = _as_number(b)
    elif isinstance(b, int | float) and isinstance(a, str):
        a = _as_number(a)
    if a is None or b is None:
        return None
    numeric = isinstance(a, int | float) and isinstance(b, int | float)
    return (a, b) if numeric or type(a) is type(b) else None


def _as_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _compare(left: Any, op: str, right: Any) -> bool:
    pair = _comparable(left, right)
    if pair is None:
        return op == "!=" and not is_empty(left) and not is_empty(right)
    return _COMPARE[op](*pair)


def _selected(selection: Any, value: Any) -> bool:
    return any(_compare(item, "==", value) for item in selection)


def evaluate(condition: Condition, answers: Mapping[str, Any], current: Any = None) -> bool:
    """Whether the condition holds for these answers (`current` is the value of ``.``)."""
    if isinstance(condition, All):
        return all(evaluate(p, answers, current) for p in condition.parts)
    if isinstance(condition, AnyOf):
        return any(evaluate(p, answers, current) for p in condition.parts)
    if isinstance(condition, Not):
        return not evaluate(condition.part, answers, current)

    def value(ref: Ref) -> Any:
        return current if ref.name == CURRENT else answers.get(ref.name)

    if isinstance(condition, Answered):
        return not is_empty(value(condition.ref))
    left = value(condition.left)
    right = value(condition.right) if isinstance(condition.right, Ref) else condition.right
    if is_empty(left) or is_empty(right):
        return False
    if condition.op in {"in", "not in"}:
        values = right if isinstance(right, tuple) else (right,)
        lefts = left if isinstance(left, list | tuple | set) else [left]
        hit = any(_selected(lefts, v) for v in values)
        return hit if condition.op == "in" else not hit
    if isinstance(left, list | tuple | set):
        if condition.op in ORDERING:
            return False
        return _selected(left, right) == (condition.op == "==")
    return _compare(left, condition.op, right)


def references(condition: Condition) -> Iterator[Ref]:
    """Every reference in a condition (left operands, compared names and `answered` targets)."""
    if isinstance(condition, All | AnyOf):
        for part in condition.parts:
            yield from references(part)
    elif isinstance(condition, Not):
        yield from references(condition.part)
    elif isinstance(condition, Answered):
        yield condition.ref
    else:
        yield condition.left
        if isinstance(condition.right, Ref):
            yield condition.right


def comparisons(condition: Condition) -> Iterator[Compare]:
    """Every comparison in a condition."""
    if isinstance(condition, All | AnyOf):
        for part in condition.parts:
            yield from comparisons(part)
    elif isinstance(condition, Not):
        yield from comparisons(condition.part)
    elif isinstance(condition, Compare):
        yield condition

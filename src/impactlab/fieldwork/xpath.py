"""Translate the simple XLSForm (XPath) expressions used in `relevant` and `constraint` into conditions.

Supported: ``${q} = 'x'``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` against a number, a quoted text or another
``${q}``; ``.`` for the answer itself; ``selected(${q}, 'x')``; ``${q} = ''`` / ``${q} != ''`` (not answered /
answered); ``not(...)``, ``and``, ``or`` and parentheses. Anything else (functions such as
``count-selected``, arithmetic, ``today()``) raises ConditionError naming what is not supported.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from impactlab.fieldwork.conditions import (
    CURRENT,
    Answered,
    Compare,
    Condition,
    ConditionError,
    Not,
    Ref,
    Value,
    all_of,
    any_of,
)

_TOKEN = re.compile(
    r"""\s*(?:
        \$\{(?P<ref>[^}]*)\}
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<number>-?\d+(?:\.\d+)?)(?![\w.])
      | (?P<op>!=|<=|>=|=|<|>)
      | (?P<word>[A-Za-z_][\w:.\-]*)
      | (?P<punct>[(),])
      | (?P<dot>\.)
    )""",
    re.VERBOSE,
)
_FLIP = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_SAME = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
# literal value -> the value used in impactlab, given the question it is compared with
Coerce = Callable[[str, Value], Value]


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    while text[pos:].strip():
        match = _TOKEN.match(text, pos)
        if not match:
            raise ConditionError(f"at character {pos + 1}: cannot read {text[pos:].strip()[:15]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return out


class _Translator:
    def __init__(self, text: str, coerce: Coerce):
        self.tokens = _tokens(text)
        self.pos = 0
        self.end = len(text)
        self.coerce = coerce

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "", self.end)

    def take(self, kind: str, text: str | None = None, what: str = "") -> str:
        token = self.peek()
        if token[0] != kind or (text is not None and token[1] != text):
            found = "the end" if token[0] == "end" else repr(token[1])
            raise ConditionError(f"at character {token[2] + 1}: expected {what or text or kind}, found {found}")
        self.pos += 1
        return token[1]

    def word(self, text: str) -> bool:
        return self.peek()[:2] == ("word", text)

    def run(self) -> Condition:
        if not self.tokens:
            raise ConditionError("the expression is empty")
        condition = self.parse_or()
        self.take("end", what="'and', 'or' or the end")
        return condition

    def parse_or(self) -> Condition:
        parts = [self.parse_and()]
        while self.word("or"):
            self.pos += 1
            parts.append(self.parse_and())
        return any_of(parts)

    def parse_and(self) -> Condition:
        parts = [self.parse_unary()]
        while self.word("and"):
            self.pos += 1
            parts.append(self.parse_unary())
        return all_of(parts)

    def parse_unary(self) -> Condition:
        kind, token, position = self.peek()
        if kind == "punct" and token == "(":
            self.pos += 1
            inner = self.parse_or()
            self.take("punct", ")")
            return inner
        if kind == "word" and token in {"not", "selected"}:
            self.pos += 1
            self.take("punct", "(")
            if token == "not":
                result: Condition = Not(self.parse_or())
            else:
                ref = self.reference()
                self.take("punct", ",")
                result = Compare(ref, "==", self.coerce(ref.name, self.literal()))
            self.take("punct", ")")
            return result
        if kind == "word":
            raise ConditionError(f"at character {position + 1}: {token!r} is not supported (only selected(), not(), "
                                 "and, or and comparisons)")
        return self.comparison()

    def reference(self) -> Ref:
        if self.peek()[0] == "dot":
            self.pos += 1
            return Ref(CURRENT)
        return Ref(self.take("ref", what="${question}").strip())

    def literal(self) -> Value:
        kind, token, _ = self.peek()
        if kind == "string":
            self.pos += 1
            return token[1:-1]
        return float(token) if "." in self.take("number", what="a number or a quoted text") else int(token)

    def operand(self) -> Ref | Value:
        return self.reference() if self.peek()[0] in {"ref", "dot"} else self.literal()

    def comparison(self) -> Condition:
        left = self.operand()
        op = self.take("op", what="a comparison (=, !=, <, <=, >, >=)")
        right = self.operand()
        if not isinstance(left, Ref):
            if not isinstance(right, Ref):
                raise ConditionError("a comparison needs a ${question} on one side")
            left, right, op = right, left, _FLIP[op]
        if isinstance(right, str) and right == "" and op in {"=", "!="}:
            return Answered(left) if op == "!=" else Not(Answered(left))
        if not isinstance(right, Ref):
            right = self.coerce(left.name, right)
        return Compare(left, _SAME[op], right)


def translate(expression: str, coerce: Coerce = lambda _name, value: value) -> Condition:
    """The condition an XLSForm expression stands for; ConditionError if it uses unsupported syntax."""
    return _Translator(expression, coerce).run()

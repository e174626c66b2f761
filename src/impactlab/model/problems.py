"""Problems found in a model file, each with its place in the file and a readable message."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from impactlab.messages import CATALOGUE, Term
from impactlab.messages import text as message_text
from impactlab.model.yaml_lines import line_of

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One finding: where (a path into the document), what, and how severe.

    ``code`` and ``params`` name the message in the catalogue (impactlab.messages), so it can be shown in
    the user's language; ``message`` is its English text (or a text outside the catalogue).
    """

    loc: Loc
    message: str
    severity: Literal["error", "warning"] = "error"
    code: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def text(self, lang: str | None = "en") -> str:
        """The message in ``lang`` ('en' or 'nl')."""
        return message_text(self.code, lang, **self.params) if self.code else self.message


def problem(loc: Loc, code: str, severity: Literal["error", "warning"] = "error", **params: Any) -> Problem:
    """A problem whose message comes from the catalogue."""
    return Problem(loc, message_text(code, "en", **params), severity, code, params)


def path_label(data: Any, loc: Loc) -> str:
    """``('outcomes', 2, 'deadweight')`` -> ``outcomes[2] (less_lonely).deadweight``."""
    label = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            label += f"[{part}]"
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                label += f" ({node['id']})"
        else:
            label += f".{part}" if label else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return label


def format_problem(found: Problem, data: Any, source: str, lang: str | None = "en") -> str:
    """``model.yaml: outcomes[2] (less_lonely).deadweight: must be ..., got 1.4 (line 23)`` (or in Dutch:
    ``... moet tussen 0 en 1 zijn, niet 1.4 (regel 23)``)."""
    where = path_label(data, found.loc)
    line = line_of(data, found.loc)
    prefix = f"{source}: " + (f"{where}: " if where else "")
    kind = message_text("frame.warning", lang) if found.severity == "warning" else ""
    suffix = message_text("frame.line", lang, line=line) if line else ""
    return f"{prefix}{kind}{found.text(lang)}{suffix}"


# --- pydantic errors -> problems ---------------------------------------------------------------

_UNION_TAGS = {"float", "int", "str", "bool", "Range", "EvidenceQuantity"}


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return Term("term.a_mapping")
    if isinstance(value, list):
        return Term("term.a_list")
    return repr(value) if isinstance(value, str) else str(value)


def _lookup(data: Any, loc: Loc) -> tuple[bool, Any]:
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        else:
            return False, None
    return True, node


def _model_fields_at(root: type[BaseModel], loc: Loc) -> list[str]:
    """Field names of the pydantic model that the document holds at ``loc``."""
    annotation: Any = root
    for part in loc:
        annotation = _unwrap(annotation, part)
        if annotation is None:
            return []
    annotation = _unwrap(annotation, None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any, part: str | int | None) -> Any:
    """Step one part down an annotation (None: only strip Optional/Union to a model)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        models = [a for a in typing.get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        if isinstance(part, str) and part in {m.__name__ for m in models}:
            return next(m for m in models if m.__name__ == part)
        if len(models) >= 1:
            return _unwrap(models[0], part)
        return None
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0], part)
    if part is None:
        return annotation
    if origin in (list, Sequence) and isinstance(part, int):
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
        field = annotation.model_fields.get(part)
        return field.annotation if field else None
    return None


def _message(error: dict[str, Any], given: Any, fields: list[str]) -> tuple[str | None, dict[str, Any], str]:
    """The catalogue code and parameters of a pydantic error (code None: pydantic's own English text)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    shown = _describe(given)
    code: str | None = None
    params: dict[str, Any] = {"given": shown}
    if kind == "missing":
        code, params = "structure.required", {}
    elif kind == "extra_forbidden":
        name = str(error["loc"][-1])
        close = difflib.get_close_matches(name, fields, n=1, cutoff=0.6)
        code, params = (("structure.unknown_key_hint", {"name": name, "close": close[0]}) if close else
                        ("structure.unknown_key", {"name": name, "known": ", ".join(fields)}))
    elif kind in {"float_parsing", "float_type"}:
        comma = isinstance(given, str) and re.fullmatch(r"\s*-?\d+,\d+\s*", given)
        code = "structure.number_comma" if comma else "structure.number"
    elif kind in {"int_parsing", "int_type", "int_from_float"}:
        code = "structure.whole"
    elif kind in {"string_type"}:
        code = "structure.text"
    elif kind in {"bool_type", "bool_parsing"}:
        code = "structure.bool"
    elif kind == "literal_error":
        code, params["expected"] = "structure.literal", ctx.get("expected")
    elif kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        words = {"greater_than_equal": "at_least", "greater_than": "more_than",
                 "less_than_equal": "at_most", "less_than": "less_than"}[kind]
        code, params = "structure.bound", {**params, "words_term": f"term.{words}", "bound": next(iter(ctx.values()))}
    elif kind in {"list_type"}:
        code = "structure.list"
    elif kind in {"dict_type", "model_type", "model_attributes_type"}:
        code = "structure.mapping"
    elif kind in CATALOGUE:
        code, params = kind, dict(ctx)
    if code is not None:
        return code, params, message_text(code, "en", **params)
    return None, {}, str(error["msg"]).removeprefix("Value error, ")


def _preferred_branch(given: Any) -> str:
    if isinstance(given, dict):
        return "EvidenceQuantity" if "dataset" in given else "Range"
    return "float"


_VALIDATOR_TAG = re.compile(r"^function-\w+\[.*, (\w+)\]$")


def _plain_part(part: str | int) -> str | int:
    """``function-after[_ordered(), Range]`` (a union branch with a validator) -> ``Range``."""
    match = _VALIDATOR_TAG.match(part) if isinstance(part, str) else None
    return match.group(1) if match else part


def problems_from_validation(error: ValidationError, data: Any, root: type[BaseModel]) -> list[Problem]:
    """Translate pydantic's errors into problems: one per place, union branches folded."""
    problems: dict[Loc, Problem] = {}
    for item in error.errors(include_url=False):
        raw_loc = tuple(_plain_part(part) for part in item["loc"])
        tag_at = next((i for i, part in enumerate(raw_loc) if part in _UNION_TAGS), None)
        if tag_at is not None:
            field_loc = raw_loc[:tag_at]
            found, given = _lookup(data, field_loc)
            if raw_loc[tag_at] != _preferred_branch(given):
                continue
            loc = field_loc + tuple(p for p in raw_loc[tag_at + 1 :] if p not in _UNION_TAGS)
        else:
            loc = raw_loc
        if not loc and item["type"] == "model_type":
            problems[()] = problem((), "structure.root")
            continue
        found, given = _lookup(data, loc)
        fields = _model_fields_at(root, loc[:-1]) if item["type"] == "extra_forbidden" else []
        code, params, english = _message(item, given if found else item.get("input"), fields)
        problems.setdefault(loc, Problem(loc, english, "error", code, params))
    return list(problems.values())

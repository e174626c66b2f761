"""Problems found in a model file, each with its place in the file and a readable message."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from impactlab.model.yaml_lines import line_of

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One finding: where (a path into the document), what, and how severe."""

    loc: Loc
    message: str
    severity: Literal["error", "warning"] = "error"


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


def format_problem(problem: Problem, data: Any, source: str) -> str:
    """``model.yaml: outcomes[2] (less_lonely).deadweight: must be ..., got 1.4 (line 23)``."""
    where = path_label(data, problem.loc)
    line = line_of(data, problem.loc)
    prefix = f"{source}: " + (f"{where}: " if where else "")
    kind = "warning: " if problem.severity == "warning" else ""
    suffix = f" (line {line})" if line else ""
    return f"{prefix}{kind}{problem.message}{suffix}"


# --- pydantic errors -> problems ---------------------------------------------------------------

_UNION_TAGS = {"float", "int", "str", "bool", "Range", "EvidenceQuantity"}


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
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


def _message(error: dict[str, Any], given: Any, fields: list[str]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        name = str(error["loc"][-1])
        close = difflib.get_close_matches(name, fields, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(fields)})"
        return f"unknown key '{name}'{hint}"
    if kind in {"float_parsing", "float_type"}:
        hint = " (write decimals with a point: 0.25)" if isinstance(given, str) and re.fullmatch(
            r"\s*-?\d+,\d+\s*", given) else ""
        return f"must be a number, got {_describe(given)}{hint}"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"must be a whole number, got {_describe(given)}"
    if kind in {"string_type"}:
        return f"must be text, got {_describe(given)}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"must be true or false, got {_describe(given)}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}, got {_describe(given)}"
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        words = {"greater_than_equal": "at least", "greater_than": "more than",
                 "less_than_equal": "at most", "less_than": "less than"}[kind]
        bound = next(iter(ctx.values()))
        return f"must be {words} {bound}, got {_describe(given)}"
    if kind in {"list_type"}:
        return f"must be a list, got {_describe(given)}"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"must be a mapping of keys, got {_describe(given)}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


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
            problems[()] = Problem((), "the file must hold a mapping of keys (impactlab: 1, programme: ...)")
            continue
        found, given = _lookup(data, loc)
        fields = _model_fields_at(root, loc[:-1]) if item["type"] == "extra_forbidden" else []
        problems.setdefault(loc, Problem(loc, _message(item, given if found else item.get("input"), fields)))
    return list(problems.values())

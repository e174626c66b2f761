"""YAML parsing that remembers where every key and list item stood, for error messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from impactlab.errors import UserError
from impactlab.limits import BoundedLoaderMixin, SafeLoaderBase, load_yaml


class LineDict(dict):
    """A mapping that knows the (1-based) line of each key and of itself."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list):
    """A list that knows the (1-based) line of each item and of itself."""

    line: int = 0
    item_lines: list[int]


class _LineLoader(BoundedLoaderMixin, SafeLoaderBase):
    """SafeLoader building LineDict/LineList and refusing duplicate keys, within the YAML limits."""

    def construct_yaml_map(self, node: yaml.MappingNode):  # type: ignore[override]
        data = LineDict()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in data:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            data[key] = self.construct_object(value_node, deep=True)
            data.key_lines[key] = key_node.start_mark.line + 1

    def construct_yaml_seq(self, node: yaml.SequenceNode):  # type: ignore[override]
        data = LineList()
        data.line = node.start_mark.line + 1
        data.item_lines = [item.start_mark.line + 1 for item in node.value]
        yield data
        data.extend(self.construct_object(item, deep=True) for item in node.value)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_yaml_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_yaml_seq)


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text into LineDict/LineList values; syntax errors name the source and line."""
    try:
        return load_yaml(text, source, _LineLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = error.problem or error.context or "invalid YAML"
        raise UserError(f"{where}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as error:
        raise UserError(f"{source}: YAML syntax error: {error}") from None


def line_of(data: Any, loc: Sequence[Any]) -> int | None:
    """The line of the deepest part of ``loc`` that exists in ``data`` (None if unknown)."""
    line: int | None = getattr(data, "line", None)
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line

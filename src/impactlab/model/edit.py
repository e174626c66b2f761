"""Editing a model's YAML text in place: comments, key order and number formatting survive.

Forms, scripts and notebooks change a model by changing its plain document (the dicts and lists that the
YAML holds) and handing the result to :func:`apply_document`. Only what differs is written anew, through
the round-trip YAML library ruamel.yaml; every untouched line stays byte for byte as the user wrote it
(``size: 240`` stays ``240``, comments stay where they were), so changing one field is a one-line diff::

    text = Path("model.yaml").read_text()
    document = plain_document(text)
    document["stakeholders"][0]["size"] = 250
    Path("model.yaml").write_text(apply_document(text, document))

:func:`merge_texts` merges two edits of the same version (a three-way merge of the lines), for two
people who saved on top of one another.
"""

from __future__ import annotations

import copy
import difflib
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from merge3 import Merge3
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from impactlab.model import schema
from impactlab.model.yaml_lines import parse_yaml

SECTIONS = ("stakeholders", "proxies", "inputs", "activities", "outputs", "outcomes")
_ORDER: dict[tuple, tuple[str, ...]] = {
    (): tuple(schema.ImpactModel.model_fields),
    ("programme",): tuple(schema.Programme.model_fields),
    ("valuation",): tuple(schema.ValuationSettings.model_fields),
    ("stakeholders", "*"): tuple(schema.Stakeholder.model_fields),
    ("proxies", "*"): tuple(schema.Proxy.model_fields),
    ("inputs", "*"): tuple(schema.Input.model_fields),
    ("activities", "*"): tuple(schema.Activity.model_fields),
    ("outputs", "*"): tuple(schema.Output.model_fields),
    ("outcomes", "*"): tuple(schema.Outcome.model_fields),
    ("outcomes", "*", "conversion"): tuple(schema.Conversion.model_fields),
}
_RANGE_ORDER = tuple(schema.Range.model_fields)


def plain(node: Any) -> Any:
    """A parsed YAML value as plain dicts, lists and scalars (a deep copy)."""
    if isinstance(node, dict):
        return {key: plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(item) for item in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return copy.deepcopy(node)


def plain_document(text: str, source: str = "model.yaml") -> dict[str, Any]:
    """The plain document a model text holds (``{}`` for an empty text); raises UserError on bad YAML."""
    data = parse_yaml(text, source) if text.strip() else None
    return plain(data) if isinstance(data, dict) else {}


# --- the round-trip library ---------------------------------------------------------------------------------

def _indents(text: str) -> tuple[int, int]:
    """The mapping indent and the dash offset of block sequences, as the text uses them (default 2 and 2):
    measured on the first nested key and the first list dash under a ``key:`` line."""
    mapping = offset = None
    parent: int | None = None  # the indent of the last `key:` line without a value
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if parent is not None and indent >= parent:
            if stripped.startswith("- ") and offset is None:
                offset = indent - parent
            elif not stripped.startswith("- ") and mapping is None and indent > parent:
                mapping = indent - parent
        parent = indent if re.match(r"[^#'\"{\[][^#]*:\s*(#.*)?$", stripped) and not stripped.startswith("- ") else None
        if mapping is not None and offset is not None:
            break
    return mapping or 2, 2 if offset is None else offset


def _yaml(text: str = "") -> YAML:
    mapping, offset = _indents(text)
    engine = YAML(typ="rt")
    engine.preserve_quotes = True
    engine.width = 4096  # never wrap a line anew: a changed value stays on its line
    engine.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    engine.representer.add_representer(float, _represent_float)
    return engine


def _represent_float(representer: Any, value: float) -> Any:
    """A new float as PyYAML (YAML 1.1, the core's reader) reads it back: ``1e-05`` is a string there."""
    return representer.represent_scalar("tag:yaml.org,2002:float", yaml.safe_dump(value).split("\n")[0])


def _dump(engine: YAML, tree: Any) -> str:
    out = io.StringIO()
    engine.dump(tree, out)
    return out.getvalue()


# --- building new nodes -------------------------------------------------------------------------------------

def _needs_quotes(text: str) -> bool:
    """True when the plain form of `text` would not read back as the same string (by PyYAML, the core's
    reader, which follows YAML 1.1: ``yes``, ``on``, ``1_000`` and ``12:30`` are no strings there)."""
    if text != text.strip() or not text or "\n" in text:
        return True
    try:  # as a block value and inside a flow list or mapping, where `,[]{}` and `?` mean more
        return (yaml.safe_load(text) != text or yaml.safe_load(f"[{text}]") != [text]
                or yaml.safe_load(f"{{k: {text}}}") != {"k": text})
    except yaml.YAMLError:
        return True


def _scalar(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, str) and _needs_quotes(value):
        return DoubleQuotedScalarString(value)
    return value


def _fresh(value: Any, flow: bool = False, depth: int = 0) -> Any:
    """A new node for `value`: small flat mappings (ranges, short items) in flow style, like ``dump_model``."""
    if isinstance(value, dict):
        node = CommentedMap((key, _fresh(item, depth=depth + 1)) for key, item in value.items())
        flat = all(not isinstance(v, dict | list) for v in value.values())
        if (flow and flat) or (flat and depth >= 2 and len(value) <= 8) or (flat and set(value) <= set(_RANGE_ORDER)
                                                                            and "base" in value and depth >= 1):
            node.fa.set_flow_style()
        return node
    if isinstance(value, list):
        node = CommentedSeq(_fresh(item, depth=depth + 1) for item in value)
        if all(not isinstance(v, dict | list) for v in value):
            node.fa.set_flow_style()
        return node
    return _scalar(value)


# --- changing the tree in place -----------------------------------------------------------------------------

def _same_scalar(old: Any, new: Any) -> bool:
    if isinstance(old, dict | list) or isinstance(new, dict | list):
        return False
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool) and bool(old) == bool(new)
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) == float(new)
    return type(plain(old)) is type(new) and old == new


def _order(path: tuple) -> tuple[str, ...]:
    generic = tuple("*" if isinstance(p, int) else p for p in path)
    return _ORDER.get(generic, _RANGE_ORDER if path and path[-1] in _RANGED else ())


_RANGED = {"discount_rate", "amount", "quantity", "value", "deadweight", "attribution", "displacement", "drop_off",
           "duration"}


def _insert_at(node: CommentedMap, key: str, order: tuple[str, ...]) -> int:
    """Where a new `key` goes: after the last present key that comes before it in the schema's order."""
    if key not in order:
        return len(node)
    rank = order.index(key)
    position = 0
    for i, existing in enumerate(node):
        if existing in order and order.index(existing) < rank:
            position = i + 1
    return position


def _update_map(node: CommentedMap, new: dict, path: tuple) -> None:
    for key in [k for k in node if k not in new]:
        del node[key]
    order = _order(path)
    for key, value in new.items():
        if key in node:
            node[key] = _update(node[key], value, (*path, key))
        else:
            node.insert(_insert_at(node, key, order), key, _fresh(value, depth=len(path) + 1))


def _key_of(item: Any) -> Any:
    return item.get("id") if isinstance(item, dict) else None


def _update_seq(node: CommentedSeq, new: list, path: tuple) -> None:
    keyed = all(isinstance(i, dict) and i.get("id") is not None for i in [*node, *new])
    if keyed and len({i["id"] for i in node}) == len(node) and len({i["id"] for i in new}) == len(new):
        old_ids, new_ids = [i["id"] for i in node], [i["id"] for i in new]
        # each new item's old item: the one with its id, else the one at its place whose id went (a rename)
        targets = [node[old_ids.index(i)] if i in old_ids else
                   node[k] if k < len(node) and old_ids[k] not in new_ids else None for k, i in enumerate(new_ids)]
        kept = {id(x) for x in targets if x is not None}
        for index in reversed(range(len(node))):
            if id(node[index]) not in kept:
                del node[index]
        flow = bool(node) and all(getattr(i, "fa", None) is not None and i.fa.flow_style() for i in node)
        for index, (item, target) in enumerate(zip(new, targets, strict=True)):
            if target is None:
                node.insert(index, _fresh(item, flow=flow, depth=len(path) + 1))
                continue
            at = next(j for j in range(index, len(node)) if node[j] is target)
            if at != index:
                node.insert(index, node.pop(at))
            node[index] = _update(node[index], item, (*path, index))
        return
    for index in reversed(range(len(new), len(node))):
        del node[index]
    for index, item in enumerate(new):
        if index < len(node):
            node[index] = _update(node[index], item, (*path, index))
        else:
            node.append(_fresh(item, depth=len(path) + 1))


def _update(old: Any, new: Any, path: tuple) -> Any:
    """`old` changed to read as `new`, keeping what is equal (and its formatting and comments)."""
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        _update_map(old, new, path)
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        _update_seq(old, new, path)
        return old
    if _same_scalar(old, new):
        return old
    return _fresh(new, depth=len(path))


# --- the public functions -----------------------------------------------------------------------------------

def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


_KEY = re.compile(r"^((?:- +)*)([^\s#'\"{\[-][^:#]*|\"[^\"]*\"|'[^']*'):(?: +|$)(.*)$")


def _logical_lines(lines: list[str]) -> list[list[str]]:
    """`lines` grouped so that one YAML line written over several lines is one group: a flow mapping or list,
    a quoted or plain scalar continued on deeper-indented lines."""
    groups: list[list[str]] = []
    depth = 0
    quote: str | None = None
    plain_key: int | None = None  # the column of a key whose plain value may go on on deeper lines
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        continued = depth > 0 or quote is not None or (
            plain_key is not None and stripped and not stripped.startswith("#") and indent > plain_key)
        if continued and groups:
            groups[-1].append(line)
        else:
            groups.append([line])
            plain_key = None
            match = _KEY.match(line.lstrip(" "))
            if match:
                value = match.group(3).strip()
                if value and value[0] not in "|>#&*!{['\"":
                    plain_key = indent + len(match.group(1))
        previous = " "
        for char in line.rstrip("\n"):
            if quote:
                if char == quote:
                    quote = None
            elif char in "'\"" and previous in " :,[{-":
                quote = char
            elif char == "#" and previous == " ":
                break
            elif char in "{[" and previous in " :,[{-":
                depth += 1
            elif char in "}]" and depth:
                depth -= 1
            previous = char
    return groups


def _carry_over(before: list[str], after: list[str], original: list[str]) -> list[str]:
    """One region where the library writes the user's lines differently and the edit changes something: the
    user's lines where the edit left a line alone (when the lines correspond one to one), the edit's elsewhere."""
    groups = _logical_lines(original)
    if len(groups) != len(before):
        return after
    result: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            result.extend(line for group in groups[i1:i2] for line in group)
        else:
            result.extend(after[j1:j2])
    return result


def _keep_untouched(original: str, before: str, after: str) -> str:
    """Carry the edit (``before`` -> ``after``, both written by the library) over to the user's own text, so
    that lines the library would have written differently (line wrapping, spacing) stay as the user wrote them
    wherever the edit does not touch them."""
    if before == original:
        return after
    merged: list[str] = []
    for group in Merge3(_lines(before), _lines(after), _lines(original)).merge_groups():
        if group[0] == "conflict":
            merged.extend(_carry_over(list(group[1]), list(group[2]), list(group[3])))
        else:
            merged.extend(group[1])
    return "".join(merged)


def apply_document(text: str, document: dict[str, Any], source: str = "model.yaml") -> str:
    """`text` changed so that it reads as `document`; only the parts that differ are written anew.

    Comments, key order, quoting and number formatting of every untouched part are kept. An empty `text`
    gives a new file. Raises UserError when `text` is no readable YAML.
    """
    if plain_document(text, source) == document and text.strip():
        return text
    engine = _yaml(text)
    tree = engine.load(text) if text.strip() else None
    if not isinstance(tree, CommentedMap):
        return _dump(engine, _fresh(document))
    before = _dump(engine, tree)
    _update_map(tree, document, ())
    result = _keep_untouched(text, before, _dump(engine, tree))
    if plain_document(result, source) != document:  # pragma: no cover - a safety net; the property test guards it
        result = _keep_untouched(text, before, _dump(engine, _fresh(document)))
    return result


def edit_text(text: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> str:
    """Apply `change` (a function that edits the plain document, in place or by returning a new one)."""
    document = plain_document(text)
    result = change(document)
    return apply_document(text, document if result is None else result)


def _find(document: dict[str, Any], section: str, item_id: str) -> int:
    for index, item in enumerate(document.get(section) or []):
        if isinstance(item, dict) and item.get("id") == item_id:
            return index
    raise KeyError(f"there is no {section} item with id {item_id!r}")


def set_part(text: str, section: str, item: dict[str, Any], item_id: str | None = None) -> str:
    """Replace the part `item_id` of `section` by `item` (or add `item` when `item_id` is None)."""
    document = plain_document(text)
    items = list(document.get(section) or [])
    if item_id is None:
        items.append(item)
    else:
        items[_find(document, section, item_id)] = item
    document[section] = items
    return apply_document(text, document)


def remove_part(text: str, section: str, item_id: str) -> str:
    """The text without the part `item_id` of `section`."""
    document = plain_document(text)
    index = _find(document, section, item_id)
    document[section] = [x for i, x in enumerate(document[section]) if i != index]
    return apply_document(text, document)


def diff_lines(old: str, new: str) -> list[str]:
    """The changed lines of a unified diff (``-`` and ``+`` lines, without the file headers)."""
    return [line for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


# --- two edits of the same version ------------------------------------------------------------------------

@dataclass
class Conflict:
    """A place both edits changed differently: the lines of the common version, of mine and of theirs."""

    base: list[str]
    mine: list[str]
    theirs: list[str]


@dataclass
class Merge:
    """A three-way merge: the merged text when the edits do not overlap, else the conflicts. `mine_kept` is
    the merge with my lines where both changed: their other changes kept, so that saving it never drops them."""

    text: str | None
    conflicts: list[Conflict] = field(default_factory=list)
    mine_kept: str = ""

    @property
    def clean(self) -> bool:
        return self.text is not None


_NEWLINE = re.compile(r"\n?$")


def merge_texts(base: str, mine: str, theirs: str) -> Merge:
    """Merge two edits of `base`: where they change different lines both are kept; where they change the same
    lines differently, the result has no text and names the conflicts."""
    def lines(text: str) -> list[str]:
        return _lines(_NEWLINE.sub("\n", text, count=1))

    merged: list[str] = []
    kept: list[str] = []
    conflicts: list[Conflict] = []
    for group in Merge3(lines(base), lines(mine), lines(theirs)).merge_groups():
        if group[0] == "conflict":
            conflicts.append(Conflict(*(list(part) for part in group[1:])))
            kept.extend(group[2])
        else:
            merged.extend(group[1])
            kept.extend(group[1])
    return Merge(None if conflicts else "".join(merged), conflicts, "".join(kept))

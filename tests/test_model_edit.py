"""Editing a model's YAML in place (impactlab.model.edit): the edit reads back as the same edit on the parsed
document, and every line the edit does not touch stays byte for byte as the user wrote it."""

from __future__ import annotations

import copy

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from impactlab.model import check_text, dump_model, parse_model
from impactlab.model.edit import (
    _logical_lines,
    apply_document,
    diff_lines,
    edit_text,
    merge_texts,
    plain_document,
    remove_part,
    set_part,
)
from impactlab.model.examples import example_text
from impactlab.model.yaml_lines import line_of, parse_yaml

# the shipped examples (comments, flow items written over two lines, folded text), a file as `dump_model`
# writes it, and one with list dashes at the parent's indentation and four-space mappings
DEDENTED = """# a model written by hand
impactlab: 1
programme:
    name: Dedented   # a comment on the name
    price_year: 2024
stakeholders:
- id: clients
  name: Clients
  size: 12
- {id: funder, name: Funder}
inputs:
- {id: grant, stakeholder: funder, amount: 1000}
outcomes:
- id: better
  stakeholder: clients
  description: Better
  quantity: 10
  value: 100.50
  deadweight: {base: 0.2, low: 0.1, high: 0.30}
"""
TEXTS = [example_text("buurtcirkels"), example_text("eenzaamheid"), example_text("template"),
         dump_model(parse_model(example_text("eenzaamheid"))), DEDENTED]


def scalar_paths(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from scalar_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from scalar_paths(value, (*path, index))
    elif isinstance(node, str) and "\n" in node:
        return  # folded text: its own block
    else:
        yield path


def set_at(document, path, value):
    node = document
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


NEW_VALUES = st.one_of(
    st.integers(-10**6, 10**6),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.sampled_from(["yes", "no", "on", "1_000", "12:30", "a: b", "#hash", "- dash", "' quote", "null", "",
                     " space", "Zorg & Welzijn", "ë ü", "2025-01-01", "{not: flow}"]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30),
)


def group_span(text: str, line: int) -> tuple[int, int]:
    """The 0-based [start, end) lines of the logical line (a flow item over several lines) holding `line`."""
    lines = text.splitlines(keepends=True)
    start = 0
    for group in _logical_lines(lines):
        if start <= line - 1 < start + len(group):
            end = start + len(group)
            if group[0].rstrip().endswith((">-", ">", "|", "|-")):  # a block scalar: its indented lines too
                indent = len(group[0]) - len(group[0].lstrip(" "))
                while end < len(lines) and len(lines[end]) - len(lines[end].lstrip(" ")) > indent:
                    end += 1
            return start, end
        start += len(group)
    raise AssertionError(line)


@settings(max_examples=150, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.data())
def test_a_changed_value_reads_back_and_only_its_line_changes(data) -> None:
    text = data.draw(st.sampled_from(TEXTS))
    document = plain_document(text)
    path = data.draw(st.sampled_from(list(scalar_paths(document))))
    value = data.draw(NEW_VALUES)
    edited = copy.deepcopy(document)
    set_at(edited, path, value)

    result = apply_document(text, edited)

    assert plain_document(result) == edited
    line = line_of(parse_yaml(text, "model.yaml"), path)
    start, end = group_span(text, line)
    old, new = text.splitlines(keepends=True), result.splitlines(keepends=True)
    tail = len(old) - end
    assert new[:start] == old[:start]
    assert new[len(new) - tail:] == old[end:] and len(new) - tail - start <= max(1, end - start)


@settings(max_examples=80, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.data())
def test_adding_and_removing_parts_reads_back_and_keeps_other_sections(data) -> None:
    text = data.draw(st.sampled_from(TEXTS))
    document = plain_document(text)
    section = data.draw(st.sampled_from([s for s in ("stakeholders", "inputs", "outcomes") if document.get(s)]))
    edited = copy.deepcopy(document)
    if data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(edited[section]) - 1))
        del edited[section][index]
    else:
        edited[section].append({"id": data.draw(st.from_regex(r"[a-z_]{1,12}", fullmatch=True)) + "_new",
                                "name": data.draw(st.sampled_from(["New", "yes", "Zorg: thuis"]))})
    result = apply_document(text, edited)
    assert plain_document(result) == edited
    data_lines = parse_yaml(text, "model.yaml")
    first = data_lines.key_lines[section] - 1
    old, new = text.splitlines(keepends=True), result.splitlines(keepends=True)
    assert new[:first] == old[:first]  # everything above the section as written


def test_one_field_is_a_one_line_diff_and_comments_and_numbers_survive() -> None:
    text = example_text("buurtcirkels")
    document = plain_document(text)
    outcome = next(o for o in document["outcomes"] if o["id"] == "self_reliance")
    outcome["attribution"] = 0.35
    result = apply_document(text, document)
    assert diff_lines(text, result) == ["-    attribution: 0.25", "+    attribution: 0.35"]
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#") or " # " in line]
    assert comments and all(line in result.splitlines() for line in comments)
    assert "size: 240" in result and "240.0" not in result
    # the same through a pydantic round trip of the number (a form posts 240.0)
    document["stakeholders"][0]["size"] = 240.0
    assert "size: 240," in apply_document(text, document)
    assert check_text(result).model.outcomes[1].attribution == 0.35


def test_helpers_for_notebooks() -> None:
    text = example_text("template")
    text = set_part(text, "stakeholders", {"id": "neighbours", "name": "Neighbours", "size": 40})
    assert text.splitlines()[-1] != "  - {id: neighbours, name: Neighbours, size: 40}"  # added after funder
    assert "  - {id: neighbours, name: Neighbours, size: 40}" in text
    text = set_part(text, "stakeholders", {"id": "neighbours", "name": "Buren", "size": 40}, "neighbours")
    assert "name: Buren" in text and "# bring proxies to the price year" in text
    text = remove_part(text, "stakeholders", "neighbours")
    assert text == example_text("template")
    assert edit_text(text, lambda d: d["programme"].update(name="Mine")).count("name: Mine") == 1


def test_a_new_document_from_nothing() -> None:
    document = {"impactlab": 1, "programme": {"name": "Nieuw", "price_year": 2025},
                "stakeholders": [{"id": "a", "name": "yes"}]}
    text = apply_document("", document)
    assert plain_document(text) == document and check_text(text).ok


def test_merge_of_two_edits() -> None:
    base = example_text("buurtcirkels")
    mine = base.replace("attribution: 0.30", "attribution: 0.35", 1)
    theirs = base.replace("size: 240", "size: 250")
    merged = merge_texts(base, mine, theirs)
    assert merged.clean and "attribution: 0.35" in merged.text and "size: 250" in merged.text
    clash = merge_texts(base, mine, base.replace("attribution: 0.30", "attribution: 0.25", 1))
    assert not clash.clean and clash.conflicts[0].mine == ["    attribution: 0.35\n"]
    assert clash.conflicts[0].theirs == ["    attribution: 0.25\n"]
    # mine where both changed, their other changes kept: saving it never drops a change of theirs
    both = merge_texts(base, mine, theirs.replace("attribution: 0.30", "attribution: 0.25", 1))
    assert not both.clean and both.mine_kept == mine.replace("size: 240", "size: 250")

"""Questionnaire documents: conditions, skip logic, answer validation, frames, scoring and YAML round-trip."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from impactlab.errors import UserError
from impactlab.fieldwork.conditions import ConditionError, evaluate, parse_condition
from impactlab.fieldwork.questionnaire import (
    clean_answers,
    load_questionnaire,
    localise,
    questionnaire_from_data,
    questionnaire_from_yaml,
    questionnaire_to_yaml,
    responses_to_frame,
    save_questionnaire,
    score_responses,
    validate_answers,
    visible_questions,
)

DOC = {
    "id": "welzijn-t0",
    "title": {"nl": "Welzijn", "en": "Wellbeing"},
    "items": [
        {"id": "intro", "type": "note", "text": {"nl": "Welkom", "en": "Welcome"}},
        {"id": "alone", "type": "single_choice", "text": {"nl": "Woont u alleen?"}, "required": True,
         "choices": [{"code": 1, "label": {"nl": "ja", "en": "yes"}}, {"code": 2, "label": {"nl": "nee"}}]},
        {"id": "housemates", "type": "integer", "text": {"nl": "Huisgenoten"}, "required": True,
         "min": 1, "max": 20, "show_if": "alone == 2"},
        {"id": "grade", "type": "scale", "text": {"nl": "Rapportcijfer"}, "min": 0, "max": 10,
         "min_label": {"nl": "slecht"}, "max_label": {"nl": "uitstekend"}},
        {"id": "helpers", "type": "multiple_choice", "text": {"nl": "Wie helpt?"}, "max": 2,
         "choices": [{"code": 1}, {"code": 2}, {"code": 3}]},
        {"id": "hours", "type": "decimal", "text": {"en": "Hours"}, "min": 0, "constraint": ". <= 168",
         "constraint_message": {"nl": "Een week heeft 168 uur", "en": "A week has 168 hours"},
         "show_if": "helpers in [1, 3] or grade >= 7"},
        {"id": "since", "type": "date", "text": {"en": "Since"}, "earliest": "2020-01-01"},
        {"id": "why", "type": "text", "text": {"en": "Why?"}, "max_length": 200,
         "show_if": "not (grade > 5) and answered(helpers)"},
        {"instrument": "djg-6", "required": False, "show_if": "answered(grade)"},
    ],
}
LONELINESS = {"lone3": 1, "lone4": 2, "lone7": 3, "lone8": 1, "lone9": 2, "lone10": 3}


@pytest.fixture
def form():
    return questionnaire_from_data(DOC)


# ------------------------------------------------------------------------------------- conditions
@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        ("q3 == 2", {"q3": 2}, True),
        ("q3 = 2", {"q3": "2"}, True),
        ("q3 == 2", {}, False),
        ("q3 != 2", {}, False),  # unanswered: every comparison is false
        ("not answered(q3)", {}, True),
        ("q5 in [1, 2]", {"q5": 2}, True),
        ("q5 in [1, 2]", {"q5": [3, 2]}, True),
        ("q5 not in [1, 2]", {"q5": [3]}, True),
        ("q5 == 3", {"q5": [1, 3]}, True),
        ("q5 != 3", {"q5": [1, 3]}, False),
        ("q2 >= 7", {"q2": 7}, True),
        ("q2 >= 7 and q3 == 'x' or q4 < 0", {"q2": 8, "q3": "y", "q4": -1}, True),
        ("q2 >= 7 and (q3 == 'x' or q4 < 0)", {"q2": 6, "q3": "x"}, False),
        ("d >= '2024-01-01'", {"d": date(2024, 5, 1)}, True),
        ("a <= b", {"a": 3, "b": 4}, True),
    ],
)
def test_conditions(condition, answers, expected):
    assert evaluate(parse_condition(condition), answers) is expected


@pytest.mark.parametrize(
    "text",
    ["", "q3 ==", "q3 === 2", "__import__('os').system('x')", "q3 == 2 and", "q3 in []", "(q3 == 2", "1 == q3",
     "q3 == 2; q4 == 1", "q3 == [1]", "lambda: 1"],
)
def test_bad_conditions_are_refused_not_evaluated(text):
    with pytest.raises(ConditionError):
        parse_condition(text)


names = st.sampled_from(["q1", "q2", "x_y", "a.b"])
values = st.one_of(st.integers(-50, 50), st.sampled_from(["ja", "nee", "it's"]))
atoms = st.one_of(
    st.builds(lambda n, o, v: f"{n} {o} {v!r}", names, st.sampled_from(["==", "!=", "<", ">="]), values),
    st.builds(lambda n, vs: f"{n} in [{', '.join(map(repr, vs))}]", names, st.lists(values, min_size=1, max_size=3)),
    st.builds(lambda n: f"answered({n})", names),
)
conditions = st.recursive(
    atoms, lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
        st.builds(lambda a, b: f"({a}) or ({b})", inner, inner),
        st.builds(lambda a: f"not ({a})", inner),
    ), max_leaves=8,
)


@given(conditions, st.dictionaries(names, values))
def test_printed_conditions_parse_back_to_the_same_meaning(text, answers):
    condition = parse_condition(text)
    again = parse_condition(str(condition))
    assert again == condition
    assert evaluate(again, answers) == evaluate(condition, answers)


# ------------------------------------------------------------------------------- the document
def test_instrument_block_expands_to_scorable_items(form):
    ids = [q.id for q in form.questions]
    assert ids[-6:] == list(LONELINESS)
    item = form.question("lone3")
    assert item.type == "single_choice" and item.codes == [1, 2, 3] and item.text.nl
    assert item.show_if == "answered(grade)" and not item.required
    assert form.instrument_columns == {"djg-6": {c: c for c in LONELINESS}}


def test_yaml_round_trip(form, tmp_path):
    text = questionnaire_to_yaml(form)
    assert questionnaire_from_yaml(text) == form
    save_questionnaire(form, tmp_path / "q.yaml")
    assert load_questionnaire(tmp_path / "q.yaml") == form
    assert "lone3" not in text  # the block is stored, not its expansion


def _broken(change) -> str:
    data = {**DOC, "items": [dict(item) for item in DOC["items"]]}
    change(data)
    with pytest.raises(UserError) as caught:
        questionnaire_from_data(data, "form.yaml")
    return str(caught.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["items"][2].update(show_if="grade > 5"), "'grade' is not an earlier question"),
        (lambda d: d["items"][2].update(show_if="alone == 7"), "7 is not a choice code of 'alone'"),
        (lambda d: d["items"][2].update(show_if="intro == 1"), "'intro' is a note and has no answer"),
        (lambda d: d["items"][2].update(show_if="alone =="), "show_if 'alone ==': at character 9"),
        (lambda d: d["items"][5].update(show_if="helpers > 1"), "'>' cannot compare the selection"),
        (lambda d: d["items"][5].update(show_if="grade == 'high'"), "'grade' is a number"),
        (lambda d: d["items"][3].update(min=None), "a scale needs whole numbers 'min' and 'max'"),
        (lambda d: d["items"][1].update(choices=[{"code": 1}, {"code": 1}]), "choice codes must be unique"),
        (lambda d: d["items"][1].update(min=3), "'min' does not apply to type single_choice"),
        (lambda d: d["items"][6].update(show_if=". == 1"), "'.' (this answer) can only be used in a constraint"),
        (lambda d: d["items"].append({"id": "lone3", "type": "text", "text": {"en": "x"}}),
         "question id 'lone3' is used more than once"),
        (lambda d: d["items"].append({"instrument": "no-such-instrument"}), "no-such-instrument"),
        (lambda d: d["items"][0].update(kind="x"), "form.yaml: items[0] (intro).kind"),
    ],
)
def test_invalid_documents_name_the_place(change, expected):
    assert expected in _broken(change)


def test_bad_yaml_is_a_user_error():
    with pytest.raises(UserError, match="not valid YAML"):
        questionnaire_from_yaml("id: [unclosed")


# ------------------------------------------------------------------------------------ skip logic
def test_visible_questions_follow_earlier_answers(form):
    shown = [q.id for q in visible_questions(form, {"alone": 1})]
    assert shown == ["intro", "alone", "grade", "helpers", "since"]
    shown = [q.id for q in visible_questions(form, {"alone": 2, "grade": 4, "helpers": [2]})]
    assert shown[:7] == ["intro", "alone", "housemates", "grade", "helpers", "since", "why"]
    assert "hours" not in shown and shown[-1] == "lone10"


def test_hidden_chain_counts_as_unanswered(form):
    # 'why' depends on 'helpers'; an invalid 'helpers' answer is not counted, so 'why' stays hidden
    answers = {"alone": 1, "grade": 3, "helpers": [1, 2, 3], "why": "x"}
    clean, errors = clean_answers(form, answers)
    assert [(e.question, e.code) for e in errors] == [("helpers", "range")]
    assert "why" not in clean


# ------------------------------------------------------------------------------- validation
def test_valid_answers(form):
    clean, errors = clean_answers(form, {"alone": "2", "housemates": "3", "grade": 8, "helpers": "3,1",
                                         "hours": "12,5", "since": "2021-02-03", "why": "", **LONELINESS})
    assert errors == []
    assert clean["helpers"] == [1, 3] and clean["hours"] == 12.5 and clean["since"] == date(2021, 2, 3)
    assert "why" not in clean  # shown only when grade <= 5


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, [("alone", "required")]),
        ({"alone": 2}, [("housemates", "required")]),
        ({"alone": 3}, [("alone", "choice")]),
        ({"alone": "ja"}, [("alone", "choice")]),
        ({"alone": 2, "housemates": 0}, [("housemates", "range")]),
        ({"alone": 2, "housemates": 2.5}, [("housemates", "type")]),
        ({"alone": 1, "grade": 11}, [("grade", "range")]),
        ({"alone": 1, "grade": True}, [("grade", "type")]),
        ({"alone": 1, "grade": 8, "hours": 200}, [("hours", "constraint")]),
        ({"alone": 1, "grade": 8, "hours": -1}, [("hours", "range")]),
        ({"alone": 1, "grade": 8, "hours": "veel"}, [("hours", "type")]),
        ({"alone": 1, "since": "2019-12-31"}, [("since", "range")]),
        ({"alone": 1, "since": "gisteren"}, [("since", "type")]),
        ({"alone": 1, "grade": 2, "helpers": [1], "why": "x" * 201}, [("why", "length")]),
        ({"alone": 1, "grade": 2, "helpers": [1], "why": 5}, [("why", "type")]),
        ({"alone": 1, "grade": 2, "lone3": 4}, [("lone3", "choice")]),
        ({"alone": 1, "who": "Jan"}, [("who", "unknown")]),
    ],
)
def test_invalid_answers(form, answers, expected):
    assert [(e.question, e.code) for e in validate_answers(form, answers)] == expected


def test_error_texts_in_both_languages(form):
    [error] = validate_answers(form, {"alone": 1, "grade": 8, "hours": 200})
    assert error.text("nl") == "Een week heeft 168 uur" and error.text("en") == "A week has 168 hours"
    [error] = validate_answers(form, {})
    assert "moet beantwoord" in error.text("nl")


def test_hidden_answers_are_dropped_not_refused(form):
    clean, errors = clean_answers(form, {"alone": 1, "housemates": 4, "intro": "x"})
    assert errors == [] and clean == {"alone": 1}


def test_localise():
    assert localise(DOC_TEXT := questionnaire_from_data(DOC).title, "en") == "Wellbeing"
    assert localise(DOC_TEXT, "nl") == "Welzijn" and localise(None) == ""


# -------------------------------------------------------------------------------------- frames
def test_responses_to_frame_and_scoring(form):
    responses = [
        {"respondent": "r1", "wave": "T0", "alone": 1, "grade": 4, "helpers": [1], "hours": 2,
         "why": "bel me op 06-12345678", **LONELINESS},
        {"respondent": "r2", "wave": "T0", "alone": 2, "housemates": 2, "helpers": "", "hours": 3},
    ]
    frame = responses_to_frame(form, responses)
    assert frame.columns[:4] == ["respondent", "wave", "alone", "housemates"]
    assert frame.schema["helpers.1"] == pl.Int8 and frame.schema["since"] == pl.Date
    assert frame.row(0, named=True)["helpers.1"] == 1 and frame.row(0, named=True)["helpers.2"] == 0
    assert frame.row(1, named=True)["helpers.1"] is None  # unanswered stays missing
    assert frame["hours"].to_list() == [2.0, None]  # r2: hidden (no helper 1/3, no grade), dropped
    assert frame["why"][0] == "bel me op [telefoon]"
    scored = score_responses(form, frame)
    # djg-6 scores 1 for: lone3 in {2,3}: 1 -> 0; lone4 in {1,2}: 2 -> 1; lone7 in {1,2}: 3 -> 0;
    # lone8 in {1,2}: 1 -> 1; lone9 in {2,3}: 2 -> 1; lone10 in {2,3}: 3 -> 1. Total 4.
    assert scored["djg-6"][0] == 4.0
    assert scored["djg-6"][1] is None


def test_responses_to_frame_refuses_bad_responses_whole(form):
    with pytest.raises(UserError, match="response 2, question 'alone': this question needs an answer"):
        responses_to_frame(form, [{"alone": 1}, {"wave": "T0"}])


def test_empty_frame_has_the_full_schema(form):
    frame = responses_to_frame(form, [])
    assert frame.height == 0 and "helpers.3" in frame.columns and frame.schema["grade"] == pl.Int64

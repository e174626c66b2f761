"""Real public XLSForms (tests/data/xlsforms/README.md names their sources): what impactlab imports, and why
the rest are refused; and a property test: any form the reader accepts round-trips through YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from impactlab.fieldwork.questionnaire import questionnaire_from_yaml, questionnaire_to_yaml
from impactlab.fieldwork.xlsform import check_xlsform

DATA = Path(__file__).parent / "data" / "xlsforms"
EXPECTED = {
    "pyxform_specify_other.xlsx": set(),
    "pyxform_group.xlsx": set(),
    "pyxform_yes_or_no_question.xlsx": set(),
    "onadata_multi_lingual_form.xlsx": set(),
    "onadata_sample_accent.xlsx": set(),
    "onadata_hxl_example.xlsx": set(),
    "pyxform_tutorial.xls": {"repeat"},
    "onadata_testing_repeats.xlsx": {"repeat"},
    "pyxform_gps.xls": {"geopoint"},
    "pyxform_choice_filter_test.xlsx": {"choice_filter"},
    "onadata_cascading.xlsx": {"choice_filter"},
}


def test_every_sample_form_is_listed():
    assert {p.name for p in DATA.glob("*.xls*")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_form(name):
    report = check_xlsform(DATA / name)
    assert {p.feature for p in report.problems} == EXPECTED[name], report.messages
    assert report.questions and report.languages
    if report.ok:
        form = report.questionnaire
        assert questionnaire_from_yaml(questionnaire_to_yaml(form)) == form
    else:
        assert all(m.startswith(f"{DATA / name}, sheet 'survey', row ") for m in report.messages)


def test_multi_language_form_keeps_english_and_reports_the_others():
    report = check_xlsform(DATA / "onadata_multi_lingual_form.xlsx")
    assert set(report.languages) == {"English", "Swahili", "French"}
    assert all(q.text.en for q in report.questionnaire.questions)
    assert any("French" in w and "not kept" in w for w in report.warnings)


LETTERS = st.characters(codec="utf-8", categories=("L", "N"), include_characters=".,?!-'()")
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda n: n not in {"and", "or", "not", "in"})
ROWS = st.lists(st.tuples(NAMES, st.sampled_from(["text", "integer", "decimal", "date", "note", "select_one yn",
                                                  "select_multiple yn", "acknowledge", "begin_group"]),
                          # pyxform cleans labels (no-break spaces, runs of spaces, curly quotes): words, one space
                          st.lists(st.text(LETTERS, min_size=1, max_size=8), min_size=1, max_size=3).map(" ".join),
                          st.booleans()),
                min_size=1, max_size=8, unique_by=lambda r: r[0]).filter(lambda rows: any(r[1] != "begin_group"
                                                                                          for r in rows))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS)
def test_reader_property_accepted_forms_round_trip_and_keep_every_question(tmp_path, rows):
    """Whatever (valid) rows a form has, the reader either converts each question, in order, with its label
    and required flag, or says why per row; never an unexplained error."""
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "required"])
    opened = 0
    for name, kind, label, required in rows:
        survey.append([kind, name, label, "yes" if required and kind not in {"note", "begin_group"} else None])
        opened += kind == "begin_group"
    for _ in range(opened):
        survey.append(["end_group"])
    choices = book.create_sheet("choices")
    for row in (["list_name", "name", "label"], ["yn", 1, "ja"], ["yn", 2, "nee"]):
        choices.append(row)
    path = tmp_path / "p.xlsx"
    book.save(path)
    report = check_xlsform(path)
    assert report.ok, report.messages
    form = report.questionnaire
    asked = [r for r in rows if r[1] != "begin_group"]
    assert [q.id for q in form.questions] == [r[0] for r in asked]
    for question, (_name, kind, label, required) in zip(form.questions, asked, strict=True):
        assert question.text.nl == label
        assert question.required == (required and kind != "note")
    assert questionnaire_from_yaml(questionnaire_to_yaml(form)) == form


def test_untranslated_texts_of_a_form_in_one_language_are_in_that_language():
    form = check_xlsform(DATA / "pyxform_specify_other.xlsx").questionnaire  # label:English, no default_language
    assert form.question("sex_other").text.en == "Specify other." and form.question("sex_other").text.nl is None

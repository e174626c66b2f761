"""XLSForm import: a good multi-language form, and broken forms with messages naming file, sheet, row, column."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from impactlab.errors import UserError
from impactlab.fieldwork.questionnaire import clean_answers, questionnaire_from_yaml, questionnaire_to_yaml
from impactlab.fieldwork.xlsform import read_xlsform

SURVEY_HEADER = ["type", "name", "label::Nederlands (nl)", "label::English (en)", "required", "relevant",
                 "constraint", "constraint_message::Nederlands (nl)", "hint::English (en)", "parameters"]
SURVEY = [
    ["start", "start"],
    ["deviceid", "deviceid"],
    ["note", "intro", "Welkom", "Welcome"],
    ["select_one yesno", "alone", "Woont u alleen?", "Do you live alone?", "yes"],
    ["integer", "housemates", "Hoeveel huisgenoten?", "How many housemates?", "yes", "${alone} = 'no'",
     ". >= 1 and . <= 20", "Tussen 1 en 20"],
    ["begin group", "support", "Steun", "Support", None, "${alone} != ''"],
    ["select_multiple helpers", "helpers", "Wie helpt u?", "Who helps you?"],
    ["decimal", "hours", "Uren hulp per week", "Hours of help per week", None,
     "selected(${helpers}, '1') or selected(${helpers}, '3')", ". >= 0"],
    ["end group"],
    ["range", "grade", "Rapportcijfer", "Grade", None, None, None, None, "0 is worst", "start=0 end=10 step=1"],
    ["date", "visit", "Datum bezoek", "Date of visit"],
    ["text", "why", "Waarom?", "Why?", None, "${grade} < 6 and not(${alone} = 'yes')"],
]
CHOICES_HEADER = ["list_name", "name", "label::Nederlands (nl)", "label::English (en)"]
CHOICES = [
    ["yesno", "yes", "ja", "yes"],
    ["yesno", "no", "nee", "no"],
    ["helpers", 1, "familie", "family"],
    ["helpers", 2, "vrijwilliger", "volunteer"],
    ["helpers", 3, "professional", "professional"],
]
SETTINGS = [["form_title", "form_id", "version", "default_language"],
            ["Welzijn thuis", "Welzijn_Thuis", 2024061201, "Nederlands (nl)"]]


def write_form(path: Path, survey=None, choices=None, settings=None, sheets=("survey", "choices", "settings"),
               survey_header=None) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    content = {
        "survey": [survey_header or SURVEY_HEADER, *(SURVEY if survey is None else survey)],
        "choices": [CHOICES_HEADER, *(CHOICES if choices is None else choices)],
        "settings": settings or SETTINGS,
    }
    for name in sheets:
        sheet = workbook.create_sheet(name)
        for row in content[name]:
            sheet.append(row)
    workbook.save(path)
    return path


def test_good_form(tmp_path):
    form = read_xlsform(write_form(tmp_path / "form.xlsx"))
    assert form.id == "welzijn_thuis" and form.version == "2024061201" and form.title.nl == "Welzijn thuis"
    by_id = {q.id: q for q in form.questions}
    assert list(by_id) == ["intro", "alone", "housemates", "helpers", "hours", "grade", "visit", "why"]
    assert by_id["alone"].type == "single_choice" and by_id["alone"].codes == ["yes", "no"]
    assert by_id["alone"].required and by_id["alone"].text.en == "Do you live alone?"
    assert by_id["helpers"].type == "multiple_choice" and by_id["helpers"].codes == [1, 2, 3]
    assert by_id["helpers"].choices[1].label.nl == "vrijwilliger"
    assert by_id["housemates"].show_if == "alone == 'no'"
    assert by_id["housemates"].constraint == ". >= 1 and . <= 20"
    assert by_id["housemates"].constraint_message.nl == "Tussen 1 en 20"
    assert by_id["hours"].show_if == "answered(alone) and (helpers == 1 or helpers == 3)"
    assert (by_id["grade"].type, by_id["grade"].min, by_id["grade"].max) == ("scale", 0, 10)
    assert by_id["grade"].hint.en == "0 is worst"
    assert by_id["why"].show_if == "grade < 6 and not alone == 'yes'"
    assert questionnaire_from_yaml(questionnaire_to_yaml(form)) == form


def test_imported_form_validates_answers(tmp_path):
    form = read_xlsform(write_form(tmp_path / "form.xlsx"))
    clean, errors = clean_answers(form, {"alone": "no", "housemates": "25", "helpers": "2 3", "hours": "4,5",
                                         "grade": "4", "visit": "31-05-2024", "why": "eenzaam"})
    assert [(e.question, e.code) for e in errors] == [("housemates", "constraint")]
    assert errors[0].text("nl") == "Tussen 1 en 20"
    assert clean["hours"] == 4.5 and clean["helpers"] == [2, 3] and clean["visit"].isoformat() == "2024-05-31"
    assert clean["why"] == "eenzaam"  # shown: grade < 6 and not living alone
    clean, errors = clean_answers(form, {"alone": "yes", "housemates": 3, "helpers": [2], "hours": 2})
    assert errors == [] and "housemates" not in clean and "hours" not in clean  # hidden answers dropped


def test_plain_label_goes_to_the_default_language(tmp_path):
    path = write_form(tmp_path / "plain.xlsx", survey_header=["type", "name", "label"],
                      survey=[["text", "why", "Why?"]], settings=[["default_language"], ["English"]],
                      sheets=("survey", "settings"))
    form = read_xlsform(path)
    assert form.questions[0].text.en == "Why?" and form.id == "plain"


def _error(path: Path) -> str:
    with pytest.raises(UserError) as caught:
        read_xlsform(path)
    return str(caught.value)


def test_missing_survey_sheet(tmp_path):
    message = _error(write_form(tmp_path / "f.xlsx", sheets=("choices",)))
    assert "f.xlsx" in message and "You must have a sheet named 'survey'" in message


def test_missing_choices_sheet(tmp_path):
    message = _error(write_form(tmp_path / "f.xlsx", sheets=("survey",)))
    assert "There should be a choices sheet in this xlsform" in message


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["geopoint", "where", "Waar?"], "row 2, column 'type': impactlab cannot run geopoint questions yet"),
        (["selectone yesno", "x", "X"], "row 2, column 'type': 'selectone yesno' is not an XLSForm question type"),
        (["select_one nolist", "x", "X"], "row 2: List name not in choices sheet: nolist (pyxform)"),
        (["integer", "x", "X", None, "maybe"], "row 2, column 'required': impactlab cannot run required given as"),
        (["integer", "x", "X", None, None, "count-selected(${x}) > 1"],
         "row 2, column 'relevant': cannot use 'count-selected(${x}) > 1'"),
        (["integer", "x", "X", None, None, "${later} = 'yes'"], "row 2, column 'relevant': On the 'survey' sheet, the "
         "'relevant' value is invalid. Reference variables must contain a name from the 'survey' sheet. Could not "
         "find the name 'later'. (pyxform)"),
        (["integer", "x", "X", None, None, None, ". > today()"], "row 2, column 'constraint': cannot use"),
        (["range", "x", "X", None, None, None, None, None, None, "start=0 end=10 step=0.5"],
         "row 2, column 'parameters': a range needs whole numbers"),
        (["integer", "1x", "X"], "row 2, column 'name'"),
        (["begin_group", "g", "G"], "row 2: Unmatched 'begin_group'"),
        (["end_group"], "row 2: Unmatched 'end_group'"),
    ],
)
def test_broken_survey_rows(tmp_path, row, expected):
    message = _error(write_form(tmp_path / "broken.xlsx", survey=[row]))
    assert "broken.xlsx, sheet 'survey'" in message
    assert expected in message


def test_bad_relevant_value_for_a_choice(tmp_path):
    survey = [["select_one yesno", "alone", "A"], ["text", "why", "W", None, None, "${alone} = 'maybe'"]]
    message = _error(write_form(tmp_path / "f.xlsx", survey=survey))
    assert "row 3, column 'relevant'" in message and "'maybe' is not a choice code of 'alone'" in message


def test_duplicate_names_and_choices(tmp_path):
    survey = [["text", "why", "W"], ["text", "why", "W2"]]
    choices = [*CHOICES, ["yesno", "yes", "ja", "yes"]]
    message = _error(write_form(tmp_path / "f.xlsx", survey=survey, choices=choices))
    assert "sheet 'choices', row 7, column 'name': On the 'choices' sheet, the 'name' value is invalid." in message
    message = _error(write_form(tmp_path / "g.xlsx", survey=survey))
    assert "sheet 'survey', row 3, column 'name': " in message and "must be unique" in message


def test_not_a_workbook(tmp_path):
    fake = tmp_path / "form.xlsx"
    fake.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert "not a readable .xlsx workbook" in _error(fake)
    assert "file not found" in _error(tmp_path / "absent.xlsx")


# ------------------------------------------------------------------- pyxform: legacy names, or_other, features
def test_legacy_names_list_name_with_a_space_or_other_and_metadata(tmp_path):
    survey = [["imei", "imei"], ["uri:deviceid", "dev"], ["phonenumber", "phone"],
              ["select one yesno", "alone", "Alleen?", "Alone?", "yes"],
              ["select all that apply helpers or_other", "helpers", "Wie?", "Who?"],
              ["acknowledge", "ok", "Gelezen", "Read"],
              ["integer", "age", "Leeftijd", "Age", "yes", None, "${age} >= 18"]]
    path = write_form(tmp_path / "legacy.xlsx", survey=survey,
                      choices=[["yesno", "yes", "ja", "yes"], ["yesno", "no", "nee", "no"],
                               ["helpers", 1, "familie", "family"], ["helpers", 2, "buren", "neighbours"]])
    book = __import__("openpyxl").load_workbook(path)
    book["choices"]["A1"] = "list name"  # valid XLSForm, half of the real forms spell it so
    book.save(path)
    from impactlab.fieldwork.xlsform import check_xlsform
    report = check_xlsform(path)
    assert report.ok, report.messages
    form = report.questionnaire
    assert [q.id for q in form.questions] == ["alone", "helpers", "helpers_other", "ok", "age"]
    assert form.question("helpers").codes == ["1", "2", "other"]  # or_other: texts, 'other' added
    assert form.question("helpers_other").show_if == "helpers == 'other'"
    assert form.question("ok").codes == ["OK"]
    assert form.question("age").constraint == ". >= 18"  # its own name in its constraint is '.'
    assert report.features["or_other"] == 1 and report.features["metadata (collected by a device, not asked: left "
                                                                    "out)"] == 3


@pytest.mark.parametrize(("row", "column", "feature"), [
    (["begin_repeat", "kids", "Kinderen"], "type", "repeats"),
    (["time", "t", "Tijd"], "type", "time questions"),
    (["calculate", "c", "C", None, None, None, None, None, None, None, "1 + 1"], "calculation", "calculate"),
    (["select_one yesno", "x", "X", None, None, None, None, None, None, None, None, "name = 'yes'"],
     "choice_filter", "choice filters"),
    (["date", "x", "X", None, None, None, None, None, None, None, None, None, "today()"], "default",
     "a default given as an expression ('today()')"),
])
def test_features_impactlab_cannot_run_yet_name_sheet_row_column(tmp_path, row, column, feature):
    header = [*SURVEY_HEADER, "calculation", "choice_filter", "default"]
    survey = [row] + ([["integer", "n", "N"], ["end_repeat"]] if row[0] == "begin_repeat" else [])
    message = _error(write_form(tmp_path / "f.xlsx", survey=survey, survey_header=header))
    assert f"f.xlsx, sheet 'survey', row 2, column '{column}': " in message and feature in message


def test_required_message_and_cli(tmp_path):
    from typer.testing import CliRunner

    from impactlab.cli import app
    header = [*SURVEY_HEADER, "required_message::Nederlands (nl)"]
    path = write_form(tmp_path / "r.xlsx", survey_header=header,
                      survey=[["integer", "n", "Aantal", "Number", "yes", *[None] * 5, "Vul een aantal in"]])
    form = read_xlsform(path)
    assert clean_answers(form, {})[1][0].text("nl") == "Vul een aantal in"
    runner = CliRunner()
    result = runner.invoke(app, ["forms", "check", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"ok": true' in result.output and '"required_message": 1' in result.output
    out = tmp_path / "q.yaml"
    result = runner.invoke(app, ["forms", "convert", str(path), "--out", str(out)])
    assert result.exit_code == 0 and questionnaire_from_yaml(out.read_text()) == form
    bad = write_form(tmp_path / "bad.xlsx", survey=[["geopoint", "where", "Waar?"]])
    result = runner.invoke(app, ["forms", "check", str(bad)])
    assert result.exit_code == 2
    assert "row 2, column 'type': impactlab cannot run geopoint questions yet" in result.output
    result = runner.invoke(app, ["forms", "convert", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    refused_by_pyxform = write_form(tmp_path / "nolist.xlsx", survey=[["select_one nolist", "x", "X"]])
    result = runner.invoke(app, ["forms", "check", str(refused_by_pyxform), "--format", "json"])
    assert result.exit_code == 2 and '"feature": "pyxform"' in result.output


def test_a_literal_default_is_kept_and_checked(tmp_path):
    header = [*SURVEY_HEADER, "default"]
    survey = [["integer", "n", "Aantal", "Number", *[None] * 6, 3], ["select_multiple helpers", "h", "Wie", "Who",
                                                                     *[None] * 6, "1 3"]]
    form = read_xlsform(write_form(tmp_path / "d.xlsx", survey=survey, survey_header=header))
    assert form.question("n").default == "3" and form.question("h").default == "1 3"
    from impactlab.fieldwork.questionnaire import default_answers
    assert clean_answers(form, default_answers(form)) == ({"n": 3, "h": [1, 3]}, [])
    bad = write_form(tmp_path / "e.xlsx", survey=[["integer", "n", "N", *[None] * 7, "veel"]], survey_header=header)
    assert "row 2, column 'default': default 'veel': expected a whole number" in _error(bad)


def test_types_bring_their_pyxform_constraints_and_regex_on_the_answer_is_a_pattern(tmp_path):
    survey = [["percentage", "share", "Aandeel"], ["phone number", "tel", "Telefoon"],
              ["text", "postcode", "Postcode", *[None] * 3, "regex(., '^[1-9][0-9]{3} ?[A-Z]{2}$')", "Zoals 1234 AB"]]
    form = read_xlsform(write_form(tmp_path / "t.xlsx", survey=survey))
    assert form.question("share").constraint == ". >= 0 and . <= 100"
    assert form.question("tel").pattern == r"^\d*$" and form.question("tel").constraint is None
    assert questionnaire_from_yaml(questionnaire_to_yaml(form)) == form
    errors = clean_answers(form, {"tel": "06-123", "postcode": "3511 AB", "share": 50})[1]
    assert [(e.question, e.code) for e in errors] == [("tel", "constraint")]
    errors = clean_answers(form, {"postcode": "3511ab"})[1]
    assert errors[0].text("nl") == "Zoals 1234 AB"

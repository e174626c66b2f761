"""Instrument files and the scoring engine, checked against hand-scored examples."""

from __future__ import annotations

import textwrap
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from impactlab.errors import UserError
from impactlab.evidence.instruments import (
    SHIPPED_DIR,
    Instrument,
    list_instruments,
    load_instrument,
    score,
)

SHIPPED = ["cantril", "cantril-ladder", "djg-11", "djg-6", "ons4", "ons4-life-satisfaction", "positieve-gezondheid",
           "swemwbs", "wemwbs", "zrm"]


def frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """A frame from rows, with every column numeric (missing answers as null)."""
    return pl.DataFrame(rows, infer_schema_length=None)


def col(df: pl.DataFrame, name: str) -> list[object]:
    return df.get_column(name).to_list()


# -- shipped files ---------------------------------------------------------------------------------


def test_every_shipped_file_loads_with_matching_id() -> None:
    instruments = list_instruments()
    assert [i.id for i in instruments] == SHIPPED
    for path in SHIPPED_DIR.glob("*.yaml"):
        assert load_instrument(path).id == path.stem


@pytest.mark.parametrize("instrument_id", SHIPPED)
def test_shipped_instruments_cite_a_source_and_respect_text_licences(instrument_id: str) -> None:
    instrument = load_instrument(instrument_id)
    assert instrument.source and instrument.licence
    if not instrument.texts_shippable:
        assert all(i.text_en is None and i.text_nl is None for i in instrument.items)


# -- De Jong Gierveld ------------------------------------------------------------------------------


def test_djg6_dichotomous_scoring_by_hand() -> None:
    # codes: 1 = no, 2 = more or less, 3 = yes. Emotional items (lone3, lone9, lone10) score 1 for
    # 2 or 3; social items (lone4, lone7, lone8) score 1 for 1 or 2.
    rows = [
        # emotional 1+1+0 = 2, social 1+1+0 = 2, total 4 -> moderately lonely (2-4)
        {"lone3": 3, "lone9": 2, "lone10": 1, "lone4": 1, "lone7": 2, "lone8": 3},
        # emotional 0, social 0, total 0 -> not lonely
        {"lone3": 1, "lone9": 1, "lone10": 1, "lone4": 3, "lone7": 3, "lone8": 3},
        # lone3 missing: total counts the 5 answered items (no prorating) 1+1+1+1+1 = 5 -> severely;
        # emotional needs all three items -> missing; social 3
        {"lone3": None, "lone9": 3, "lone10": 3, "lone4": 1, "lone7": 1, "lone8": 1},
        # two items missing -> total missing
        {"lone3": None, "lone9": None, "lone10": 3, "lone4": 1, "lone7": 1, "lone8": 1},
    ]
    out = score("djg-6", frame(rows))
    assert col(out, "djg-6") == [4.0, 0.0, 5.0, None]
    assert col(out, "djg-6.emotional") == [2.0, 0.0, None, None]
    assert col(out, "djg-6.social") == [2.0, 0.0, 3.0, 3.0]
    assert col(out, "djg-6.category") == ["moderately lonely", "not lonely", "severely lonely", None]
    assert col(out, "djg-6.emotional.category") == ["lonely", "not lonely", None, None]
    assert col(out, "djg-6.social.category") == ["lonely", "not lonely", "lonely", "lonely"]


def test_djg6_category_boundaries() -> None:
    # totals 1 and 2 straddle the not lonely / moderately lonely boundary
    rows = [
        {"lone3": 3, "lone9": 1, "lone10": 1, "lone4": 3, "lone7": 3, "lone8": 3},  # 1
        {"lone3": 3, "lone9": 3, "lone10": 1, "lone4": 3, "lone7": 3, "lone8": 3},  # 2
    ]
    out = score("djg-6", frame(rows))
    assert col(out, "djg-6.category") == ["not lonely", "moderately lonely"]


def test_djg11_dichotomous_scoring_by_hand() -> None:
    # codes 1 no!, 2 no, 3 more or less, 4 yes, 5 yes!. Emotional items 2,3,5,6,9,10 score 1 for 3-5;
    # social items 1,4,7,8,11 score 1 for 1-3.
    all_neutral = {f"lone{k}": 3 for k in range(1, 12)}  # every item scores 1: total 11
    none = {f"lone{k}": (1 if k in (2, 3, 5, 6, 9, 10) else 5) for k in range(1, 12)}  # total 0
    mixed = {
        "lone1": 2, "lone2": 4, "lone3": 1, "lone4": 4, "lone5": 5, "lone6": 2,
        "lone7": 3, "lone8": 5, "lone9": 3, "lone10": 1, "lone11": 4,
    }
    # mixed: emotional lone2 1 + lone3 0 + lone5 1 + lone6 0 + lone9 1 + lone10 0 = 3;
    #        social lone1 1 + lone4 0 + lone7 1 + lone8 0 + lone11 0 = 2; total 5 -> moderately (3-8)
    out = score("djg-11", frame([all_neutral, none, mixed]))
    assert col(out, "djg-11") == [11.0, 0.0, 5.0]
    assert col(out, "djg-11.emotional") == [6.0, 0.0, 3.0]
    assert col(out, "djg-11.social") == [5.0, 0.0, 2.0]
    assert col(out, "djg-11.category") == ["severely lonely", "not lonely", "moderately lonely"]


# -- WEMWBS / SWEMWBS ------------------------------------------------------------------------------


def test_wemwbs_sum_by_hand() -> None:
    # q1..q14 = 1,2,3,4,5,1,2,3,4,5,1,2,3,4: two runs of 1..5 (15 each) plus 1+2+3+4 = 40
    answers = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4]
    row = {f"q{k}": v for k, v in enumerate(answers, start=1)}
    out = score("wemwbs", frame([row, {f"q{k}": 5 for k in range(1, 15)}]))
    assert col(out, "wemwbs") == [40.0, 70.0]  # all fives: 14 * 5 = 70


@pytest.mark.parametrize(
    ("answers", "raw", "metric"),
    [
        ([1] * 7, 7, 7.00),  # table end points
        ([5] * 7, 35, 35.00),
        ([2] * 7, 14, 15.32),  # interior points of the Stewart-Brown et al. (2009) table
        ([3] * 7, 21, 19.25),
        ([4] * 7, 28, 25.03),
        ([1, 2, 3, 4, 5, 1, 1], 17, 16.88),
        ([5, 5, 5, 5, 5, 5, 4], 34, 32.55),
    ],
)
def test_swemwbs_conversion_table(answers: list[int], raw: int, metric: float) -> None:
    out = score("swemwbs", frame([{f"q{k}": v for k, v in enumerate(answers, start=1)}]))
    assert col(out, "swemwbs.raw") == [float(raw)]
    assert col(out, "swemwbs") == [pytest.approx(metric)]


def test_column_mapping() -> None:
    data = frame([{f"SW_{k}": 3 for k in range(1, 8)}])
    out = score("swemwbs", data, columns={f"q{k}": f"SW_{k}" for k in range(1, 8)})
    assert col(out, "swemwbs.raw") == [21.0]
    with pytest.raises(UserError, match="item 'q1' expects column 'q1'"):
        score("swemwbs", data)


# -- ONS4, Cantril, ZRM, Positieve Gezondheid --------------------------------------------------------


def test_ons4_scores_each_question_with_its_own_thresholds() -> None:
    rows = [
        {"life_satisfaction": 4, "worthwhile": 5, "happiness": 8, "anxiety": 1},
        {"life_satisfaction": 9, "worthwhile": 6, "happiness": 7, "anxiety": 6},
        {"life_satisfaction": 10, "worthwhile": 0, "happiness": None, "anxiety": 3},
    ]
    out = score("ons4", frame(rows))
    assert "ons4" not in out.columns  # four separate measures, no total
    assert col(out, "ons4.life_satisfaction.category") == ["low", "very high", "very high"]
    assert col(out, "ons4.worthwhile.category") == ["medium", "medium", "low"]
    assert col(out, "ons4.happiness.category") == ["high", "high", None]
    assert col(out, "ons4.anxiety.category") == ["very low", "high", "low"]
    assert col(out, "ons4.anxiety") == [1.0, 6.0, 3.0]
    assert not load_instrument("ons4").subscales[3].higher_is_better


def test_cantril_gallup_categories() -> None:
    pairs = [(7, 8), (7, 7), (4, 4), (4, 5), (10, 10), (0, 9), (6, None)]
    out = score("cantril", frame([{"present": p, "future": f} for p, f in pairs]))
    assert col(out, "cantril.category") == [
        "thriving", "struggling", "suffering", "struggling", "thriving", "struggling", None,
    ]
    assert col(out, "cantril.present") == [7.0, 7.0, 4.0, 4.0, 10.0, 0.0, 6.0]


def test_zrm_mean_over_domains_answered() -> None:
    domains = [i.code for i in load_instrument("zrm").items]
    assert len(domains) == 13
    first_five = dict(zip(domains, [1, 2, 3, 4, 5], strict=False))
    rows = [
        {d: first_five.get(d) for d in domains},  # (1+2+3+4+5) / 5 = 3.0
        {d: 4 for d in domains},  # 4.0
        {d: (2 if d == "housing" else None) for d in domains},  # one domain: 2.0
        {d: None for d in domains},  # nothing rated: missing
    ]
    data = pl.DataFrame(rows, schema={d: pl.Int64 for d in domains})
    assert col(score("zrm", data), "zrm") == [3.0, 4.0, 2.0, None]


def test_positieve_gezondheid_dimensions() -> None:
    dims = [i.code for i in load_instrument("positieve-gezondheid").items]
    out = score("positieve-gezondheid", frame([dict(zip(dims, [7, 6, 8, 5, 9, 10], strict=True))]))
    assert col(out, "positieve-gezondheid.meaningfulness") == [8.0]
    assert col(out, "positieve-gezondheid.daily_functioning") == [10.0]
    assert "positieve-gezondheid" not in out.columns


# -- invalid answers -------------------------------------------------------------------------------


def test_out_of_range_answer_raises_naming_column_value_and_range() -> None:
    row = {f"q{k}": 3 for k in range(1, 15)} | {"q3": 6}
    with pytest.raises(UserError) as caught:
        score("wemwbs", frame([row]))
    message = str(caught.value)
    assert "column 'q3'" in message and "'6'" in message and "valid answers: 1, 2, 3, 4, 5" in message


def test_unknown_text_code_and_fraction_raise() -> None:
    data = pl.DataFrame({"present": ["7", "seven"], "future": [8.0, 8.5]})
    with pytest.raises(UserError) as caught:
        score("cantril", data)
    assert len(caught.value.messages) == 2
    assert "'seven'" in caught.value.messages[0] and "whole numbers 0–10" in caught.value.messages[0]
    assert "'8.5'" in caught.value.messages[1]


def test_invalid_answers_can_be_set_to_missing() -> None:
    rows = [{f"q{k}": 3 for k in range(1, 15)} | {"q3": 6}, {f"q{k}": 2 for k in range(1, 15)}]
    out = score("wemwbs", frame(rows), invalid="missing")
    assert col(out, "wemwbs") == [None, 28.0]  # no missing items allowed; 14 * 2 = 28
    assert col(out, "q3") == [6, 2]  # the input columns are left as they were


# -- user-defined instruments ----------------------------------------------------------------------

USER_INSTRUMENT = """
    id: mini
    name: {en: Mini scale}
    version: "1"
    source: Test fixture
    licence: test
    texts_shippable: true
    responses: {min: 1, max: 5}
    items:
      - {code: a, text_en: I feel fine}
      - {code: b, text_en: I feel bad, reverse: true}
      - {code: c, text_en: I feel calm}
      - {code: d, text_en: I feel rested}
    scoring:
      method: sum
      range: {min: 4, max: 20}
      higher_is_better: true
      missing: {max_missing: 1, prorate: true}
    categories:
      - {label: low, min: 4, max: 11}
      - {label: high, min: 12, max: 20}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_user_instrument_reverse_keying_and_prorating(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", USER_INSTRUMENT)
    instrument = load_instrument(path)
    rows = [
        # b reversed: 6 - 1 = 5; total 5 + 5 + 3 + 2 = 15 -> high
        {"a": 5, "b": 1, "c": 3, "d": 2},
        # b reversed: 6 - 5 = 1; total 1 + 1 + 1 + 1 = 4 -> low
        {"a": 1, "b": 5, "c": 1, "d": 1},
        # d missing, prorated: (4 + (6 - 2) + 3) * 4 / 3 = 11 * 4 / 3 = 14.666...
        {"a": 4, "b": 2, "c": 3, "d": None},
        # two missing: more than max_missing 1 -> missing
        {"a": 4, "b": None, "c": None, "d": 1},
    ]
    out = score(instrument, frame(rows))
    assert col(out, "mini")[:2] == [15.0, 4.0]
    assert col(out, "mini")[2] == pytest.approx(44 / 3)
    assert col(out, "mini")[3] is None
    assert col(out, "mini.category") == ["high", "low", "high", None]


def test_user_directory_is_listed_and_loaded_by_id(tmp_path: Path) -> None:
    write(tmp_path, "mini.yaml", USER_INSTRUMENT)
    assert "mini" in [i.id for i in list_instruments([tmp_path])]
    assert load_instrument("mini", extra_dirs=[tmp_path]).id == "mini"
    with pytest.raises(UserError, match="unknown instrument 'mini'"):
        load_instrument("mini")


def test_duplicate_id_in_user_directory_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "mine.yaml", USER_INSTRUMENT.replace("id: mini", "id: wemwbs"))
    with pytest.raises(UserError, match=r"mine\.yaml: id 'wemwbs' is already used"):
        list_instruments([tmp_path])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("licence: test\n", ""), "bad.yaml: licence: Field required"),
        (("range: {min: 4, max: 20}", "range: {min: 4, max: 25}"), "bad.yaml: scoring.range: declared 4–25"),
        (("{code: c, text_en: I feel calm}", "{code: c, subscale: calm}"), "items.c: subscale 'calm' is not defined"),
        (("texts_shippable: true", "texts_shippable: false"), "items.a: item texts given but texts_shippable"),
        (
            ("responses: {min: 1, max: 5}", "responses: {min: 5, max: 1}"),
            "bad.yaml: responses: 'min' and 'max' must both be given",
        ),
        (("- {code: d, text_en: I feel rested}", "- {code: d, reverse: maybe}"), "bad.yaml: items.d.reverse"),
        (("{label: high, min: 12, max: 20}", "{label: high, min: 11, max: 20}"), "'low' and 'high' overlap"),
        (("  method: sum", "  method: median"), "bad.yaml: scoring.method: Input should be"),
    ],
)
def test_bad_instrument_file_gives_clear_error(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    text = textwrap.dedent(USER_INSTRUMENT)
    assert change[0] in text
    path = write(tmp_path, "bad.yaml", text.replace(change[0], change[1], 1))
    with pytest.raises(UserError) as caught:
        load_instrument(path)
    assert expected in str(caught.value)


def test_invalid_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "id: x\nitems: [a, b\n")
    with pytest.raises(UserError, match=r"broken.yaml: not valid YAML at line \d"):
        load_instrument(path)


def test_incomplete_conversion_table_is_rejected() -> None:
    data = load_instrument("swemwbs").model_dump()
    del data["scoring"]["conversion"][20]
    with pytest.raises(ValueError, match=r"no entry for raw totals \[20\]"):
        Instrument.model_validate(data)


def test_dichotomous_scoring_needs_scoring_codes() -> None:
    data = load_instrument("djg-6").model_dump()
    data["items"][0]["scoring_codes"] = None
    del data["answer_formats"][0]["scoring_codes"]["lone3"]
    with pytest.raises(ValueError, match=r"items\.lone3: dichotomous scoring needs 'scoring_codes'"):
        Instrument.model_validate(data)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(1, 5), min_size=14, max_size=14), min_size=1, max_size=20))
def test_wemwbs_total_is_the_item_sum(answers: list[list[int]]) -> None:
    data = pl.DataFrame([{f"q{k}": v for k, v in enumerate(row, start=1)} for row in answers])
    assert col(score("wemwbs", data), "wemwbs") == [float(sum(row)) for row in answers]

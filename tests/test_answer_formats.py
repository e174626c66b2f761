"""Published answer formats: the three-point De Jong Gierveld scale, recoding, detection and warnings."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from impactlab.cli.app import app
from impactlab.errors import UserError
from impactlab.evidence.instruments import fit_formats, list_instruments, load_instrument, score
from impactlab.evidence.scored import score_spec, scored_frame
from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file

DJG11 = [f"lone{n}" for n in range(1, 12)]
DJG6 = ["lone3", "lone4", "lone7", "lone8", "lone9", "lone10"]
POSITIVE = {"lone1", "lone4", "lone7", "lone8", "lone11"}  # social items, positively worded


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    return Workspace(tmp_path / "ws")


def _csv(path: Path, items: list[str], rows: list[tuple[str, str, list[int | None]]]) -> Path:
    lines = ["client,meting," + ",".join(items)]
    lines += [f"{c},{w}," + ",".join("" if a is None else str(a) for a in answers) for c, w, answers in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ----- scoring against hand calculations -------------------------------------------------------

# Three-point answers (1 no, 2 more or less, 3 yes). By hand, with the manual's rule (a negatively worded
# item counts for "more or less" and "yes", a positively worded item for "more or less" and "no"):
#   row a: 1 2 3 3 1 2 1 3 2 1 3 -> social lone1 1, lone4 0, lone7 1, lone8 0, lone11 0 = 2;
#          emotional lone2 1, lone3 1, lone5 0, lone6 1, lone9 1, lone10 0 = 4; total 6 (moderately lonely)
#   row b: all 3 ("yes") -> emotional 6, social 0, total 6
#   row c: all 2 ("more or less") -> 11, emotional 6, social 5 (severely lonely)
#   row d: all 1 ("no") -> emotional 0, social 5, total 5
# Read as five-point answers the same rows would give b 11 and c 5: the silent error this prevents.
THREE_POINT_11 = {
    "a": ([1, 2, 3, 3, 1, 2, 1, 3, 2, 1, 3], 6, 4, 2, "moderately lonely"),
    "b": ([3] * 11, 6, 6, 0, "moderately lonely"),
    "c": ([2] * 11, 11, 6, 5, "severely lonely"),
    "d": ([1] * 11, 5, 0, 5, "moderately lonely"),
}


def test_three_point_djg11_file_scores_as_hand_calculation(tmp_path: Path, workspace: Workspace) -> None:
    rows = [(k, "T0", answers) for k, (answers, *_) in THREE_POINT_11.items()]
    path = _csv(tmp_path / "monitor.csv", DJG11, rows)
    mapping = {"respondent_id": "client", "wave": "meting", "instrument": "djg-11", "answer_format": "three_point"}
    result = import_file(path, mapping, "lone", workspace)
    assert not [w for w in result.warnings if "fit the answer format" in w]
    frame, _ = scored_frame(workspace.store(), "lone", score_spec("djg-11"))
    # the pseudonyms keep the file's row order
    assert frame["djg-11"].to_list() == [v[1] for v in THREE_POINT_11.values()]
    assert frame["djg-11.emotional"].to_list() == [v[2] for v in THREE_POINT_11.values()]
    assert frame["djg-11.social"].to_list() == [v[3] for v in THREE_POINT_11.values()]
    assert frame["djg-11.category"].to_list() == [v[4] for v in THREE_POINT_11.values()]
    misread = score("djg-11", pl.DataFrame({c: [v[0][n] for v in THREE_POINT_11.values()]
                                            for n, c in enumerate(DJG11)}))
    assert misread["djg-11"].to_list() == [6, 11, 5, 5]  # the five-point reading: b and c wrong


# DJG-6 (items 3, 4, 7, 8, 9, 10 of the 11-item numbering), three-point (its default) and five-point:
#   three-point 3 1 2 3 2 1: lone3 1, lone9 1, lone10 0 -> emotional 2; lone4 1, lone7 1, lone8 0 -> social 2; 4
#   (in the order lone3 lone4 lone7 lone8 lone9 lone10)
#   three-point 3 1 None 3 2 1: total 3 (one missing item allowed, counted, not prorated); social missing
#   five-point 5 2 3 4 1 3: lone3 1, lone9 0, lone10 1 -> 2; lone4 1, lone7 1, lone8 0 -> 2; total 4
def test_three_point_and_five_point_djg6_as_hand_calculation() -> None:
    frame = pl.DataFrame({c: [a, b] for c, a, b in zip(DJG6, [3, 1, 2, 3, 2, 1], [3, 1, None, 3, 2, 1], strict=True)})
    scored = score("djg-6", frame)
    assert scored["djg-6"].to_list() == [4, 3]
    assert scored["djg-6.emotional"].to_list() == [2, 2]
    assert scored["djg-6.social"].to_list() == [2, None]
    five = score("djg-6", pl.DataFrame({c: [v] for c, v in zip(DJG6, [5, 2, 3, 4, 1, 3], strict=True)}),
                 answer_format="five_point")
    assert (five["djg-6"][0], five["djg-6.emotional"][0], five["djg-6.social"][0]) == (4, 2, 2)


def test_three_point_djg6_file_import(tmp_path: Path, workspace: Workspace) -> None:
    path = _csv(tmp_path / "gm.csv", DJG6, [("a", "T0", [3, 1, 2, 3, 2, 1]), ("b", "T0", [1, 3, 3, 3, 1, 1])])
    result = import_file(path, {"respondent_id": "client", "wave": "meting", "instrument": "djg-6"}, "g", workspace)
    assert result.warnings == []
    frame, _ = scored_frame(workspace.store(), "g", score_spec("djg-6"))
    assert frame["djg-6"].to_list() == [4, 0]


# ----- recode, warning, error ------------------------------------------------------------------

def test_recode_swaps_codes_before_scoring(tmp_path: Path, workspace: Workspace) -> None:
    # a monitor coding 1 yes, 2 more or less, 3 no: recode {1: 3, 3: 1} on every item gives row a again
    flipped = [{1: 3, 2: 2, 3: 1}[a] for a in THREE_POINT_11["a"][0]]
    path = _csv(tmp_path / "flip.csv", DJG11, [("x", "T0", flipped)])
    mapping = {"respondent_id": "client", "wave": "meting", "instrument": "djg-11", "answer_format": "three_point",
               "recode": {item: {1: 3, 3: 1} for item in DJG11}}
    import_file(path, mapping, "flip", workspace)
    frame, _ = scored_frame(workspace.store(), "flip", score_spec("djg-11"))
    assert frame["djg-11"].to_list() == [6]
    assert frame["lone1"].to_list() == [1]  # stored recoded


def test_recode_of_text_answers_by_column_name(tmp_path: Path, workspace: Workspace) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("client,meting,V3,lone4,lone7,lone8,lone9,lone10\na,T0,ja,nee,min of meer,ja,min of meer,nee\n",
                    encoding="utf-8")
    words = {"nee": 1, "min of meer": 2, "ja": 3}
    mapping = {"respondent_id": "client", "wave": "meting", "instrument": "djg-6",
               "items": {"lone3": "V3", **{c: c for c in DJG6[1:]}},
               "recode": {"V3": words, **{c: words for c in DJG6[1:]}}}
    import_file(path, mapping, "words", workspace)
    frame, _ = scored_frame(workspace.store(), "words", score_spec("djg-6"))
    assert frame["djg-6"].to_list() == [4]


def test_three_point_codes_under_the_five_point_default_warn(tmp_path: Path, workspace: Workspace) -> None:
    rows = [(k, "T0", answers) for k, (answers, *_) in THREE_POINT_11.items()]
    path = _csv(tmp_path / "monitor.csv", DJG11, rows)
    result = import_file(path, {"respondent_id": "client", "wave": "meting", "instrument": "djg-11"}, "l", workspace)
    [warning] = [w for w in result.warnings if "fit the answer format" in w]
    assert "'three_point' better than 'five_point'" in warning
    assert "lone1, lone2" in warning and "lone11: 1, 2, 3" in warning
    assert warning in workspace.store().get("l").warnings  # kept with the snapshot


def test_codes_fitting_no_format_are_an_error(tmp_path: Path, workspace: Workspace) -> None:
    path = _csv(tmp_path / "bad.csv", DJG6, [("a", "T0", [3, 1, 2, 3, 2, 1]), ("b", "T0", [7, 1, 2, 3, 9, 1])])
    with pytest.raises(UserError) as caught:
        import_file(path, {"respondent_id": "client", "wave": "meting", "instrument": "djg-6"}, "b", workspace)
    text = "\n".join(caught.value.messages)
    assert "bad.csv: column 'lone3' (item lone3 of djg-6) holds codes 7" in text
    assert "column 'lone9'" in text and "codes 9" in text
    assert "fit none of its answer formats (three_point, five_point)" in text
    assert workspace.store().list() == []


def test_five_point_codes_under_three_point_point_to_five_point(tmp_path: Path, workspace: Workspace) -> None:
    path = _csv(tmp_path / "five.csv", DJG6, [("a", "T0", [5, 1, 2, 3, 4, 1])])
    expected = r"column 'lone3' \(item lone3 of djg-6\) holds codes 5, .*fit the answer format 'five_point'"
    with pytest.raises(UserError, match=expected):
        import_file(path, {"respondent_id": "client", "wave": "meting", "instrument": "djg-6"}, "f", workspace)
    result = import_file(path, {"respondent_id": "client", "wave": "meting", "instrument": "djg-6",
                                "answer_format": "five_point"}, "f", workspace)
    assert result.snapshot.mapping["answer_format"] == "five_point"


def test_quarantine_turns_the_format_error_into_a_warning(tmp_path: Path, workspace: Workspace) -> None:
    path = _csv(tmp_path / "q.csv", DJG6, [("a", "T0", [3, 1, 2, 3, 2, 1]), ("b", "T0", [7, 1, 2, 3, 2, 1])])
    result = import_file(path, {"respondent_id": "client", "wave": "meting", "instrument": "djg-6"}, "q", workspace,
                         on_error="quarantine")
    assert any("holds codes 7" in w for w in result.warnings)
    assert result.snapshot.rows.quarantined == 1


def test_same_answers_in_another_format_make_another_snapshot(tmp_path: Path, workspace: Workspace) -> None:
    path = _csv(tmp_path / "m.csv", DJG11, [("a", "T0", [2] * 11)])
    base = {"respondent_id": "client", "wave": "meting", "instrument": "djg-11"}
    first = import_file(path, base, "m", workspace)
    second = import_file(path, base | {"answer_format": "three_point"}, "m", workspace, allow_duplicate=True)
    assert first.snapshot.snapshot_id != second.snapshot.snapshot_id
    frame, _ = scored_frame(workspace.store(), "m", score_spec("djg-11"))
    assert frame["djg-11"].to_list() == [11]


def test_unknown_answer_format_in_mapping(tmp_path: Path, workspace: Workspace) -> None:
    path = _csv(tmp_path / "m.csv", DJG11, [("a", "T0", [2] * 11)])
    with pytest.raises(UserError, match="unknown answer format 'four_point'; its formats are five_point, three_point"):
        import_file(path, {"respondent_id": "client", "wave": "meting", "instrument": "djg-11",
                           "answer_format": "four_point"}, "m", workspace)


# ----- detection, property-based ---------------------------------------------------------------

FORMATS = [(i.id, f.id) for i in list_instruments() for f in i.formats]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(FORMATS), data=st.data())
def test_detection_finds_the_format_the_answers_were_drawn_from(case: tuple[str, str], data: st.DataObject) -> None:
    """Answers drawn from one format, using each of its codes at least once, are detected as that format;
    a code outside every format makes the fit name it."""
    instrument = load_instrument(case[0]).with_format(case[1])
    columns = {}
    extra = data.draw(st.integers(min_value=0, max_value=12))
    width = max(len(instrument.item_responses(i).codes) for i in instrument.items)
    for item in instrument.items:
        codes = instrument.item_responses(item).codes
        drawn = data.draw(st.lists(st.one_of(st.none(), st.sampled_from(codes)),
                                   min_size=extra + width - len(codes), max_size=extra + width - len(codes)))
        columns[item.code] = pl.Series([*codes, *drawn], dtype=pl.Int64).shuffle(seed=extra)
    frame = pl.DataFrame(columns)
    found = fit_formats(case[0], frame)
    assert found.likely == case[1]
    assert not found.outside[case[1]]
    stray = data.draw(st.sampled_from([-1, 99, 1000]))
    first = instrument.items[0].code
    bad = frame.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(stray).otherwise(pl.col(first)).alias(first))
    fit = fit_formats(case[0], bad, answer_format=case[1])
    assert fit.likely is None and not fit.fits_declared
    assert float(stray) in fit.outside[case[1]][first]
    assert any(f"holds codes {stray}" in m for m in fit.errors("x.csv"))


# ----- commands ----------------------------------------------------------------------------------

def test_instruments_show_lists_formats_and_reliability() -> None:
    out = CliRunner().invoke(app, ["instruments", "show", "djg-11"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "Answer format five_point (default)" in text
    assert "Answer format three_point: three answers: no, more or less, yes; codes 1 no, 2 more or less, 3 yes" in text
    assert "lone1 scores 1 for codes 1, 2" in text


def test_import_command_with_three_point_mapping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    path = _csv(tmp_path / "monitor.csv", DJG11, [("a", "T0", [2] * 11), ("a", "T1", [1] * 11)])
    (tmp_path / "m.yaml").write_text("respondent_id: client\nwave: meting\ninstrument: djg-11\n"
                                     "answer_format: three_point\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["import", str(path), "--mapping", str(tmp_path / "m.yaml"), "-d", "lone",
                                   "-w", str(tmp_path / "ws")])
    assert out.exit_code == 0, out.output
    assert "warning" not in out.output
    (tmp_path / "d.yaml").write_text("respondent_id: client\nwave: meting\ninstrument: djg-11\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["import", str(path), "--mapping", str(tmp_path / "d.yaml"), "-d", "other",
                                   "-w", str(tmp_path / "ws")], env={"COLUMNS": "300"})
    assert out.exit_code == 0, out.output
    assert "fit the answer format 'three_point' better than 'five_point'" in " ".join(out.output.split())


# ----- shipped reliability: the reliable change index out of the box ---------------------------

def test_reliable_change_with_the_shipped_wemwbs_reliability_matches_jacobson_truax() -> None:
    """WEMWBS ships Cronbach's alpha 0.91 (Tennant et al. 2007, population sample); RC by hand:
    S_diff = sqrt(2) * SD_pre * sqrt(1 - 0.91); reliably improved when (post - pre) / S_diff > 1.96."""
    import math
    import statistics

    from impactlab.evidence.change import change_from_long

    spec = score_spec("wemwbs")
    assert spec.reliability == 0.91
    pre_totals = [30, 35, 40, 42, 45, 47, 50, 52, 55, 60]
    gains = [12, 0, 3, 10, -9, 1, 8, 2, 0, -1]
    rows = []
    for n, (total, gain) in enumerate(zip(pre_totals, gains, strict=True)):
        for wave, value in (("T0", total), ("T1", total + gain)):
            answers = [1] * 14  # 14 items, 1..5: spread value - 14 over the items
            rest = value - 14
            for k in range(14):
                step = min(4, rest)
                answers[k] += step
                rest -= step
            rows.append({"respondent": f"r{n}", "wave": wave, **{f"wemwbs{k + 1}": a for k, a in enumerate(answers)}})
    items = [i.code for i in spec.instrument.items]
    frame = pl.DataFrame([{**{k: v for k, v in r.items() if k in ("respondent", "wave")},
                           **dict(zip(items, [r[f"wemwbs{k + 1}"] for k in range(14)], strict=True))} for r in rows])
    scored = score(spec.instrument, frame)
    assert scored.filter(pl.col("wave") == "T0")["wemwbs"].to_list() == pre_totals
    result = change_from_long(scored, id="respondent", wave="wave", score="wemwbs", pre="T0", post="T1",
                              reliability=spec.reliability, higher_is_better=True)
    s_diff = math.sqrt(2) * statistics.stdev(pre_totals) * math.sqrt(1 - 0.91)
    improved = sum(g / s_diff > 1.96 for g in gains) / len(gains)
    worse = sum(g / s_diff < -1.96 for g in gains) / len(gains)
    reliable = result.overall.reliable_change
    assert reliable is not None and reliable.improved is not None
    assert (reliable.improved, reliable.deteriorated) == pytest.approx((improved, worse))
    assert improved > 0


# ----- before the import: codes with counts, their fit, a suggested recode (the web mapping step) ---------

def test_answer_codes_counts_coded_columns_only() -> None:
    from impactlab.io.formats import answer_codes

    frame = pl.DataFrame({"lone1": ["1", "2", "2", None, " "], "x": [1.0, 2.0, None, 3.5, 1.0],
                          "free": [str(n) for n in range(5)]})
    assert answer_codes(frame, limit=4) == {"lone1": [("1", 1), ("2", 2)], "x": [("1", 2), ("2", 1), ("3.5", 1)]}
    assert answer_codes(pl.DataFrame({"empty": [None, ""]}, schema={"empty": pl.String})) == {"empty": []}


@pytest.mark.parametrize(("values", "expected"), [
    (["0", "1", "2"], ("three_point", {"0": 1, "1": 2, "2": 3})),
    (["0", "1", "2", "3", "4"], ("five_point", {"0": 1, "1": 2, "2": 3, "3": 4, "4": 5})),
    (["ja", "Min of meer", "nee"], ("three_point", {"ja": 3, "Min of meer": 2, "nee": 1})),
    (["yes!", "no"], ("five_point", {"yes!": 5, "no": 2})),
    (["1", "2", "3"], None),  # fits as it is: nothing to recode
    (["0", "7"], None),  # no shift of the same width: the user fills the table
])
def test_suggested_recode(values: list[str], expected: object) -> None:
    from impactlab.io.formats import fit_found, suggest_recode

    found = {item: values for item in DJG11}
    assert suggest_recode("djg-11", found) == expected
    if expected is not None:
        fmt, table = expected  # type: ignore[misc]
        fit, text_left = fit_found("djg-11", found, fmt, table)
        assert fit.outside[fmt] == {} and text_left == {}


def test_fit_found_reads_text_answers_as_fitting_no_format() -> None:
    from impactlab.io.formats import fit_found

    fit, left = fit_found("djg-6", {item: ["ja", "nee"] for item in DJG6})
    assert fit.likely is None and left == {item: ["ja", "nee"] for item in DJG6}
    fit, left = fit_found("djg-11", {item: ["1", "2", "3", "9"] for item in DJG11}, missing=[9])
    assert fit.likely == "three_point" and fit.better == "three_point" and left == {}

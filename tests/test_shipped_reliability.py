"""Published reliabilities shipped with their source (issue 9): `impactlab change` fills "reliably improved" out
of the box for WEMWBS and SWEMWBS, equal to a hand calculation of Jacobson & Truax's reliable change index with
the shipped numbers; for the De Jong Gierveld scales, whose reliability could not be verified, it says so."""

from __future__ import annotations

import json
import math
import re
import statistics
from pathlib import Path

import pytest
from typer.testing import CliRunner

from impactlab.cli.app import app
from impactlab.evidence.instruments import list_instruments, load_instrument

# ten respondents (the installation's minimum cell) with raw totals before and after
PRE = [10, 14, 17, 20, 21, 23, 25, 27, 30, 33]
POST = [16, 14, 18, 27, 19, 23, 32, 28, 34, 26]


def _answers(total: int, items: int) -> list[int]:
    """Item answers 1-5 summing to `total`."""
    answers, rest = [1] * items, total - items
    for k in range(items):
        step = min(4, rest)
        answers[k] += step
        rest -= step
    assert rest == 0
    return answers


def _import(tmp_path: Path, instrument: str, pre: list[int], post: list[int]) -> Path:
    items = [i.code for i in load_instrument(instrument).items]
    lines = ["client,meting," + ",".join(items)]
    for n, (a, b) in enumerate(zip(pre, post, strict=True)):
        lines += [f"c{n},T0," + ",".join(map(str, _answers(a, len(items)))),
                  f"c{n},T1," + ",".join(map(str, _answers(b, len(items))))]
    path = tmp_path / f"{instrument}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text(f"respondent_id: client\nwave: meting\ninstrument: {instrument}\n",
                                     encoding="utf-8")
    out = CliRunner().invoke(app, ["import", str(path), "--mapping", str(tmp_path / "m.yaml"), "-d", instrument,
                                   "-w", str(tmp_path / "ws")])
    assert out.exit_code == 0, out.output
    return tmp_path / "ws"


def _hand(pre: list[float], post: list[float], reliability: float) -> tuple[float, float, float]:
    """Jacobson & Truax (1991): SE = SD_pre * sqrt(1 - r), S_diff = sqrt(2 SE^2), RC = (post - pre) / S_diff."""
    s_diff = math.sqrt(2 * (statistics.stdev(pre) * math.sqrt(1 - reliability)) ** 2)
    rc = [(b - a) / s_diff for a, b in zip(pre, post, strict=True)]
    return (sum(r > 1.96 for r in rc) / len(rc), sum(-1.96 <= r <= 1.96 for r in rc) / len(rc),
            sum(r < -1.96 for r in rc) / len(rc))


@pytest.mark.parametrize(("instrument", "reliability", "items", "scale"), [
    ("wemwbs", 0.91, 14, 1),   # Cronbach's alpha, Tennant et al. 2007 (UK population sample)
    ("swemwbs", 0.88, 7, 0),   # Cronbach's alpha, Ringdal et al. 2018; scores are the Rasch metric scores
])
def test_change_fills_reliably_improved_as_the_hand_calculation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instrument: str, reliability: float, items: int, scale: int,
) -> None:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    pre = [t * items // 7 for t in PRE] if scale else PRE  # WEMWBS totals 14-70
    post = [t * items // 7 for t in POST] if scale else POST
    workspace = _import(tmp_path, instrument, pre, post)
    out = CliRunner().invoke(app, ["change", instrument, "-i", instrument, "-w", str(workspace), "-f", "json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)  # the overall statistics sit at the top level
    conversion = load_instrument(instrument).scoring.conversion
    metric = (lambda raw: float(conversion[raw])) if conversion else float
    pre_scores, post_scores = [metric(t) for t in pre], [metric(t) for t in post]
    assert result["mean_pre"] == pytest.approx(statistics.mean(pre_scores))
    criteria = result["reliable_change_criteria"]
    assert criteria["reliability"] == reliability
    assert criteria["reference_sd"] == pytest.approx(statistics.stdev(pre_scores))
    shares = result["reliable_change"]
    expected = _hand(pre_scores, post_scores, reliability)
    assert (shares["improved"], shares["unchanged"], shares["deteriorated"]) == pytest.approx(expected)
    assert shares["improved"] > 0 and shares["deteriorated"] > 0  # the test separates the three bands
    table = CliRunner().invoke(app, ["change", instrument, "-i", instrument, "-w", str(workspace)],
                               env={"COLUMNS": "200"})
    assert f"{expected[0]:.0%}".rstrip("%") in table.output and "Reliable change: improved" in table.output


def test_the_de_jong_gierveld_scales_say_the_reliable_change_is_not_computed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    path = tmp_path / "lone.csv"
    items = [i.code for i in load_instrument("djg-6").items]
    rows = [f"c{n},{w}," + ",".join(str(1 + (n * (k + 1) + (w == "T1") * k) % 3) for k in range(6))
            for n in range(10) for w in ("T0", "T1")]
    path.write_text("client,meting," + ",".join(items) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text("respondent_id: client\nwave: meting\ninstrument: djg-6\n", encoding="utf-8")
    assert CliRunner().invoke(app, ["import", str(path), "--mapping", str(tmp_path / "m.yaml"), "-d", "lone",
                                    "-w", str(tmp_path / "ws")]).exit_code == 0
    out = CliRunner().invoke(app, ["change", "lone", "-i", "djg-6", "-w", str(tmp_path / "ws")],
                             env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "not computed: no reliability (give --reliability)" in out.output
    given = CliRunner().invoke(app, ["change", "lone", "-i", "djg-6", "-w", str(tmp_path / "ws"),
                                     "--reliability", "0.7", "-f", "json"])
    assert json.loads(given.output)["reliable_change"] is not None


def test_every_shipped_reliability_names_its_source_and_unverified_ones_say_so() -> None:
    for instrument in list_instruments():
        for reliability in instrument.reliability:
            assert 0 < reliability.value < 1 and re.search(r"\b(19|20)\d\d\b", reliability.source), instrument.id
            author = reliability.source.split()[0].strip(",")  # the cited work is named in full in the file
            assert author in " ".join([instrument.source, *instrument.references, reliability.source]), author
    for instrument in ("djg-6", "djg-11"):
        loaded = load_instrument(instrument)
        assert loaded.reliability == []
        assert any("not computed" in note for note in loaded.notes)
    assert [r.value for r in load_instrument("wemwbs").reliability] == [0.91, 0.89, 0.87, 0.83]
    assert [r.value for r in load_instrument("swemwbs").reliability] == [0.88]

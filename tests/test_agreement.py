"""Agreement: Krippendorff's published example, Cohen's kappa by hand, CSV reading and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from impactlab.cli import stats_commands
from impactlab.cli.app import app
from impactlab.errors import UserError
from impactlab.evidence.agreement import CoderAgreement, agreement_from_csv, cohen_kappa, krippendorff_alpha

N = np.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": coders A–D (rows) × 12 units
RELIABILITY_DATA = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]).T  # units × coders
PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}


@pytest.mark.parametrize(("level", "alpha"), PUBLISHED.items())
def test_krippendorff_published_example(level: str, alpha: float) -> None:
    assert round(krippendorff_alpha(RELIABILITY_DATA, level), 3) == alpha  # type: ignore[arg-type]


def test_krippendorff_two_coders_nominal_by_hand() -> None:
    # 3 units coded a/a, a/b, b/b: o = [[2, 1], [1, 2]], n_a = n_b = 3, n = 6
    # α = 1 − (n − 1)·D_o / Σ n_c n_k δ² = 1 − 5·2 / 18 = 0.4444
    data = np.array([[0, 0], [0, 1], [1, 1]], dtype=float)
    assert krippendorff_alpha(data) == pytest.approx(1 - 5 * 2 / 18)


def test_krippendorff_undefined_and_invalid() -> None:
    assert math.isnan(krippendorff_alpha(np.array([[1.0, 1.0], [1.0, 1.0]])))  # no variation
    assert math.isnan(krippendorff_alpha(np.array([[1.0, N], [N, 2.0]])))  # nothing pairable
    with pytest.raises(ValueError):
        krippendorff_alpha(RELIABILITY_DATA, "cardinal")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        krippendorff_alpha(np.array([[-1.0, 1.0]]), "ratio")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=2, max_size=30).filter(lambda v: len(set(v)) > 1),
    st.integers(2, 5),
    st.sampled_from(["nominal", "ordinal", "interval", "ratio"]),
    st.integers(0, 2**32 - 1),
)
def test_perfect_agreement_gives_one(values: list[int], coders: int, level: str, seed: int) -> None:
    data = np.repeat(np.array(values, dtype=float)[:, None], coders, axis=1)
    rng = np.random.default_rng(seed)
    if coders > 2:  # let some coders skip units; every unit keeps at least two values
        skip = rng.random(data.shape) < 0.3
        skip[:, :2] = False
        data[skip] = np.nan
    assert krippendorff_alpha(data, level) == pytest.approx(1.0)  # type: ignore[arg-type]


def test_cohen_kappa_by_hand() -> None:
    # p_o = 4/5; marginals A (.4, .4, .2), B (.2, .6, .2): p_e = .08 + .24 + .04 = .36; κ = .44/.64
    assert cohen_kappa([1, 1, 2, 2, 3], [1, 2, 2, 2, 3]) == pytest.approx(0.6875)
    # 2×2 textbook table: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: p_o = .7, p_e = .5·.6 + .5·.4 = .5
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa([1, 2, None, 3], [1, 2, 2, N]) == pytest.approx(1.0)  # missing pairs dropped
    assert math.isnan(cohen_kappa(["a", "a"], ["a", "a"]))
    with pytest.raises(ValueError):
        cohen_kappa([1, 2], [1])


# ------------------------------------------------------------------------------------------------ CSV
def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _example_csv(path: Path) -> Path:
    lines = ["unit,A,B,C,D"]
    for number, row in enumerate(RELIABILITY_DATA, start=1):
        lines.append(",".join([f"u{number}", *("" if math.isnan(v) else f"{v:g}" for v in row)]))
    return _write(path, "\n".join(lines) + "\n")


def test_agreement_from_csv(tmp_path: Path) -> None:
    typed = agreement_from_csv(_example_csv(tmp_path / "ratings.csv"), "interval")
    assert isinstance(typed, CoderAgreement) and typed.n_coders == 4 and typed.cohen_kappa is None
    result = typed.to_dict()
    assert list(result) == ["file", "level", "n_units", "n_pairable_units", "n_coders", "coders", "n_values",
                            "krippendorff_alpha", "cohen_kappa"]
    assert round(result["krippendorff_alpha"], 3) == 0.849
    assert (result["n_units"], result["n_coders"], result["level"]) == (12, 4, "interval")
    assert result["n_pairable_units"] == 11 and result["cohen_kappa"] is None


def test_agreement_two_coders_text_labels_and_semicolons(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.csv", "unit;anna;bert\n1;ja;ja\n2;ja;nee\n3;nee;nee\n4;nee;\n5;ja;ja\n")
    result = agreement_from_csv(path, "nominal").to_dict()
    assert result["cohen_kappa"] == pytest.approx(cohen_kappa(["ja", "ja", "nee", "ja"], ["ja", "nee", "nee", "ja"]))
    data = np.array([[0, 0], [0, 1], [1, 1], [1, N], [0, 0]], dtype=float)
    assert result["krippendorff_alpha"] == pytest.approx(krippendorff_alpha(data))


@pytest.mark.parametrize(
    ("text", "level", "message"),
    [
        ("unit,A,B\nu1,1,1\nu2,2,veel\n", "interval", "row 3, column 'B': 'veel' is not a number"),
        ("unit,A,B\nu1,1,1\nu2,2\n", "nominal", "row 3: expected 3 fields, found fewer"),
        ("unit,A,B\nu1,1,1\nu1,2,2\n", "nominal", "row 3, column 'unit': unit 'u1' is also on row 2"),
        ("unit,A\nu1,1\n", "nominal", "row 1: expected a unit id column and at least two coder columns"),
        ("", "nominal", "row 1: the file is empty"),
        ("unit,A,B\nu1,1,\nu2,,2\n", "nominal", "no unit was coded by two or more coders"),
        ("unit,A,B\nu1,1,-2\n", "ratio", "row 2, column 'B': -2 is negative"),
    ],
)
def test_bad_csv(tmp_path: Path, text: str, level: str, message: str) -> None:
    path = _write(tmp_path / "bad.csv", text)
    with pytest.raises(UserError) as error:
        agreement_from_csv(path, level)
    assert any(message in line and str(path) in line for line in error.value.messages), error.value.messages


def test_missing_file_and_level(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="file not found"):
        agreement_from_csv(tmp_path / "none.csv")
    with pytest.raises(UserError, match="unknown level"):
        agreement_from_csv(_example_csv(tmp_path / "r.csv"), "cardinal")


# ------------------------------------------------------------------------------------------------ CLI
runner = CliRunner()
assert stats_commands.agreement_command


def test_cli_agreement_json_and_table(tmp_path: Path) -> None:
    path = _example_csv(tmp_path / "ratings.csv")
    result = runner.invoke(app, ["agreement", str(path), "--level", "ordinal", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert round(data["krippendorff_alpha"], 3) == 0.815 and data["n_coders"] == 4
    table = runner.invoke(app, ["agreement", str(path)])
    assert table.exit_code == 0 and "Krippendorff" in table.stdout and "0.743" in table.stdout


def test_cli_agreement_bad_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.csv", "unit,A,B\nu1,1,x\n")
    result = runner.invoke(app, ["agreement", str(path), "--level", "interval"])
    assert result.exit_code == 2
    assert "row 2, column 'B': 'x' is not a number" in result.stderr

"""Disclosure control: primary and secondary suppression on dicts, polars and pandas frames."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

from impactlab.evidence.disclosure import DisclosurePolicy


def test_allows_threshold() -> None:
    policy = DisclosurePolicy(min_cell=10)
    assert policy.allows(10) and not policy.allows(9)
    assert not policy.allows(None) and not policy.allows(float("nan"))
    with pytest.raises(ValueError):
        DisclosurePolicy(min_cell=0)


def test_apply_blanks_every_number_but_keeps_labels() -> None:
    result = {"group": "Noord", "n": 4, "mean": 2.5, "shares": {"up": 0.5}, "flag": True}
    out = DisclosurePolicy().apply(result)
    assert out == {"group": "Noord", "n": None, "mean": None, "shares": {"up": None}, "flag": True,
                   "suppressed": True}
    assert DisclosurePolicy().apply({**result, "n": 12})["mean"] == 2.5
    assert DisclosurePolicy().apply({"group": 3, "n": 2}, keep=("group",))["group"] == 3


@pytest.mark.parametrize(
    ("sizes", "total", "expected"),
    [
        ([50, 30, 20], None, [False, False, False]),
        ([50, 5, 30], None, [False, True, True]),  # total − visible would reveal the 5
        ([50, 5, 3, 30], None, [False, True, True, True]),  # 5 + 3 = 8 is still a small cell
        ([50, 5, 6, 30], None, [False, True, True, False]),  # 5 + 6 = 11: protected
        ([50, 5, 30], 100, [False, True, False]),  # 15 unlisted respondents hide the 5
        ([50, 5, 30], 88, [False, True, True]),  # 3 unlisted + 5 = 8 < 10
        ([3, 20], None, [True, True]),
        ([], None, []),
    ],
)
def test_secondary_suppression(sizes: list[int], total: int | None, expected: list[bool]) -> None:
    assert DisclosurePolicy().suppression_mask(sizes, total_n=total) == expected


def test_apply_groups_forces_secondary_groups() -> None:
    groups = [{"group": "a", "n": 40, "mean": 1.0}, {"group": "b", "n": 4, "mean": 2.0},
              {"group": "c", "n": 12, "mean": 3.0}]
    out = DisclosurePolicy().apply_groups(groups)
    assert [g["suppressed"] for g in out] == [False, True, True]
    assert out[2] == {"group": "c", "n": None, "mean": None, "suppressed": True}


def test_polars_frame() -> None:
    frame = pl.DataFrame({"team": ["a", "b", "c"], "n": [40, 4, 12], "mean": [1.0, 2.0, 3.0]})
    out = DisclosurePolicy().apply_frame(frame)
    assert out["suppressed"].to_list() == [False, True, True]
    assert out["mean"].to_list() == [1.0, None, None]
    assert out["n"].to_list() == [40, None, None]
    assert out["team"].to_list() == ["a", "b", "c"]


def test_pandas_frame() -> None:
    frame = pd.DataFrame({"team": ["a", "b", "c"], "n": [40, 4, 12], "mean": [1.0, 2.0, 3.0]})
    out = DisclosurePolicy(min_cell=5).apply_frame(frame)
    assert out["suppressed"].tolist() == [False, True, True]  # 4 alone would be revealed: 12 goes too
    assert out["mean"].tolist() == [1.0, None, None]
    assert frame["mean"].tolist() == [1.0, 2.0, 3.0]  # the input is not changed


def test_frame_type_error() -> None:
    with pytest.raises(TypeError):
        DisclosurePolicy().apply_frame([1, 2])  # type: ignore[type-var]

"""Disclosure control: the one place that decides which aggregates may be shown.

Rule (see docs/statistics.md): a figure computed from fewer than ``min_cell`` respondents is not shown.
*Primary suppression* replaces every number of such a cell (counts, means, shares, tests) by ``None``
and marks it ``suppressed``. *Secondary suppression* protects suppressed groups next to a visible total:
while the part of the total that the visible groups do not explain (``total - sum(visible)``) is either
smaller than ``min_cell`` or equal to exactly one suppressed group, the smallest visible group is
suppressed as well.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd
import polars as pl

Frame = TypeVar("Frame", pl.DataFrame, pd.DataFrame)

SUPPRESSED = "suppressed"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _blank(value: Any) -> Any:
    """Replace every number in value (recursing into dicts and lists) by None."""
    if _is_number(value):
        return None
    if isinstance(value, Mapping):
        return {key: _blank(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_blank(item) for item in value]
    return value


@dataclass(frozen=True)
class DisclosurePolicy:
    """Minimum cell size rule: aggregates of fewer than ``min_cell`` respondents are suppressed."""

    min_cell: int = 10

    def __post_init__(self) -> None:
        if self.min_cell < 1:
            raise ValueError("min_cell must be at least 1")

    def allows(self, n: float | None) -> bool:
        """True when an aggregate over n respondents may be shown."""
        return n is not None and not (isinstance(n, float) and math.isnan(n)) and n >= self.min_cell

    # ------------------------------------------------------------------ dicts
    def apply(
        self, result: Mapping[str, Any], *, n_key: str = "n", keep: Iterable[str] = (), force: bool = False
    ) -> dict:
        """Copy of result with ``suppressed`` set; all numbers (except keys in keep) None when n is too small.

        force suppresses regardless of n (secondary suppression).
        """
        out = dict(result)
        hide = force or not self.allows(out.get(n_key))
        if hide:
            kept = set(keep)
            out = {key: value if key in kept else _blank(value) for key, value in out.items()}
        out[SUPPRESSED] = hide
        return out

    def apply_groups(
        self,
        groups: Sequence[Mapping[str, Any]],
        *,
        n_key: str = "n",
        total_n: float | None = None,
        keep: Iterable[str] = (),
    ) -> list[dict]:
        """Primary and secondary suppression of group results that add up to (at most) total_n.

        total_n is the visible total the groups belong to; None means the sum of the group sizes.
        Groups missing from the list (e.g. respondents without a group) count as an unseen remainder.
        """
        sizes = [group.get(n_key) for group in groups]
        hidden = self.suppression_mask(sizes, total_n=total_n)
        keep = tuple(keep)
        return [
            self.apply(group, n_key=n_key, keep=keep, force=hide)
            for group, hide in zip(groups, hidden, strict=True)
        ]

    def suppression_mask(self, sizes: Sequence[float | None], *, total_n: float | None = None) -> list[bool]:
        """Which groups to hide: primary (n < min_cell) plus secondary (complementary) suppression."""
        counts = [0.0 if n is None or n != n else float(n) for n in sizes]
        hidden = [not self.allows(n) for n in sizes]
        total = sum(counts) if total_n is None else float(total_n)
        remainder = total - sum(counts)  # respondents in no listed group: never shown on their own
        while any(hidden) and not all(hidden):
            unseen = total - sum(n for n, hide in zip(counts, hidden, strict=True) if not hide)
            if not (unseen < self.min_cell or (sum(hidden) == 1 and remainder <= 0)):
                break
            visible = [(n, i) for i, (n, hide) in enumerate(zip(counts, hidden, strict=True)) if not hide]
            hidden[min(visible)[1]] = True
        return hidden

    # ----------------------------------------------------------------- frames
    def apply_frame(
        self,
        frame: Frame,
        *,
        n_col: str = "n",
        total_n: float | None = None,
        keep: Iterable[str] = (),
    ) -> Frame:
        """Frame of groups (one row each, an ``n`` column) with numeric columns nulled where suppressed.

        Adds a boolean ``suppressed`` column. Non-numeric columns (group labels) and columns in keep
        stay visible.
        """
        kept = set(keep)
        if isinstance(frame, pl.DataFrame):
            mask = pl.Series(SUPPRESSED, self.suppression_mask(frame[n_col].to_list(), total_n=total_n))
            numeric = [c for c, t in frame.schema.items() if t.is_numeric() and c not in kept]
            return frame.with_columns(
                [pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c in numeric]
            ).with_columns(mask)
        if isinstance(frame, pd.DataFrame):
            out = frame.copy()
            mask = self.suppression_mask(out[n_col].tolist(), total_n=total_n)
            numeric = [
                c for c in out.columns if pd.api.types.is_numeric_dtype(out[c]) and not
                pd.api.types.is_bool_dtype(out[c]) and c not in kept
            ]
            for column in numeric:
                out[column] = out[column].astype(object).where(~pd.Series(mask, index=out.index), None)
            out[SUPPRESSED] = mask
            return out
        raise TypeError(f"expected a polars or pandas DataFrame, got {type(frame).__name__}")


DEFAULT_POLICY = DisclosurePolicy()


def installation_min_cell() -> int:
    """The installation's minimum cell size: ``IMPACTLAB_MIN_CELL`` (default 10)."""
    raw = os.environ.get("IMPACTLAB_MIN_CELL", "").strip()
    try:
        value = int(raw) if raw else DEFAULT_POLICY.min_cell
    except ValueError:
        raise ValueError(f"IMPACTLAB_MIN_CELL={raw!r} is not a whole number") from None
    return max(1, value)


def programme_policy(model: Any = None, installation: int | None = None) -> DisclosurePolicy:
    """The disclosure rule of a programme: the one function every aggregate, chart, table, export and report
    takes its minimum cell size from.

    The installation's minimum (``installation``, else ``IMPACTLAB_MIN_CELL``, default 10) holds always; a
    model's ``valuation.min_cell``, where the model states it, may raise it and never lower it. ``model`` is an
    ImpactModel, a model document (dict), a stated minimum (an int, e.g. a command's ``--min-cell``), or
    None (no model yet).
    """
    floor = installation_min_cell() if installation is None else max(1, int(installation))
    stated: Any = model if isinstance(model, int) and not isinstance(model, bool) else None
    if isinstance(model, Mapping):
        valuation = model.get("valuation")
        stated = valuation.get("min_cell") if isinstance(valuation, Mapping) else None
    elif model is not None and hasattr(model, "valuation"):
        settings = model.valuation
        stated = settings.min_cell if "min_cell" in settings.model_fields_set else None
    if isinstance(stated, int | float) and not isinstance(stated, bool) and stated >= 1:
        return DisclosurePolicy(max(floor, int(stated)))
    return DisclosurePolicy(floor)

"""Statistics of change between two waves, linked per respondent (formulas: docs/statistics.md).

One code path: paired scores become a polars frame (``pre``, ``post``, ``diff``), polars aggregates
every group in one pass (:func:`_aggregations`), and :func:`_finish` turns each aggregate row into a
:class:`ChangeResult` (t-test, effect sizes with confidence intervals, Wilcoxon on the group's differences).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import polars as pl
from scipy import optimize, stats

from impactlab.errors import UserError
from impactlab.evidence.disclosure import DisclosurePolicy

CONFIDENCE = 0.95
RC_Z = 1.96  # Jacobson & Truax: |RC| > 1.96 is a reliable change (p < .05)
WILCOXON_ZERO_METHOD = "pratt"  # zero differences are ranked, then their ranks dropped (Pratt, 1959)
EXACT_MCNEMAR_BELOW = 25


# --------------------------------------------------------------------------------------------- helpers
def _num(value: Any) -> float | None:
    """A plain float, or None when value is missing, NaN or infinite (NaN-free JSON)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _clean(value: Any) -> Any:
    """Recursively turn numpy scalars and non-finite floats into JSON-safe values."""
    if isinstance(value, Mapping):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return _num(value)
    return value


def _share(count: float | None, n: int) -> float | None:
    return None if count is None or n == 0 else float(count) / n


@dataclass(frozen=True)
class Norms:
    """Norm groups for clinically significant change: (mean, sd) of each population."""

    dysfunctional: tuple[float, float] | None = None
    functional: tuple[float, float] | None = None

    @classmethod
    def parse(cls, value: Norms | Mapping[str, Any] | None) -> Norms | None:
        """Accept Norms or {"dysfunctional": (mean, sd) | {"mean", "sd"}, "functional": ...}."""
        if value is None or isinstance(value, Norms):
            return value
        unknown = set(value) - {"dysfunctional", "functional"}
        if unknown:
            raise UserError(f"norms: unknown population(s) {sorted(unknown)}; use dysfunctional, functional")

        def pair(item: Any) -> tuple[float, float] | None:
            if item is None:
                return None
            mean, sd = (item["mean"], item["sd"]) if isinstance(item, Mapping) else item
            if not float(sd) > 0:
                raise UserError(f"norms: the SD must be positive, got {sd}")
            return float(mean), float(sd)

        norms = cls(pair(value.get("dysfunctional")), pair(value.get("functional")))
        if norms.dysfunctional is None and norms.functional is None:
            raise UserError("norms: give the dysfunctional and/or the functional population")
        return norms

    def cutoff(self, higher_is_better: bool) -> tuple[str, float]:
        """Jacobson–Truax criterion: c with both populations, a or b with one (mirrored: lower is better)."""
        sign = 1.0 if higher_is_better else -1.0
        if self.dysfunctional and self.functional:
            (m0, s0), (m1, s1) = self.dysfunctional, self.functional
            return "c", (s0 * m1 + s1 * m0) / (s0 + s1)
        if self.dysfunctional:
            m0, s0 = self.dysfunctional
            return "a", m0 + sign * 2 * s0
        m1, s1 = self.functional  # type: ignore[misc]
        return "b", m1 - sign * 2 * s1


@dataclass(frozen=True)
class _Settings:
    higher_is_better: bool
    reliability: float | None
    reference_sd: float | None
    s_diff: float | None
    cutoff: tuple[str, float] | None

    @property
    def sign(self) -> float:
        return 1.0 if self.higher_is_better else -1.0


def _settings(
    pre: pl.Series, reliability: float | None, higher_is_better: bool, norms: Any, reference_sd: float | None
) -> _Settings:
    """Reliable-change and cut-off parameters, fixed once for the whole sample (so groups agree)."""
    if reliability is not None and not 0 <= reliability < 1:
        raise UserError(f"reliability must be at least 0 and below 1, got {reliability}")
    if reference_sd is not None and not reference_sd > 0:
        raise UserError(f"reference SD must be positive, got {reference_sd}")
    ref = reference_sd if reference_sd is not None else _num(pre.std()) if pre.len() > 1 else None
    s_diff = None
    if reliability is not None and ref:
        s_diff = math.sqrt(2.0) * ref * math.sqrt(1.0 - reliability)
    parsed = Norms.parse(norms)
    cutoff = parsed.cutoff(higher_is_better) if parsed else None
    return _Settings(higher_is_better, reliability, ref, s_diff, cutoff)


# ------------------------------------------------------------------------------------------ the results
def _from_dict(cls: type, values: Mapping[str, Any]) -> Any:
    """A result object from its ``to_dict`` form (keys it does not know are ignored)."""
    return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})


@dataclass(frozen=True)
class ReliableChange:
    """Shares of pairs whose Jacobson-Truax reliable change index is past ±1.96, by direction."""

    improved: float | None
    unchanged: float | None
    deteriorated: float | None


@dataclass(frozen=True)
class ReliableChangeCriteria:
    """What the reliable change index was computed with."""

    reliability: float | None
    reference_sd: float | None
    se_measurement: float | None
    s_diff: float | None
    z: float | None


@dataclass(frozen=True)
class ClinicalChange:
    """Jacobson-Truax clinical significance: the cut-off, and the shares that crossed it / recovered."""

    criterion: str | None
    cutoff: float | None
    share_dysfunctional_pre: float | None
    crossed: float | None
    recovered: float | None


@dataclass(frozen=True)
class ChangeResult:
    """Paired change statistics for one sample or group. ``to_dict`` gives the public JSON contract.

    After disclosure control (:func:`change_from_long`) every number of a suppressed result is None.
    """

    n_pairs: int | None
    mean_pre: float | None
    mean_post: float | None
    sd_pre: float | None
    sd_post: float | None
    mean_change: float | None
    sd_change: float | None
    se_change: float | None
    ci_low: float | None
    ci_high: float | None
    t: float | None
    df: int | None
    p_value: float | None
    wilcoxon_p: float | None
    cohen_dz: float | None
    cohen_dz_ci_low: float | None
    cohen_dz_ci_high: float | None
    cohen_dav: float | None
    cohen_dav_ci_low: float | None
    cohen_dav_ci_high: float | None
    hedges_gav: float | None
    hedges_gav_ci_low: float | None
    hedges_gav_ci_high: float | None
    share_improved: float | None
    share_unchanged: float | None
    share_worse: float | None
    higher_is_better: bool = True
    reliable_change: ReliableChange | None = None
    reliable_change_criteria: ReliableChangeCriteria | None = None
    clinical: ClinicalChange | None = None
    methods: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain, NaN-free JSON-ready dict (None where a figure is undefined)."""
        return _clean(asdict(self))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ChangeResult:
        parts = {"reliable_change": ReliableChange, "reliable_change_criteria": ReliableChangeCriteria,
                 "clinical": ClinicalChange}
        nested = {key: _from_dict(kind, values[key]) for key, kind in parts.items() if values.get(key) is not None}
        return _from_dict(cls, {**values, **nested})


@dataclass(frozen=True)
class GroupChange:
    """The change statistics of one group (``by``), after disclosure control."""

    group: Any
    result: ChangeResult
    suppressed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"group": _clean(self.group), **self.result.to_dict(), "suppressed": self.suppressed}


@dataclass(frozen=True)
class Baseline:
    """Pre scores of respondents lost to follow-up vs retained: means and Welch's t-test (after disclosure)."""

    n_retained: int | None
    n_lost: int | None
    mean_pre_retained: float | None
    mean_pre_lost: float | None
    sd_pre_retained: float | None
    sd_pre_lost: float | None
    difference: float | None
    welch_t: float | None
    p_value: float | None
    suppressed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))


@dataclass(frozen=True)
class WaveChange:
    """Change between two waves of long data (:func:`change_from_long`), every figure disclosure-controlled.

    ``to_dict`` is the public JSON contract of ``impactlab change --format json``: the overall statistics
    (``overall``, the ChangeResult keys) sit at the top level next to the counts, ``baseline`` and ``groups``.
    """

    score: str
    pre_wave: str
    post_wave: str
    by: str | None
    min_cell: int
    n_pre: int | None
    n_post: int | None
    n_lost: int | None
    attrition: float | None
    overall: ChangeResult
    suppressed: bool
    baseline: Baseline
    groups: list[GroupChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _clean({
            "score": self.score, "pre_wave": self.pre_wave, "post_wave": self.post_wave, "by": self.by,
            "min_cell": self.min_cell, "n_pre": self.n_pre, "n_post": self.n_post, "n_lost": self.n_lost,
            "attrition": self.attrition, **self.overall.to_dict(), "suppressed": self.suppressed,
            "baseline": self.baseline.to_dict(), "groups": [group.to_dict() for group in self.groups],
        })


@dataclass(frozen=True)
class McNemarResult:
    """McNemar's test of a paired yes/no outcome; ``table`` is [[yes→yes, yes→no], [no→yes, no→no]]."""

    n_pairs: int
    table: list[list[int]]
    yes_to_no: int
    no_to_yes: int
    share_pre: float | None
    share_post: float | None
    statistic: float | None
    p_value: float | None
    method: str

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))


# --------------------------------------------------------------------------------- aggregation (polars)
def _aggregations(settings: _Settings) -> list[pl.Expr]:
    """Per-group sums and moments; everything else is derived from these in :func:`_finish`."""
    gain = pl.col("diff") * settings.sign  # positive = change in the better direction
    exprs = [
        pl.len().alias("n"),
        pl.col("pre").mean().alias("mean_pre"),
        pl.col("post").mean().alias("mean_post"),
        pl.col("pre").std().alias("sd_pre"),
        pl.col("post").std().alias("sd_post"),
        pl.col("diff").mean().alias("mean_change"),
        pl.col("diff").std().alias("sd_change"),
        (gain > 0).sum().alias("n_better"),
        (gain == 0).sum().alias("n_same"),
        (gain < 0).sum().alias("n_worse"),
    ]
    rc_better = gain / settings.s_diff > RC_Z if settings.s_diff else pl.lit(False)
    if settings.s_diff:
        rc_worse = gain / settings.s_diff < -RC_Z
        exprs += [rc_better.sum().alias("rc_better"), rc_worse.sum().alias("rc_worse")]
    if settings.cutoff:
        cut = settings.cutoff[1] * settings.sign
        dysfunctional_pre = pl.col("pre") * settings.sign < cut
        crossed = dysfunctional_pre & (pl.col("post") * settings.sign >= cut)
        exprs += [
            dysfunctional_pre.sum().alias("dysfunctional_pre"),
            crossed.sum().alias("crossed"),
            (crossed & rc_better).sum().alias("recovered"),
        ]
    return exprs


def _pairs_frame(pre: Any, post: Any) -> pl.DataFrame:
    """Paired scores as a frame with a ``diff`` column; pairs with a missing score are dropped."""
    pre_arr = np.asarray(pre, dtype=float).ravel()
    post_arr = np.asarray(post, dtype=float).ravel()
    if pre_arr.shape != post_arr.shape:
        raise UserError(f"pre and post must be paired: {pre_arr.size} and {post_arr.size} scores")
    keep = np.isfinite(pre_arr) & np.isfinite(post_arr)
    return pl.DataFrame({"pre": pre_arr[keep], "post": post_arr[keep]}).with_columns(
        (pl.col("post") - pl.col("pre")).alias("diff")
    )


# ---------------------------------------------------------------------------------- derived statistics
def _nct_limits(t: float, df: int, level: float = CONFIDENCE) -> tuple[float | None, float | None]:
    """Confidence limits of the noncentrality parameter λ for an observed t (Steiger & Fouladi, 1997).

    λ_low solves P(T ≤ t | λ) = 1 − α/2, λ_high solves P(T ≤ t | λ) = α/2.
    """
    if not (math.isfinite(t) and df >= 1):
        return None, None
    alpha = 1.0 - level

    def solve(prob: float) -> float | None:
        def g(lam: float) -> float:
            return float(stats.nct.cdf(t, df, lam)) - prob  # decreasing in λ

        lo = hi = t
        step = 1.0 + abs(t)
        for _ in range(60):
            if g(lo) > 0:
                break
            lo -= step
            step *= 2
        step = 1.0 + abs(t)
        for _ in range(60):
            if g(hi) < 0:
                break
            hi += step
            step *= 2
        if not (g(lo) > 0 > g(hi)):
            return None
        return float(optimize.brentq(g, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=500))

    return solve(1.0 - alpha / 2), solve(alpha / 2)


def _scale(limits: tuple[float | None, float | None], factor: float | None) -> tuple[float | None, ...]:
    return tuple(None if x is None or factor is None else x * factor for x in limits)


def _wilcoxon_p(diffs: np.ndarray) -> float | None:
    """Two-sided Wilcoxon signed-rank p (Pratt zeros, SciPy ``method='auto'``); None if all diffs are 0."""
    if diffs.size == 0 or not np.any(diffs != 0):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _num(stats.wilcoxon(diffs, zero_method=WILCOXON_ZERO_METHOD, method="auto").pvalue)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return _num(numerator / denominator)


def _finish(agg: Mapping[str, Any], diffs: np.ndarray, settings: _Settings) -> ChangeResult:
    """All derived statistics from one aggregate row and the group's differences."""
    n = int(agg["n"])
    mean_change, sd_change = _num(agg["mean_change"]), _num(agg["sd_change"]) if n > 1 else None
    sd_pre, sd_post = (_num(agg["sd_pre"]), _num(agg["sd_post"])) if n > 1 else (None, None)
    df = n - 1 if n > 1 else None
    se = sd_change / math.sqrt(n) if sd_change is not None else None
    t_value = _ratio(mean_change, se)
    p_value = _num(2 * stats.t.sf(abs(t_value), df)) if t_value is not None else None
    if df is not None and se and mean_change is not None:
        half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) * se
        ci = (mean_change - half, mean_change + half)
    else:
        ci = (None, None)
    lam = _nct_limits(t_value, df) if t_value is not None and df else (None, None)
    s_av = (sd_pre + sd_post) / 2 if sd_pre is not None and sd_post is not None else None
    d_av = _ratio(mean_change, s_av)
    dav_factor = _ratio(sd_change / math.sqrt(n), s_av) if sd_change is not None and s_av else None
    hedges_j = 1.0 - 3.0 / (4.0 * (n - 1) - 1.0) if n > 2 else None  # the approximation is 0 at n = 2
    dav_ci = _scale(lam, dav_factor)
    dz_ci = _scale(lam, 1 / math.sqrt(n) if n else None)
    return ChangeResult(
        n_pairs=n,
        mean_pre=_num(agg["mean_pre"]),
        mean_post=_num(agg["mean_post"]),
        sd_pre=sd_pre,
        sd_post=sd_post,
        mean_change=mean_change,
        sd_change=sd_change,
        se_change=se,
        ci_low=ci[0],
        ci_high=ci[1],
        t=t_value,
        df=df,
        p_value=p_value,
        wilcoxon_p=_wilcoxon_p(diffs),
        cohen_dz=_ratio(mean_change, sd_change),
        cohen_dz_ci_low=dz_ci[0],
        cohen_dz_ci_high=dz_ci[1],
        cohen_dav=d_av,
        cohen_dav_ci_low=dav_ci[0],
        cohen_dav_ci_high=dav_ci[1],
        hedges_gav=None if d_av is None or hedges_j is None else d_av * hedges_j,
        hedges_gav_ci_low=_scale(dav_ci[:1], hedges_j)[0],
        hedges_gav_ci_high=_scale(dav_ci[1:], hedges_j)[0],
        share_improved=_share(agg["n_better"], n),
        share_unchanged=_share(agg["n_same"], n),
        share_worse=_share(agg["n_worse"], n),
        higher_is_better=settings.higher_is_better,
        reliable_change=_reliable_change(agg, n, settings),
        reliable_change_criteria=_rc_criteria(settings),
        clinical=_clinical(agg, n, settings),
        methods=_METHODS,
    )


_METHODS = {
    "ci": "t-based 95% CI of the mean change",
    "wilcoxon": f"scipy.stats.wilcoxon(diff, zero_method='{WILCOXON_ZERO_METHOD}', method='auto'), two-sided",
    "cohen_dz_ci": "noncentral t (Steiger & Fouladi)",
    "cohen_dav_ci": "noncentral t limits of the paired t rescaled to d_av (Algina & Keselman, 2003)",
}


def _reliable_change(agg: Mapping[str, Any], n: int, settings: _Settings) -> ReliableChange | None:
    if settings.s_diff is None or n == 0:
        return None
    better, worse = agg["rc_better"], agg["rc_worse"]
    return ReliableChange(_share(better, n), _share(n - better - worse, n), _share(worse, n))


def _rc_criteria(settings: _Settings) -> ReliableChangeCriteria | None:
    if settings.reliability is None:
        return None
    se = settings.reference_sd * math.sqrt(1 - settings.reliability) if settings.reference_sd else None
    return ReliableChangeCriteria(settings.reliability, settings.reference_sd, se, settings.s_diff, RC_Z)


def _clinical(agg: Mapping[str, Any], n: int, settings: _Settings) -> ClinicalChange | None:
    if settings.cutoff is None or n == 0:
        return None
    criterion, cutoff = settings.cutoff
    return ClinicalChange(criterion, cutoff, _share(agg["dysfunctional_pre"], n), _share(agg["crossed"], n),
                          _share(agg["recovered"], n) if settings.s_diff is not None else None)


# --------------------------------------------------------------------------------------- public API
def change_stats(
    pre: Sequence[float] | np.ndarray,
    post: Sequence[float] | np.ndarray,
    *,
    reliability: float | None = None,
    higher_is_better: bool = True,
    norms: Norms | Mapping[str, Any] | None = None,
    reference_sd: float | None = None,
) -> ChangeResult:
    """Change statistics of paired scores (pairs with a missing score are dropped)."""
    pairs = _pairs_frame(pre, post)
    settings = _settings(pairs["pre"], reliability, higher_is_better, norms, reference_sd)
    return _overall(pairs, settings)


def _overall(pairs: pl.DataFrame, settings: _Settings) -> ChangeResult:
    """The result for all pairs together."""
    aggregate = pairs.select(_aggregations(settings)).row(0, named=True)
    return _finish(aggregate, pairs["diff"].to_numpy(), settings)


def _group_results(pairs: pl.DataFrame, settings: _Settings) -> list[dict[str, Any]]:
    """One result dict per value of ``group`` (polars aggregation, SciPy Wilcoxon per group)."""
    aggregates = pairs.group_by("group").agg(_aggregations(settings)).sort("group", nulls_last=True)
    parts = pairs.partition_by("group", as_dict=True)
    diffs = {key[0]: part["diff"].to_numpy() for key, part in parts.items()}
    return [
        {"group": _clean(row["group"]), **_finish(row, diffs[row["group"]], settings).to_dict()}
        for row in aggregates.iter_rows(named=True)
    ]


def _baseline(pre_scores: pl.Series, lost_scores: pl.Series) -> dict[str, Any]:
    """Pre scores of respondents lost to follow-up vs retained: means and Welch's t-test."""
    n_ret, n_lost = pre_scores.len(), lost_scores.len()
    m_ret, m_lost = _num(pre_scores.mean()), _num(lost_scores.mean())
    sd_ret = _num(pre_scores.std()) if n_ret > 1 else None
    sd_lost = _num(lost_scores.std()) if n_lost > 1 else None
    t_value = p_value = None
    if sd_ret is not None and sd_lost is not None and (sd_ret or sd_lost):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            test = stats.ttest_ind_from_stats(m_lost, sd_lost, n_lost, m_ret, sd_ret, n_ret, equal_var=False)
        t_value, p_value = _num(test.statistic), _num(test.pvalue)
    return {
        "n_retained": n_ret,
        "n_lost": n_lost,
        "mean_pre_retained": m_ret,
        "mean_pre_lost": m_lost,
        "sd_pre_retained": sd_ret,
        "sd_pre_lost": sd_lost,
        "difference": None if m_ret is None or m_lost is None else m_lost - m_ret,
        "welch_t": t_value,
        "p_value": p_value,
    }


def _long_waves(
    frame: pl.DataFrame, id: str, wave: str, score: str, pre: Any, post: Any, by: str | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Pre and post rows (columns id, score[, group]); checks columns, types and duplicate rows."""
    missing = [c for c in (id, wave, score, by) if c is not None and c not in frame.columns]
    if missing:
        raise UserError(f"column(s) not found: {', '.join(missing)} (columns: {', '.join(frame.columns)})")
    if str(pre) == str(post):
        raise UserError(f"the pre and post waves must differ, both are {pre!r}")
    try:
        scores = pl.col(score).cast(pl.Float64)
        rows = frame.select(
            pl.col(id).alias("id"),
            pl.col(wave).cast(pl.Utf8).alias("wave"),
            scores.alias("score"),
            *([pl.col(by).alias("group")] if by else []),
        ).filter(pl.col("wave").is_in([str(pre), str(post)]))
    except pl.exceptions.InvalidOperationError as error:
        raise UserError(f"column {score!r}: scores must be numbers ({error})") from None
    duplicated = rows.group_by("id", "wave").len().filter(pl.col("len") > 1)
    if duplicated.height:
        examples = ", ".join(f"{r['id']} ({r['wave']})" for r in duplicated.head(5).iter_rows(named=True))
        raise UserError(f"{duplicated.height} respondent(s) have more than one row for a wave: {examples}")
    rows = rows.filter(pl.col("score").is_not_null() & pl.col("score").is_not_nan())
    before = rows.filter(pl.col("wave") == str(pre)).drop("wave")
    after = rows.filter(pl.col("wave") == str(post)).select("id", "score")
    return before, after


def change_from_long(
    frame: pl.DataFrame,
    *,
    id: str,
    wave: str,
    score: str,
    pre: Any,
    post: Any,
    by: str | None = None,
    reliability: float | None = None,
    higher_is_better: bool = True,
    norms: Norms | Mapping[str, Any] | None = None,
    policy: DisclosurePolicy | None = None,
    reference_sd: float | None = None,
) -> WaveChange:
    """Change between waves pre and post from long data (one row per respondent × wave).

    Respondents count at a wave when they have a score there; ``by`` is taken from the pre wave.
    The overall statistics sit at the top level (the ChangeResult keys), next to n_pre, n_post,
    n_lost, attrition, a ``baseline`` comparison of lost vs retained respondents and ``groups``.
    Every figure passes through the disclosure policy.
    """
    policy = policy or DisclosurePolicy()
    before, after = _long_waves(frame, id, wave, score, pre, post, by)
    pairs = before.join(after, on="id", how="inner", suffix="_post").select(
        pl.col("score").alias("pre"),
        pl.col("score_post").alias("post"),
        (pl.col("score_post") - pl.col("score")).alias("diff"),
        *(["group"] if by else []),
    )
    lost = before.join(after, on="id", how="anti")["score"]
    settings = _settings(pairs["pre"], reliability, higher_is_better, norms, reference_sd)
    overall = policy.apply(_overall(pairs, settings).to_dict(), n_key="n_pairs", keep=("higher_is_better",))
    baseline = policy.apply(_baseline(pairs["pre"], lost), n_key="n_lost",
                            force=not (policy.allows(lost.len()) and policy.allows(pairs.height)))
    groups = policy.apply_groups(_group_results(pairs, settings) if by else [], n_key="n_pairs",
                                 total_n=pairs.height, keep=("group", "higher_is_better"))
    return WaveChange(
        score=score, pre_wave=str(pre), post_wave=str(post), by=by, min_cell=policy.min_cell,
        **_disclosed_counts(policy, before.height, after.height, pairs.height, lost.len()),
        overall=ChangeResult.from_dict(overall), suppressed=overall["suppressed"],
        baseline=_from_dict(Baseline, baseline),
        groups=[GroupChange(g["group"], ChangeResult.from_dict(g), g["suppressed"]) for g in groups],
    )


def _disclosed_counts(policy: DisclosurePolicy, n_pre: int, n_post: int, n_pairs: int, n_lost: int) -> dict:
    """Wave counts and attrition; attrition (which reveals n_pairs and n_lost) needs both to be shown.

    A count of zero lost respondents discloses nobody and is shown.
    """
    lost_ok = policy.allows(n_pre) and policy.allows(n_pairs) and (n_lost == 0 or policy.allows(n_lost))
    return {
        "n_pre": n_pre if policy.allows(n_pre) else None,
        "n_post": n_post if policy.allows(n_post) else None,
        "n_lost": n_lost if lost_ok else None,
        "attrition": _share(n_lost, n_pre) if lost_ok else None,
    }


def mcnemar(pre_bool: Sequence[Any] | np.ndarray, post_bool: Sequence[Any] | np.ndarray) -> McNemarResult:
    """McNemar test for a paired yes/no outcome (pairs with a missing value are dropped).

    Exact two-sided binomial test when the discordant pairs number fewer than 25, otherwise the
    chi-square statistic with continuity correction, (|b − c| − 1)² / (b + c), on 1 df.
    """
    pre_arr = np.asarray(pre_bool, dtype=float).ravel()
    post_arr = np.asarray(post_bool, dtype=float).ravel()
    if pre_arr.shape != post_arr.shape:
        raise UserError(f"pre and post must be paired: {pre_arr.size} and {post_arr.size} values")
    keep = ~(np.isnan(pre_arr) | np.isnan(post_arr))
    before, after = pre_arr[keep] != 0, post_arr[keep] != 0
    b = int(np.sum(before & ~after))  # yes -> no
    c = int(np.sum(~before & after))  # no -> yes
    n = int(before.size)
    if b + c < EXACT_MCNEMAR_BELOW:
        method, statistic = "exact", float(min(b, c))
        p_value = min(1.0, 2.0 * float(stats.binom.cdf(min(b, c), b + c, 0.5)))
    else:
        method, statistic = "chi2_corrected", (abs(b - c) - 1.0) ** 2 / (b + c)
        p_value = float(stats.chi2.sf(statistic, 1))
    return McNemarResult(
        n_pairs=n, table=[[int(np.sum(before & after)), b], [c, int(np.sum(~before & ~after))]], yes_to_no=b,
        no_to_yes=c, share_pre=_share(int(before.sum()), n), share_post=_share(int(after.sum()), n),
        statistic=_num(statistic), p_value=_num(p_value), method=method,
    )

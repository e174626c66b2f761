"""From evidence to value: outcome quantities (and deadweight) computed from dataset snapshots.

An outcome's ``quantity: {dataset, instrument, pre, post, rule, scale_to}`` becomes the share of the
sample's respondents (linked over the two waves) that meet the rule, times the size of the
``scale_to`` stakeholder (or the count in the sample without it). The share's 95% Wilson interval
becomes the quantity's range, so ``simulate`` carries the sample's uncertainty. With a comparison
group, the comparison group's share divided by the programme group's share is the deadweight (the
part of the outcome that would have happened anyway), with its range from the two intervals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import polars as pl

from impactlab.errors import UserError
from impactlab.evidence.change import change_stats
from impactlab.evidence.datasets import DatasetStore
from impactlab.evidence.disclosure import DisclosurePolicy, programme_policy
from impactlab.evidence.scored import RESPONDENT, WAVE, ScoreSpec, score_spec, scored_frame
from impactlab.model.schema import WELLBY_SCORES, EvidenceQuantity, ImpactModel, Range

Z95 = 1.959963984540054


def wilson_interval(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion (Wilson 1927)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class EvidenceTrail:
    """Where an evidence-based number came from."""

    outcome: str
    field: str
    dataset: str
    snapshot: str
    instrument: str
    score: str
    rule: str
    n_pairs: int
    share: float
    share_low: float
    share_high: float
    value: float
    low: float
    high: float
    description: str
    measure: str = "share"
    se: float | None = None


@dataclass(frozen=True)
class MeanChange:
    """The paired change of a score: its mean over respondents, the standard error of that mean, and n."""

    mean: float
    se: float
    n: int


def mean_change(pre: object, post: object) -> MeanChange:
    """Mean of post - pre per respondent and its standard error SD(diff, n-1) / sqrt(n) (vectorised)."""
    diff = np.asarray(post, dtype=np.float64) - np.asarray(pre, dtype=np.float64)
    n = int(diff.size)
    if n == 0:
        raise UserError("no respondent with both waves")
    se = float(diff.std(ddof=1) / math.sqrt(n)) if n > 1 else math.inf
    return MeanChange(float(diff.mean()), se, n)


def difference_in_differences(programme: MeanChange, comparison: MeanChange) -> MeanChange:
    """The programme group's mean change minus the comparison group's; the SE of two independent means."""
    return MeanChange(programme.mean - comparison.mean, math.hypot(programme.se, comparison.se),
                      programme.n + comparison.n)


def _pairs(frame: pl.DataFrame, column: str, pre: str, post: str, group_column: str | None) -> pl.DataFrame:
    keep = [RESPONDENT, column] + ([group_column] if group_column else [])
    waves = frame.filter(pl.col(WAVE).cast(pl.String).is_in([pre, post]))
    before = waves.filter(pl.col(WAVE).cast(pl.String) == pre).select(keep).rename({column: "pre"})
    after = waves.filter(pl.col(WAVE).cast(pl.String) == post).select([RESPONDENT, column]).rename({column: "post"})
    pairs = before.join(after, on=RESPONDENT, how="inner").drop_nulls(["pre", "post"])
    if pairs.height == 0:
        raise UserError(f"no respondent has a {column} score at both {pre} and {post}")
    return pairs


def _meets_rule(pairs: pl.DataFrame, spec: ScoreSpec, quantity: EvidenceQuantity,
                reference_sd: float | None = None) -> float:
    """How many pairs meet the rule (vectorised; change_stats gives the reliable-change shares).

    ``reference_sd`` is the SD of the reliable change index: that of all paired respondents, so that a
    programme and its comparison group are classified by the same criterion.
    """
    pre, post = pairs["pre"].to_numpy(), pairs["post"].to_numpy()
    rule = quantity.rule
    if rule == "improvement":
        better = (post > pre) if spec.higher_is_better else (post < pre)
        return float(better.sum())
    reliability = quantity.reliability or spec.reliability
    if rule == "reliable_improvement":
        if reliability is None:
            raise UserError(f"instrument {spec.instrument.id} ships no reliability for {spec.score_name}: give "
                            "reliability: in the quantity to use the reliable change index")
        result = change_stats(pre, post, reliability=reliability, higher_is_better=spec.higher_is_better,
                              reference_sd=reference_sd)
        assert result.reliable_change is not None
        return (result.reliable_change.improved or 0.0) * (result.n_pairs or 0)
    if rule == "recovered":
        if spec.norms is None or reliability is None:
            raise UserError(f"rule recovered needs norms and a reliability for {spec.column}")
        result = change_stats(pre, post, reliability=reliability, higher_is_better=spec.higher_is_better,
                              norms=spec.norms, reference_sd=reference_sd)
        recovered = result.clinical.recovered if result.clinical is not None else None
        return (recovered or 0.0) * (result.n_pairs or 0)
    if quantity.threshold is None:
        raise UserError("rule above_cutoff needs threshold: the score that counts as a good outcome")
    if spec.higher_is_better:
        crossed = (pre < quantity.threshold) & (post >= quantity.threshold)
    else:
        crossed = (pre > quantity.threshold) & (post <= quantity.threshold)
    return float(crossed.sum())


def _share(pairs: pl.DataFrame, spec: ScoreSpec, quantity: EvidenceQuantity,
           policy: DisclosurePolicy, what: str, reference_sd: float | None = None) -> tuple[float, float, float, int]:
    n = pairs.height
    if not policy.allows(n):
        raise UserError(f"{what}: only {n} respondents with both waves, fewer than the minimum cell size "
                        f"{policy.min_cell}: too few to base a quantity on")
    count = _meets_rule(pairs, spec, quantity, reference_sd)
    low, high = wilson_interval(count, n)
    return count / n, low, high, n


def resolve_outcome(model: ImpactModel, index: int, store: DatasetStore, policy: DisclosurePolicy,
                    allowed: Iterable[str] | None = None) -> tuple[dict[str, Any], list[EvidenceTrail]]:
    """The numeric quantity (and deadweight, with a comparison group) of one evidence-based outcome."""
    outcome = model.outcomes[index]
    quantity = outcome.quantity
    assert isinstance(quantity, EvidenceQuantity)
    if quantity.measure == "wellby":
        return _resolve_wellby(model, index, store, policy, allowed)
    spec = score_spec(quantity.instrument, quantity.score)
    frame, rows = scored_frame(store, _reference(quantity), spec, allowed)
    group_column = quantity.group_column
    if quantity.comparison is not None and (group_column is None or group_column not in frame.columns):
        raise UserError(f"outcome {outcome.id}: comparison needs group_column, a column of dataset {rows.dataset}")
    pairs = _pairs(frame, spec.column, quantity.pre, quantity.post, group_column)
    programme = pairs
    # one reliable-change criterion for the programme and its comparison group: the SD of all pairs' pre scores
    pre_sd = pairs["pre"].std() if pairs.height > 1 else None
    reference_sd = float(pre_sd) if pre_sd is not None and math.isfinite(pre_sd) and pre_sd > 0 else None
    if quantity.comparison is not None:
        is_comparison = pl.col(group_column).cast(pl.String) == quantity.comparison
        programme = pairs.filter(~is_comparison)
    share, low, high, n = _share(programme, spec, quantity, policy, f"outcome {outcome.id}", reference_sd)
    size = model.stakeholder(quantity.scale_to).size if quantity.scale_to else None
    if quantity.scale_to and size is None:
        raise UserError(f"outcome {outcome.id}: stakeholder {quantity.scale_to} has no size to scale to")
    scale = size if size is not None else n
    base = rows.label
    snapshot = "+".join(rows.snapshot_ids)
    trail = [EvidenceTrail(
        outcome.id, "quantity", rows.dataset, snapshot, spec.instrument.id, spec.column, quantity.rule, n,
        share, low, high, share * scale, low * scale, high * scale,
        f"{base}: {share:.1%} of {n} respondents ({quantity.pre}->{quantity.post}) meet {quantity.rule} "
        f"(95% CI {low:.1%}-{high:.1%}) x {scale:g}" + (f" ({quantity.scale_to})" if quantity.scale_to else ""),
    )]
    changes: dict[str, Any] = {"quantity": Range(base=share * scale, low=low * scale, high=high * scale,
                                                 source=trail[0].description)}
    if quantity.comparison is not None:
        control = pairs.filter(pl.col(group_column).cast(pl.String) == quantity.comparison)
        c_share, c_low, c_high, c_n = _share(control, spec, quantity, policy, f"outcome {outcome.id} comparison",
                                             reference_sd)
        dw = min(1.0, c_share / share) if share > 0 else 1.0
        dw_low = min(1.0, c_low / high) if high > 0 else 1.0
        dw_high = min(1.0, c_high / low) if low > 0 else 1.0
        dw_low, dw_high = min(dw_low, dw), max(dw_high, dw)
        description = (f"{base}: comparison group {quantity.comparison!r} {c_share:.1%} of {c_n} meet "
                       f"{quantity.rule}; deadweight = {c_share:.1%} / {share:.1%}")
        trail.append(EvidenceTrail(outcome.id, "deadweight", rows.dataset, snapshot, spec.instrument.id,
                                   spec.column, quantity.rule, c_n, c_share, c_low, c_high, dw, dw_low, dw_high,
                                   description))
        changes["deadweight"] = Range(base=dw, low=dw_low, high=dw_high, source=description)
    return changes, trail


def _group_change(pairs: pl.DataFrame, policy: DisclosurePolicy, what: str) -> MeanChange:
    if not policy.allows(pairs.height):
        raise UserError(f"{what}: only {pairs.height} respondents with both waves, fewer than the minimum cell "
                        f"size {policy.min_cell}: too few to base a quantity on")
    if pairs.height < 2:
        raise UserError(f"{what}: a standard error needs at least 2 respondents with both waves")
    return mean_change(pairs["pre"].to_numpy(), pairs["post"].to_numpy())


def _resolve_wellby(model: ImpactModel, index: int, store: DatasetStore, policy: DisclosurePolicy,
                    allowed: Iterable[str] | None) -> tuple[dict[str, Any], list[EvidenceTrail]]:
    """WELLBYs a year: mean paired change in life satisfaction (0-10), minus the comparison group's, x people.

    The standard error of the mean change (of the difference, with a comparison group) times the number of
    people is the quantity's normal SD, so ``simulate`` carries the sample's uncertainty.
    """
    outcome = model.outcomes[index]
    quantity = outcome.quantity
    assert isinstance(quantity, EvidenceQuantity)
    if quantity.instrument not in WELLBY_SCORES:
        raise UserError(f"measure wellby needs a 0-10 life-satisfaction score ({', '.join(WELLBY_SCORES)}), "
                        f"got {quantity.instrument}")
    spec = score_spec(quantity.instrument, quantity.score or WELLBY_SCORES[quantity.instrument])
    frame, rows = scored_frame(store, _reference(quantity), spec, allowed)
    group_column = quantity.group_column
    if quantity.comparison is not None and (group_column is None or group_column not in frame.columns):
        raise UserError(f"outcome {outcome.id}: comparison needs group_column, a column of dataset {rows.dataset}")
    pairs = _pairs(frame, spec.column, quantity.pre, quantity.post,
                   group_column if quantity.comparison is not None else None)
    programme = pairs
    if quantity.comparison is not None:
        is_comparison = pl.col(group_column).cast(pl.String) == quantity.comparison
        programme = pairs.filter(~is_comparison)
    change = _group_change(programme, policy, f"outcome {outcome.id}")
    size = model.stakeholder(quantity.scale_to).size if quantity.scale_to else None
    if quantity.scale_to and size is None:
        raise UserError(f"outcome {outcome.id}: stakeholder {quantity.scale_to} has no size to scale to")
    people = size if size is not None else change.n
    snapshot = "+".join(rows.snapshot_ids)
    waves = f"{quantity.pre}->{quantity.post}"
    measured = (f"{rows.label}: {spec.column} (0-10 life satisfaction) mean change {change.mean:+.3f} points "
                f"(SE {change.se:.3f}) over {change.n} respondents {waves}")
    effect, trail = change, []
    changes: dict[str, Any] = {}
    if quantity.comparison is not None:
        control = _group_change(pairs.filter(pl.col(group_column).cast(pl.String) == quantity.comparison), policy,
                                f"outcome {outcome.id} comparison")
        effect = difference_in_differences(change, control)
        measured += (f"; comparison group {quantity.comparison!r} {control.mean:+.3f} (SE {control.se:.3f}, "
                     f"{control.n} respondents): difference in differences {effect.mean:+.3f} (SE {effect.se:.3f})")
        share = control.mean / change.mean if change.mean else math.nan
        deadweight = (f"{rows.label}: in the quantity as difference in differences: comparison group "
                      f"{quantity.comparison!r} changed {control.mean:+.3f} points, the programme group "
                      f"{change.mean:+.3f}" + (f" ({share:.1%} of it)" if math.isfinite(share) else ""))
        low, high = control.mean - Z95 * control.se, control.mean + Z95 * control.se
        trail.append(EvidenceTrail(outcome.id, "deadweight", rows.dataset, snapshot, spec.instrument.id,
                                   spec.column, "wellby", control.n, control.mean, low, high, 0.0, 0.0, 0.0,
                                   deadweight, "wellby", control.se))
        changes["deadweight"] = Range(base=0.0, low=0.0, high=0.0, source=deadweight)
    sd = effect.se * people
    base = effect.mean * people
    low, high = base - Z95 * sd, base + Z95 * sd
    description = (f"{measured}; x {people:g} people" + (f" ({quantity.scale_to})" if quantity.scale_to else "")
                   + f" = {base:.2f} WELLBYs a year (normal, SD {sd:.2f}; 95% CI {low:.2f} to {high:.2f}); "
                   "1 WELLBY = one point of life satisfaction (0-10) for one person for one year "
                   "(HM Treasury Green Book wellbeing guidance)")
    trail.insert(0, EvidenceTrail(outcome.id, "quantity", rows.dataset, snapshot, spec.instrument.id, spec.column,
                                  "wellby", change.n, effect.mean, effect.mean - Z95 * effect.se,
                                  effect.mean + Z95 * effect.se, base, low, high, description, "wellby", effect.se))
    changes["quantity"] = Range(base=base, low=low, high=high, dist="normal", sd=sd, source=description)
    return changes, trail


def evidence_references(model: ImpactModel) -> list[tuple[str, str]]:
    """(dataset reference, instrument) of every evidence quantity of the model."""
    return [(_reference(o.quantity), o.quantity.instrument) for o in model.outcomes
            if isinstance(o.quantity, EvidenceQuantity)]


def _reference(quantity: EvidenceQuantity) -> str:
    """The dataset (all its usable snapshots) or, when the quantity pins one, ``dataset@snapshot``."""
    if not quantity.snapshot:
        return quantity.dataset
    return quantity.snapshot if "@" in quantity.snapshot else f"{quantity.dataset}@{quantity.snapshot}"


def resolve_evidence(model: ImpactModel, store: DatasetStore, policy: DisclosurePolicy | None = None,
                     allowed: Iterable[str] | None = None) -> tuple[ImpactModel, list[dict[str, Any]]]:
    """The model with every evidence quantity replaced by numbers with ranges, and the trail of each.

    Rows come from ``dataset_rows`` (the snapshots in ``allowed``, None: all); the minimum cell size from
    ``programme_policy`` (the installation's, raised by the model's) unless a policy is given.
    """
    policy = policy or programme_policy(model)
    outcomes = list(model.outcomes)
    trails: list[EvidenceTrail] = []
    for index, outcome in enumerate(model.outcomes):
        if isinstance(outcome.quantity, EvidenceQuantity):
            try:
                changes, trail = resolve_outcome(model, index, store, policy, allowed)
            except UserError as error:
                raise UserError([f"outcomes[{index}] ({outcome.id}).quantity: {m}" for m in error.messages]) from None
            sources = {**outcome.sources, **{k: v.source for k, v in changes.items() if v.source}}
            outcomes[index] = outcome.model_copy(update={**changes, "sources": sources})
            outcomes[index]._signed_quantity = outcome.quantity.measure == "wellby"
            trails.extend(trail)
    return model.model_copy(update={"outcomes": outcomes}), [asdict(t) for t in trails]

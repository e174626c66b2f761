"""The deterministic valuation: SROI value map, MKBA view and who pays / who benefits.

Rules (Social Value International's guide; docs/valuation.md has worked examples):
impact in the first year = quantity x unit value x (1 - deadweight) x (1 - displacement) x (1 - attribution);
each later year = the previous x (1 - drop-off); present value = sum impact(t) / (1 + r)^t (or t - 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from impactlab.model.schema import ImpactModel
from impactlab.valuation.compiled import CompiledModel, compile_model
from impactlab.valuation.evidence_hook import with_evidence
from impactlab.valuation.formula import TERMS, first_year
from impactlab.valuation.results import (
    InputValue,
    OutcomeValue,
    SocietyView,
    StakeholderBalance,
    ValuationResult,
)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def discount_factors(rate: float, years: np.ndarray, first_year: bool) -> np.ndarray:
    """1 / (1 + r)^t, or 1 / (1 + r)^(t - 1) when the first year is not discounted."""
    exponent = years if first_year else years - 1
    return (1.0 + rate) ** -exponent.astype(np.float64)


class _Arrays:
    """The compiled model's figures at the base values, as NumPy arrays over outcomes and inputs."""

    def __init__(self, compiled: CompiledModel):
        p = compiled.base_vector()
        self.rate = float(p[compiled.rate_index])
        self.quantity = p[compiled.q_idx]
        self.unit_value = p[compiled.v_idx] * compiled.v_factor
        self.deadweight = p[compiled.deadweight_idx]
        self.displacement = p[compiled.displacement_idx]
        self.attribution = p[compiled.attribution_idx]
        self.drop_off = p[compiled.drop_off_idx]
        self.duration = np.maximum(np.floor(p[compiled.duration_idx] + 0.5), 1).astype(np.int64)
        self.start = compiled.start
        money = compiled.amount_idx >= 0
        self.input_value = np.where(
            money, p[np.maximum(compiled.amount_idx, 0)],
            p[np.maximum(compiled.input_qty_idx, 0)] * p[np.maximum(compiled.input_value_idx, 0)]
            * compiled.input_factor)
        self.input_year = compiled.input_year


def value(model: ImpactModel, workspace: Path | str | None = None) -> ValuationResult:
    """Value a model at the base values of all its assumptions.

    Evidence-based quantities are first computed from the snapshots in ``workspace``.
    """
    model, trail = with_evidence(model, workspace)
    compiled = compile_model(model)
    a = _Arrays(compiled)
    horizon = int(max([0, *(a.start + a.duration - 1)]))
    years = np.arange(horizon + 1)

    first = first_year({term: getattr(a, term) for term in TERMS})
    since_start = years[None, :] - a.start[:, None]
    active = (since_start >= 0) & (since_start < a.duration[:, None])
    impact = np.where(active, first[:, None] * (1 - a.drop_off[:, None]) ** np.maximum(since_start, 0), 0.0)
    discount = discount_factors(a.rate, years, compiled.first_year)
    pv = impact @ discount
    input_pv = a.input_value * (1.0 + a.rate) ** -a.input_year.astype(np.float64)

    investment = float(input_pv.sum())
    present_value = float(pv.sum())
    transfers = np.array([o.transfer_from is not None for o in model.outcomes], dtype=bool)
    society_benefits = float(pv[~transfers].sum()) if len(pv) else 0.0
    year_one = float(impact[:, 1].sum()) if horizon >= 1 else 0.0

    outcomes = _outcome_values(model, compiled, a, first, impact, pv)
    inputs = [
        InputValue(item.id, item.stakeholder, item.description, item.support, item.year,
                   float(a.input_value[k]), float(input_pv[k]), item.source)
        for k, item in enumerate(model.inputs)
    ]
    return ValuationResult(
        programme=model.programme.name, currency=model.programme.currency,
        price_year=model.programme.price_year, discount_rate=a.rate,
        discount_first_year=compiled.first_year, index=model.valuation.index,
        investment=investment, present_value=present_value,
        net_present_value=present_value - investment,
        sroi_ratio=_ratio(present_value, investment),
        net_sroi_ratio=_ratio(present_value - investment, investment),
        payback_months=investment / (year_one / 12) if year_one > 0 else None,
        society=SocietyView(society_benefits, investment, society_benefits - investment,
                            _ratio(society_benefits, investment)),
        years=years.tolist(), outcomes=outcomes, inputs=inputs,
        stakeholders=_balances(model, pv, input_pv),
        support_balance=_support_balance(model, input_pv),
        evidence=trail,
    )


def _outcome_values(model: ImpactModel, compiled: CompiledModel, a: _Arrays, first: np.ndarray,
                    impact: np.ndarray, pv: np.ndarray) -> list[OutcomeValue]:
    gross = a.quantity * a.unit_value * a.duration
    after_dw = gross * (1 - a.deadweight)
    after_ds = after_dw * (1 - a.displacement)
    after_at = after_ds * (1 - a.attribution)
    after_drop = impact.sum(axis=1)
    result = []
    for o, outcome in enumerate(model.outcomes):
        trail = {key: text for key, text in outcome.sources.items()}
        if outcome.proxy:
            trail.setdefault("unit_value", f"proxy {outcome.proxy} (index factor "
                             f"{compiled.index_factors.get(outcome.proxy, 1.0):.6g})")
        if outcome.conversion is not None:
            trail.setdefault("conversion", f"{outcome.conversion.factor:g} {outcome.conversion.to} per "
                             f"{outcome.unit or 'person'} ({outcome.conversion.source})")
        result.append(OutcomeValue(
            id=outcome.id, stakeholder=outcome.stakeholder, description=outcome.description,
            indicator=outcome.indicator, quantity=float(a.quantity[o]), unit_value=float(a.unit_value[o]),
            proxy=outcome.proxy, index_factor=float(compiled.v_factor[o]),
            deadweight=float(a.deadweight[o]), displacement=float(a.displacement[o]),
            attribution=float(a.attribution[o]), drop_off=float(a.drop_off[o]),
            duration=int(a.duration[o]), start_year=int(a.start[o]), transfer_from=outcome.transfer_from,
            impact_first_year=float(first[o]), impact_by_year=impact[o].tolist(), present_value=float(pv[o]),
            waterfall={
                "gross": float(gross[o]),
                "deadweight": float(after_dw[o] - gross[o]),
                "displacement": float(after_ds[o] - after_dw[o]),
                "attribution": float(after_at[o] - after_ds[o]),
                "drop_off": float(after_drop[o] - after_at[o]),
                "discounting": float(pv[o] - after_drop[o]),
                "present_value": float(pv[o]),
            },
            trail=trail,
        ))
    return result


def _balances(model: ImpactModel, pv: np.ndarray, input_pv: np.ndarray) -> list[StakeholderBalance]:
    invested = dict.fromkeys((s.id for s in model.stakeholders), 0.0)
    benefits = dict.fromkeys(invested, 0.0)
    for k, item in enumerate(model.inputs):
        invested[item.stakeholder] += float(input_pv[k])
    for o, outcome in enumerate(model.outcomes):
        benefits[outcome.stakeholder] += float(pv[o])
        if outcome.transfer_from is not None:
            benefits[outcome.transfer_from] -= float(pv[o])
    return [StakeholderBalance(s.id, s.name, invested[s.id], benefits[s.id], benefits[s.id] - invested[s.id])
            for s in model.stakeholders]


def _support_balance(model: ImpactModel, input_pv: np.ndarray) -> dict[str, float]:
    """Discounted inputs split into formal support, informal support and other (money, unlabelled)."""
    balance = {"formal": 0.0, "informal": 0.0, "other": 0.0}
    for k, item in enumerate(model.inputs):
        balance[item.support or "other"] += float(input_pv[k])
    return balance

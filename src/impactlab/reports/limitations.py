"""Limitations generated from the model and its evidence: weak spots a reader must know about."""

from __future__ import annotations

from impactlab.model.library import proxy_library
from impactlab.model.schema import ImpactModel
from impactlab.reports.evidence import DataSource
from impactlab.reports.labels import FIELDS
from impactlab.reports.texts import Texts
from impactlab.valuation.compiled import CompiledModel

SMALL_SAMPLE = 30
HIGH_ATTRITION = 0.3
ZERO_CHECKED = ("deadweight", "displacement", "attribution")


def _unverified_proxies(model: ImpactModel, texts: Texts) -> list[str]:
    library = proxy_library()
    own = {p.id: p for p in model.proxies}
    used = sorted({o.proxy for o in model.outcomes if o.proxy} | {i.proxy for i in model.inputs if i.proxy})
    out = []
    for pid in used:
        if pid in own:
            out.append(texts("lim_unverified", name=own[pid].name, id=pid, why=texts("lim_own_proxy")))
        elif pid in library and library[pid].confidence == "unverified":  # derived = arithmetic on verified figures
            out.append(texts("lim_unverified", name=library[pid].name, id=pid,
                             why=texts("lim_unverified_library")))
    return out


def _without_source(model: ImpactModel, compiled: CompiledModel, texts: Texts) -> list[str]:
    """One line per outcome or input: the assumptions that name no source."""
    names = {f"outcomes.{o.id}": o.description for o in model.outcomes}
    names |= {f"inputs.{i.id}": i.description or i.id for i in model.inputs}
    missing: dict[str, list[str]] = {}
    for p in compiled.params:
        item, _, key = p.name.rpartition(".")
        if not p.source and item in names:
            missing.setdefault(item, []).append(texts(FIELDS.get(key, key)).lower())
    return [texts("lim_no_source", item=names[item], items=", ".join(keys)) for item, keys in missing.items()]


def _zero_deductions(model: ImpactModel, compiled: CompiledModel, texts: Texts) -> list[str]:
    """One line per deduction that is zero for some outcomes."""
    base = {p.name: p.base for p in compiled.params}
    out = []
    for key in ZERO_CHECKED:
        zero = [o.description for o in model.outcomes if base[f"outcomes.{o.id}.{key}"] == 0]
        if zero:
            out.append(texts("lim_zero", deduction=texts(key), n=len(zero), total=len(model.outcomes),
                             outcomes="; ".join(zero)))
    return out


def _weak_evidence(sources: list[DataSource], texts: Texts) -> list[str]:
    out = []
    for s in sources:
        what = []
        if s.n_pairs is None:
            what.append(texts("lim_small_suppressed"))
        elif s.n_pairs < SMALL_SAMPLE:
            what.append(texts("lim_small_n", n=s.n_pairs))
        attrition = s.change.attrition
        if attrition is not None and attrition > HIGH_ATTRITION:
            what.append(texts("lim_attrition", share=texts.pct(attrition)))
        if what:
            out.append(texts("lim_small", dataset=s.dataset, what=", ".join(what), outcome=s.outcome or "–"))
    return out


def limitations(model: ImpactModel, compiled: CompiledModel, sources: list[DataSource], texts: Texts) -> list[str]:
    """Every limitation, most specific first."""
    items = [*_unverified_proxies(model, texts), *_zero_deductions(model, compiled, texts),
             *_weak_evidence(sources, texts), *_without_source(model, compiled, texts)]
    if not any(s.outcome for s in sources):
        items.append(texts("lim_no_data"))
    transfers = sum(o.transfer_from is not None for o in model.outcomes)
    if transfers:
        items.append(texts("lim_transfers", n=transfers))
    if any(p.uncertain for p in compiled.params):
        items.append(texts("lim_independent"))
    items.append(texts("lim_unverified_outcomes"))
    return items

"""Checks across a parsed model: references, duplicates, domains, price indices, over-claiming."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping

from impactlab.model import units
from impactlab.model.problems import Loc, Problem, problem
from impactlab.model.schema import WELLBY_SCORES, EvidenceQuantity, ImpactModel, Number, Outcome, Proxy, Range

FRACTIONS = ("deadweight", "attribution", "displacement", "drop_off")


def _points(value: Number) -> Iterator[tuple[str | None, float]]:
    """The numbers of a plain number or a range, with the range key they sit under."""
    if isinstance(value, Range):
        yield from (("base", value.base), ("low", value.low), ("high", value.high))
    else:
        yield None, float(value)


def _check_domain(loc: Loc, value: Number, ok: Callable[[float], bool], rule: str) -> Iterator[Problem]:
    """``rule``: a catalogue term (``zero_or_more``, ``fraction``, ``rate``, ``whole_years``)."""
    for key, number in _points(value):
        if not math.isfinite(number) or not ok(number):
            where = (*loc, key) if key else loc
            yield problem(where, "check.domain", rule_term=f"term.{rule}", number=number)


def _duplicates(model: ImpactModel) -> Iterator[Problem]:
    for section in ("stakeholders", "proxies", "inputs", "activities", "outputs", "outcomes"):
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(model, section)):
            if item.id in seen:
                yield problem((section, i, "id"), "check.duplicate_id", id=item.id, section=section,
                              first=seen[item.id])
            seen.setdefault(item.id, i)


def _reference(loc: Loc, ref: str | None, known: Mapping[str, object] | set[str], what: str) -> Iterator[Problem]:
    import difflib

    if ref is not None and ref not in known:
        close = difflib.get_close_matches(ref, list(known), n=1, cutoff=0.6)
        if close:
            yield problem(loc, "check.unknown_reference_hint", what_term=f"term.{what}", ref=ref, close=close[0])
        else:
            yield problem(loc, "check.unknown_reference", what_term=f"term.{what}", ref=ref)


def _references(model: ImpactModel, proxies: Mapping[str, Proxy]) -> Iterator[Problem]:
    stakeholders = {s.id for s in model.stakeholders}
    inputs = {i.id for i in model.inputs}
    activities = {a.id for a in model.activities}
    outputs = {o.id for o in model.outputs}
    for i, item in enumerate(model.inputs):
        yield from _reference(("inputs", i, "stakeholder"), item.stakeholder, stakeholders, "stakeholder")
        yield from _reference(("inputs", i, "proxy"), item.proxy, proxies, "proxy")
    for i, activity in enumerate(model.activities):
        for j, ref in enumerate(activity.stakeholders):
            yield from _reference(("activities", i, "stakeholders", j), ref, stakeholders, "stakeholder")
        for j, ref in enumerate(activity.inputs):
            yield from _reference(("activities", i, "inputs", j), ref, inputs, "input")
    for i, output in enumerate(model.outputs):
        yield from _reference(("outputs", i, "activity"), output.activity, activities, "activity")
        for j, ref in enumerate(output.stakeholders):
            yield from _reference(("outputs", i, "stakeholders", j), ref, stakeholders, "stakeholder")
    for i, outcome in enumerate(model.outcomes):
        yield from _reference(("outcomes", i, "stakeholder"), outcome.stakeholder, stakeholders, "stakeholder")
        yield from _reference(("outcomes", i, "proxy"), outcome.proxy, proxies, "proxy")
        yield from _reference(("outcomes", i, "transfer_from"), outcome.transfer_from, stakeholders, "stakeholder")
        for j, ref in enumerate(outcome.outputs):
            yield from _reference(("outcomes", i, "outputs", j), ref, outputs, "output")
        if outcome.transfer_from is not None and outcome.transfer_from == outcome.stakeholder:
            yield problem(("outcomes", i, "transfer_from"), "check.transfer_to_self")
        if isinstance(outcome.quantity, EvidenceQuantity):
            yield from _reference(("outcomes", i, "quantity", "scale_to"), outcome.quantity.scale_to,
                                  stakeholders, "stakeholder")


def _domains(model: ImpactModel) -> Iterator[Problem]:
    yield from _check_domain(("valuation", "discount_rate"), model.valuation.discount_rate,
                             lambda x: 0 <= x < 1, "rate")
    for i, proxy in enumerate(model.proxies):
        yield from _check_domain(("proxies", i, "value"), proxy.value, lambda x: x >= 0, "zero_or_more")
    for i, item in enumerate(model.inputs):
        for key in ("amount", "quantity"):
            value = getattr(item, key)
            if value is not None:
                yield from _check_domain(("inputs", i, key), value, lambda x: x >= 0, "zero_or_more")
    for i, outcome in enumerate(model.outcomes):
        if not isinstance(outcome.quantity, EvidenceQuantity):
            yield from _check_domain(("outcomes", i, "quantity"), outcome.quantity, lambda x: x >= 0, "zero_or_more")
        if outcome.value is not None:
            yield from _check_domain(("outcomes", i, "value"), outcome.value, lambda x: x >= 0, "zero_or_more")
        for key in FRACTIONS:
            yield from _check_domain(("outcomes", i, key), getattr(outcome, key), lambda x: 0 <= x <= 1,
                                     "fraction")
        yield from _check_domain(("outcomes", i, "duration"), outcome.duration,
                                 lambda x: x >= 1 and float(x).is_integer(), "whole_years")


def _indexation(model: ImpactModel, proxies: Mapping[str, Proxy], indices: Mapping[str, Mapping[int, float]],
                model_proxy_ids: set[str]) -> Iterator[Problem]:
    target = model.programme.price_year
    used = {i.proxy for i in model.inputs if i.proxy} | {o.proxy for o in model.outcomes if o.proxy}
    currency = model.programme.currency
    for proxy_id in sorted(used & set(proxies)):
        proxy = proxies[proxy_id]
        loc: Loc = (("proxies", [p.id for p in model.proxies].index(proxy_id))
                    if proxy_id in model_proxy_ids else _first_use(model, proxy_id))
        if proxy.currency and proxy.currency != currency:
            yield problem((*loc, "currency"), "check.currency", proxy=proxy_id, currency=proxy.currency,
                          programme_currency=currency)
        if proxy.price_year == target:
            continue
        name = model.valuation.index
        if name is None:
            yield problem((*loc, "price_year") if proxy_id in model_proxy_ids else loc, "check.index_off",
                          "warning", proxy=proxy_id, year=proxy.price_year, target=target)
            continue
        series = indices.get(name)
        if series is None:
            yield problem(("valuation", "index"), "check.unknown_index", name=name, known=", ".join(sorted(indices)))
            return
        for year in (proxy.price_year, target):
            if year not in series:
                covered = f"{min(series)}–{max(series)}" if series else "no years"
                yield problem((*loc, "price_year") if proxy_id in model_proxy_ids else loc, "check.index_year",
                              name=name, year=year, covered=covered)


def _first_use(model: ImpactModel, proxy_id: str) -> Loc:
    for i, item in enumerate(model.inputs):
        if item.proxy == proxy_id:
            return ("inputs", i, "proxy")
    index = next(i for i, o in enumerate(model.outcomes) if o.proxy == proxy_id)
    return ("outcomes", index, "proxy")


def _over_claiming(model: ImpactModel) -> Iterator[Problem]:
    from impactlab.model.library import proxy_library

    library = {} if not model.outcomes else {k: v for k, v in proxy_library().items()
                                            if k not in {p.id for p in model.proxies}}
    sizes = {s.id: s.size for s in model.stakeholders}
    for i, outcome in enumerate(model.outcomes):
        if all(not isinstance(getattr(outcome, k), Range) and getattr(outcome, k) == 0 for k in
               ("deadweight", "attribution")) and not _wellby_comparison(outcome):
            yield problem(("outcomes", i), "check.zero_deductions", "warning")
        size = sizes.get(outcome.stakeholder)
        quantity = outcome.quantity
        top = quantity.high if isinstance(quantity, Range) else quantity
        counts_people = outcome.unit in (None, "person", "people", "persons", "client", "clients")
        if counts_people and size is not None and isinstance(top, int | float) and top > size:
            yield problem(("outcomes", i, "quantity"), "check.over_size", "warning", size=size)
    for i, outcome in enumerate(model.outcomes):
        library_entry = library.get(outcome.proxy or "")
        if library_entry is not None and library_entry.transfer and outcome.transfer_from is None:
            yield problem(("outcomes", i, "proxy"), "check.transfer_proxy", "warning", proxy=outcome.proxy)
    if not model.inputs:
        yield problem(("inputs",), "check.no_inputs", "warning")


def proxy_kind(proxy: Proxy) -> str | None:
    """The unit kind a proxy values: its ``unit_kind``, else what its ``unit`` text names."""
    return proxy.unit_kind if proxy.unit_kind is not None else units.kind_of(proxy.unit)


def _units(model: ImpactModel, proxies: Mapping[str, Proxy]) -> Iterator[Problem]:
    """An outcome's quantity must count what its proxy values, or the outcome states the conversion."""
    known = ", ".join(units.KINDS)
    for i, proxy in enumerate(model.proxies):
        if proxy.unit_kind is not None and proxy.unit_kind not in units.KINDS:
            yield problem(("proxies", i, "unit_kind"), "check.unknown_unit_kind", kind=proxy.unit_kind, known=known)
    for i, outcome in enumerate(model.outcomes):
        conversion = outcome.conversion
        if conversion is not None and conversion.to not in units.KINDS:
            yield problem(("outcomes", i, "conversion", "to"), "check.unknown_unit_kind", kind=conversion.to,
                          known=known)
            continue
        if outcome.proxy is None or outcome.proxy not in proxies:
            if conversion is not None:
                yield problem(("outcomes", i, "conversion"), "check.conversion_without_proxy")
            continue
        proxy = proxies[outcome.proxy]
        kind = proxy_kind(proxy)
        if kind is None or kind not in units.KINDS:
            continue
        if conversion is not None:
            if not units.fits(conversion.to, kind):
                yield problem(("outcomes", i, "conversion", "to"), "check.conversion_kind", "warning",
                              to=conversion.to, proxy=outcome.proxy, proxy_kind=kind)
            continue
        quantity_kind = ("wellby-point-year" if _is_wellby(outcome) else units.kind_of(outcome.unit, default="person"))
        if quantity_kind is not None and not units.fits(quantity_kind, kind):
            yield problem(("outcomes", i, "unit") if outcome.unit else ("outcomes", i, "proxy"),
                          "check.unit_mismatch", "warning", quantity_unit=outcome.unit or "person",
                          quantity_kind=quantity_kind, proxy=outcome.proxy, proxy_unit=proxy.unit or kind,
                          proxy_kind=kind)


def _is_wellby(outcome: Outcome) -> bool:
    return isinstance(outcome.quantity, EvidenceQuantity) and outcome.quantity.measure == "wellby"


def _wellby_comparison(outcome: Outcome) -> bool:
    """A WELLBY quantity whose deadweight is its comparison group's change (difference in differences)."""
    return _is_wellby(outcome) and outcome.quantity.comparison is not None  # type: ignore[union-attr]


def _wellby(model: ImpactModel) -> Iterator[Problem]:
    """A WELLBY quantity is measured on a 0-10 life evaluation; its comparison group is its deadweight."""
    known = ", ".join(f"instrument: {k}" + (f" (score: {v})" if v else "") for k, v in WELLBY_SCORES.items())
    for i, outcome in enumerate(model.outcomes):
        quantity = outcome.quantity
        if not _is_wellby(outcome):
            continue
        assert isinstance(quantity, EvidenceQuantity)
        expected = WELLBY_SCORES.get(quantity.instrument, "")
        if expected == "" or (quantity.score is not None and quantity.score != expected):
            given = quantity.instrument + (f" (score: {quantity.score})" if quantity.score else "")
            yield problem(("outcomes", i, "quantity", "instrument"), "check.wellby_instrument", given=given,
                          known=known)
        if _wellby_comparison(outcome) and (isinstance(outcome.deadweight, Range) or outcome.deadweight != 0):
            yield problem(("outcomes", i, "deadweight"), "check.wellby_deadweight_twice")


def _double_counting(model: ImpactModel) -> Iterator[Problem]:
    """The same proxy for the same stakeholder on two outcomes; an outcome valued at the cost of an input."""
    first: dict[tuple[str, str], str] = {}
    input_proxies = {item.proxy: item.id for item in model.inputs if item.proxy is not None}
    amounts = [(item.id, float(item.amount)) for item in model.inputs
               if isinstance(item.amount, int | float) and item.amount > 0]
    for i, outcome in enumerate(model.outcomes):
        if outcome.proxy is not None:
            key = (outcome.stakeholder, outcome.proxy)
            if key in first:
                yield problem(("outcomes", i, "proxy"), "check.double_proxy", "warning", proxy=outcome.proxy,
                              other=first[key], stakeholder=outcome.stakeholder)
            first.setdefault(key, outcome.id)
            if outcome.proxy in input_proxies:
                yield problem(("outcomes", i, "proxy"), "check.outcome_is_input_proxy", "warning",
                              proxy=outcome.proxy, input=input_proxies[outcome.proxy])
        elif isinstance(outcome.value, int | float) and isinstance(outcome.quantity, int | float):
            worth = float(outcome.value) * float(outcome.quantity)
            same = next((item for item, amount in amounts if math.isclose(worth, amount, rel_tol=1e-9)), None)
            if same is not None:
                yield problem(("outcomes", i, "value"), "check.outcome_is_input_amount", "warning", input=same,
                              amount=worth)


def validate_model(model: ImpactModel, proxies: Mapping[str, Proxy],
                   indices: Mapping[str, Mapping[int, float]]) -> list[Problem]:
    """Every problem of a parsed model, errors and warnings, in document order of the checks."""
    model_proxy_ids = {p.id for p in model.proxies}
    return [
        *_duplicates(model),
        *_references(model, proxies),
        *_domains(model),
        *_indexation(model, proxies, indices, model_proxy_ids),
        *_over_claiming(model),
        *_units(model, proxies),
        *_wellby(model),
        *_double_counting(model),
    ]

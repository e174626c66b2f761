"""Checks across a parsed model: references, duplicates, domains, price indices, over-claiming."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping

from impactlab.model.problems import Loc, Problem
from impactlab.model.schema import EvidenceQuantity, ImpactModel, Number, Proxy, Range

FRACTIONS = ("deadweight", "attribution", "displacement", "drop_off")


def _points(value: Number) -> Iterator[tuple[str | None, float]]:
    """The numbers of a plain number or a range, with the range key they sit under."""
    if isinstance(value, Range):
        yield from (("base", value.base), ("low", value.low), ("high", value.high))
    else:
        yield None, float(value)


def _check_domain(loc: Loc, value: Number, ok: Callable[[float], bool], rule: str) -> Iterator[Problem]:
    for key, number in _points(value):
        if not math.isfinite(number) or not ok(number):
            where = (*loc, key) if key else loc
            yield Problem(where, f"must be {rule}, got {number:g}")


def _duplicates(model: ImpactModel) -> Iterator[Problem]:
    for section in ("stakeholders", "proxies", "inputs", "activities", "outputs", "outcomes"):
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(model, section)):
            if item.id in seen:
                yield Problem((section, i, "id"), f"duplicate id '{item.id}' (also {section}[{seen[item.id]}])")
            seen.setdefault(item.id, i)


def _reference(loc: Loc, ref: str | None, known: Mapping[str, object] | set[str], what: str) -> Iterator[Problem]:
    import difflib

    if ref is not None and ref not in known:
        close = difflib.get_close_matches(ref, list(known), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        yield Problem(loc, f"unknown {what} '{ref}'{hint}")


def _references(model: ImpactModel, proxies: Mapping[str, Proxy]) -> Iterator[Problem]:
    stakeholders = {s.id for s in model.stakeholders}
    inputs = {i.id for i in model.inputs}
    activities = {a.id for a in model.activities}
    outputs = {o.id for o in model.outputs}
    for i, item in enumerate(model.inputs):
        yield from _reference(("inputs", i, "stakeholder"), item.stakeholder, stakeholders, "stakeholder")
        yield from _reference(("inputs", i, "proxy"), item.proxy, proxies, "proxy")
    for i, activity in enumerate(model.activities):
        for j, ref in enumerate(activity.inputs):
            yield from _reference(("activities", i, "inputs", j), ref, inputs, "input")
    for i, output in enumerate(model.outputs):
        yield from _reference(("outputs", i, "activity"), output.activity, activities, "activity")
    for i, outcome in enumerate(model.outcomes):
        yield from _reference(("outcomes", i, "stakeholder"), outcome.stakeholder, stakeholders, "stakeholder")
        yield from _reference(("outcomes", i, "proxy"), outcome.proxy, proxies, "proxy")
        yield from _reference(("outcomes", i, "transfer_from"), outcome.transfer_from, stakeholders, "stakeholder")
        for j, ref in enumerate(outcome.outputs):
            yield from _reference(("outcomes", i, "outputs", j), ref, outputs, "output")
        if outcome.transfer_from is not None and outcome.transfer_from == outcome.stakeholder:
            yield Problem(("outcomes", i, "transfer_from"),
                          "a transfer comes from another stakeholder than the one receiving it")
        if isinstance(outcome.quantity, EvidenceQuantity):
            yield from _reference(("outcomes", i, "quantity", "scale_to"), outcome.quantity.scale_to,
                                  stakeholders, "stakeholder")


def _domains(model: ImpactModel) -> Iterator[Problem]:
    yield from _check_domain(("valuation", "discount_rate"), model.valuation.discount_rate,
                             lambda x: 0 <= x < 1, "between 0 and 1 (a yearly rate such as 0.035)")
    for i, proxy in enumerate(model.proxies):
        yield from _check_domain(("proxies", i, "value"), proxy.value, lambda x: x >= 0, "zero or more")
    for i, item in enumerate(model.inputs):
        for key in ("amount", "quantity"):
            value = getattr(item, key)
            if value is not None:
                yield from _check_domain(("inputs", i, key), value, lambda x: x >= 0, "zero or more")
    for i, outcome in enumerate(model.outcomes):
        if not isinstance(outcome.quantity, EvidenceQuantity):
            yield from _check_domain(("outcomes", i, "quantity"), outcome.quantity, lambda x: x >= 0, "zero or more")
        if outcome.value is not None:
            yield from _check_domain(("outcomes", i, "value"), outcome.value, lambda x: x >= 0, "zero or more")
        for key in FRACTIONS:
            yield from _check_domain(("outcomes", i, key), getattr(outcome, key), lambda x: 0 <= x <= 1,
                                     "between 0 and 1")
        yield from _check_domain(("outcomes", i, "duration"), outcome.duration,
                                 lambda x: x >= 1 and float(x).is_integer(), "a whole number of years, at least 1")


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
            yield Problem((*loc, "currency"), f"proxy '{proxy_id}' is in {proxy.currency}, the programme in "
                          f"{currency}: convert it (purchasing-power parity, then indexation) first")
        if proxy.price_year == target:
            continue
        name = model.valuation.index
        if name is None:
            yield Problem((*loc, "price_year") if proxy_id in model_proxy_ids else loc,
                          f"proxy '{proxy_id}' is priced in {proxy.price_year}, the programme in {target}, "
                          "and valuation.index is off: set an index (e.g. cpi) or price the proxy in "
                          f"{target}", "warning")
            continue
        series = indices.get(name)
        if series is None:
            yield Problem(("valuation", "index"), f"unknown price index '{name}' (known: {', '.join(sorted(indices))})")
            return
        for year in (proxy.price_year, target):
            if year not in series:
                covered = f"{min(series)}–{max(series)}" if series else "no years"
                yield Problem((*loc, "price_year") if proxy_id in model_proxy_ids else loc,
                              f"index '{name}' has no value for {year} (it covers {covered}); add "
                              f"indices.{name}.{year} to the model")


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
               ("deadweight", "attribution")):
            yield Problem(("outcomes", i), "deadweight and attribution are both 0: is none of this outcome owed "
                          "to what would have happened anyway, or to others? (SROI: do not over-claim)", "warning")
        size = sizes.get(outcome.stakeholder)
        quantity = outcome.quantity
        top = quantity.high if isinstance(quantity, Range) else quantity
        counts_people = outcome.unit in (None, "person", "people", "persons", "client", "clients")
        if counts_people and size is not None and isinstance(top, int | float) and top > size:
            yield Problem(("outcomes", i, "quantity"), f"more than the stakeholder's size ({size:g})", "warning")
    for i, outcome in enumerate(model.outcomes):
        library_entry = library.get(outcome.proxy or "")
        if library_entry is not None and library_entry.transfer and outcome.transfer_from is None:
            yield Problem(("outcomes", i, "proxy"), f"proxy '{outcome.proxy}' is a transfer (money moving between "
                          "stakeholders): set transfer_from to the stakeholder who pays it", "warning")
    if not model.inputs:
        yield Problem(("inputs",), "no inputs: an SROI ratio needs an investment", "warning")


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
    ]

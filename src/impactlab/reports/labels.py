"""Readable names for the model's parameters (``outcomes.less_lonely.deadweight`` -> 'Deadweight: ...')."""

from __future__ import annotations

from impactlab.model.document import available_proxies
from impactlab.model.schema import ImpactModel
from impactlab.reports.texts import Texts

FIELDS = {"quantity": "quantity", "value": "unit_value", "unit_value": "unit_value", "deadweight": "deadweight",
          "displacement": "displacement", "attribution": "attribution", "drop_off": "drop_off", "duration": "duration",
          "amount": "value"}


def parameter_labels(model: ImpactModel, texts: Texts, names: list[str]) -> dict[str, str]:
    """A label for every parameter name of the compiled model."""
    outcomes = {o.id: o.description for o in model.outcomes}
    inputs = {i.id: i.description or i.id for i in model.inputs}
    proxies = available_proxies(model)
    labels = {}
    for name in names:
        kind, _, rest = name.partition(".")
        item, _, field = rest.rpartition(".")
        if kind == "valuation":
            label = texts("discount_rate")
        elif kind == "proxies":
            label = f"{texts('proxy')}: {proxies[item].name if item in proxies else item}"
        elif kind == "outcomes":
            label = f"{texts(FIELDS.get(field, field))}: {outcomes.get(item, item)}"
        elif kind == "inputs":
            label = f"{texts('inputs')} ({texts(FIELDS.get(field, field)).lower()}): {inputs.get(item, item)}"
        else:
            label = name
        labels[name] = label
    return labels

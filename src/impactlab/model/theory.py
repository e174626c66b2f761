"""The theory of change per stakeholder: each stakeholder's own inputs, activities, outputs and outcomes.

One lane per stakeholder, four columns (inputs → activities → outputs → outcomes), as HTML that reflows: side
by side on a desktop, one under the other on a phone. A stakeholder's own parts are its inputs
(``inputs[].stakeholder``), its outcomes (``outcomes[].stakeholder``) and the activities and outputs that name
it (``stakeholders``). What links to them is shown too, marked as linked: the activities using its inputs, the
outputs leading to its outcomes and the activities producing its outputs. Activities and outputs that belong
to no stakeholder and link to none make up the lane of the programme as a whole.

One function for every picture of it: the web app's theory-of-change page (``impactlab_web.programmes.toc``) and the
report's figures (``impactlab.reports.theory``) both draw ``lanes(model)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from impactlab.model.schema import ImpactModel

COLUMNS = ("inputs", "activities", "outputs", "outcomes")


@dataclass
class Item:
    """One box: its label, what it comes from (the labels of the items of the previous column that lead to
    it, and their ids: `sources`) and, when it is another stakeholder's (linked to this one's), whose it is."""

    id: str
    label: str
    comes_from: list[str] = field(default_factory=list)
    of: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def own(self) -> bool:
        return not self.of


@dataclass
class Lane:
    """One stakeholder's theory of change (`stakeholder` None: the programme as a whole)."""

    stakeholder: str | None
    name: str
    category: str | None
    columns: dict[str, list[Item]]

    @property
    def empty(self) -> bool:
        return not any(self.columns.values())


def _ordered(ids: set[str], order: list[str]) -> list[str]:
    return [i for i in order if i in ids]


def lanes(model: ImpactModel) -> list[Lane]:
    """One lane per stakeholder (in the model's order), then the programme as a whole when something belongs
    to no stakeholder."""
    inputs = {i.id: i for i in model.inputs}
    activities = {a.id: a for a in model.activities}
    outputs = {o.id: o for o in model.outputs}
    labels = {**{i: x.description or i for i, x in inputs.items()}, **{a: x.name for a, x in activities.items()},
              **{o: x.description for o, x in outputs.items()}}

    names = {s.id: s.name for s in model.stakeholders}
    owners = {**{a: x.stakeholders for a, x in activities.items()}, **{o: x.stakeholders for o, x in outputs.items()}}

    def items(ids: list[str], stakeholder: str | None, sources) -> list[Item]:
        """An activity or output is this stakeholder's own when it names it or names no stakeholder."""
        return [Item(i, labels[i], [labels[s] for s in sources(i) if s in labels],
                     [] if stakeholder in owners[i] or not owners[i] else [names.get(s, s) for s in owners[i]],
                     [s for s in sources(i) if s in labels])
                for i in ids]

    def uses(activity: str) -> list[str]:
        return [i for i in activities[activity].inputs if i in inputs]

    def made_by(output: str) -> list[str]:
        return [outputs[output].activity] if outputs[output].activity in activities else []

    result: list[Lane] = []
    placed: set[str] = set()
    for stakeholder in model.stakeholders:
        own_inputs = [i for i, x in inputs.items() if x.stakeholder == stakeholder.id]
        own_outcomes = [o for o in model.outcomes if o.stakeholder == stakeholder.id]
        own_activities = {a for a, x in activities.items() if stakeholder.id in x.stakeholders}
        own_outputs = {o for o, x in outputs.items() if stakeholder.id in x.stakeholders}
        out_ids = own_outputs | {o for outcome in own_outcomes for o in outcome.outputs if o in outputs}
        out_ids |= {o for o, x in outputs.items() if x.activity in own_activities and not x.stakeholders}
        act_ids = own_activities | {a for o in out_ids for a in made_by(o)}
        act_ids |= {a for a, x in activities.items() if set(x.inputs) & set(own_inputs)}
        placed |= out_ids | act_ids
        columns = {
            "inputs": [Item(i, labels[i]) for i in own_inputs],
            "activities": items(_ordered(act_ids, list(activities)), stakeholder.id, uses),
            "outputs": items(_ordered(out_ids, list(outputs)), stakeholder.id, made_by),
            "outcomes": [Item(f"outcome:{o.id}", o.description, [labels[s] for s in o.outputs if s in outputs],
                              sources=[s for s in o.outputs if s in outputs]) for o in own_outcomes],
        }
        result.append(Lane(stakeholder.id, stakeholder.name, stakeholder.category, columns))
    rest_activities = [a for a in activities if a not in placed]
    rest_outputs = [o for o in outputs if o not in placed]
    if rest_activities or rest_outputs:
        result.append(Lane(None, "", None, {
            "inputs": [], "activities": items(rest_activities, None, uses),
            "outputs": items(rest_outputs, None, made_by), "outcomes": []}))
    return result

"""The structured model editor: forms for the parts of an impact model, on the same document as the YAML.

A structured save takes the plain document of the version the user started from (as its YAML holds it),
changes one part, and writes the change into that YAML in place with the core's `apply_document` (comments,
order and number formatting of the rest kept: one field is a one-line diff); the core's `check_text` then
decides, and its problems are shown next to the form field they point at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from impactlab.model import CheckReport, ImpactModel
from impactlab.model.edit import apply_document, plain_document
from impactlab.model.units import KINDS
from impactlab_web.programmes import modelling

DISTS = [("triangular", _("triangular")), ("uniform", _("uniform")), ("normal", _("normal"))]
RANGE_PARTS = ("low", "high", "dist", "sd")


def _plain(x: float) -> float | int:
    return int(x) if isinstance(x, float) and x.is_integer() else x


def show(value: Any) -> str | None:
    """A number or range as short text for the part lists: ``0.25 (0.15–0.4)``."""
    if isinstance(value, dict) and "base" in value:
        return f"{_plain(value['base']):g} ({_plain(value['low']):g}–{_plain(value['high']):g})"
    if isinstance(value, dict) and "factor" in value:  # a conversion: ``× 0.3 wellby-point-year``
        return f"× {show(value['factor'])} {value.get('to') or ''}".strip()
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{_plain(value):g}" if abs(value) < 1e15 else str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    return None if value is None else str(value)


class PartForm(forms.Form):
    """A form for one part. `ranges` name the numbers that may be a range {base, low, high, dist}; `choices`
    name the fields that refer to other parts (field -> section), offered as the model's ids of that section
    (`references`: section -> [(id, label)]). An id the model holds but that does not exist stays offered,
    so that the core's check names it (never a silent drop). `groups` name the small mappings edited as one
    fieldset (key -> its keys, each a field ``KEY__PART``: an outcome's ``conversion: {factor, to, source}``);
    all parts empty: the key is left out.
    Unit kinds are offered as the core's ``units.KINDS`` (a saved version never holds another: the check refuses it)."""

    ranges: tuple[str, ...] = ()
    groups: dict[str, tuple[str, ...]] = {}
    group_labels: dict[str, Any] = {}
    group_help: dict[str, Any] = {}
    whole: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    choices: dict[str, str] = {}

    def __init__(self, *args, references: dict[str, list[tuple[str, str]]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.references = references or {}
        for name, section in self.choices.items():
            known = list(self.references.get(section, []))
            held = self.initial.get(name)
            for value in held if isinstance(held, list) else [held] if held else []:
                if value not in {k for k, _label in known}:
                    known.append((value, value))
            field = self.fields[name]
            field.choices = known if isinstance(field, forms.MultipleChoiceField) else [("", "—"), *known]
        for name in self.ranges:
            base = self.fields[name]
            base.widget.attrs.setdefault("step", "any")
            self.fields[f"{name}__low"] = forms.FloatField(label=_("Low"), required=False,
                                                           widget=forms.NumberInput(attrs={"step": "any"}))
            self.fields[f"{name}__high"] = forms.FloatField(label=_("High"), required=False,
                                                            widget=forms.NumberInput(attrs={"step": "any"}))
            self.fields[f"{name}__dist"] = forms.ChoiceField(label=_("Distribution"), choices=DISTS, required=False)
            self.fields[f"{name}__sd"] = forms.FloatField(label=_("SD (normal)"), required=False,
                                                          widget=forms.NumberInput(attrs={"step": "any"}))

    def layout(self) -> list[dict[str, Any]]:
        """The fields in order; a range field comes with its low, high, distribution and sd; a group (see
        `groups`) is one row with its parts, where its first part stands."""
        rows: list[dict[str, Any]] = []
        for name in self.fields:
            key, _sep, part = name.partition("__")
            if key in self.groups and part == self.groups[key][0]:
                rows.append({"group": key, "legend": self.group_labels.get(key, key),
                             "help": self.group_help.get(key, ""),
                             "parts": [self[f"{key}__{p}"] for p in self.groups[key]]})
            elif not part:
                rows.append({"field": self[name], "parts": [self[f"{name}__{p}"] for p in RANGE_PARTS]
                             if name in self.ranges else [], "picker": name == "proxy",
                             "checkboxes": isinstance(self.fields[name].widget, forms.CheckboxSelectMultiple)})
        return rows

    # --- document <-> form -------------------------------------------------------------------------------

    @classmethod
    def initial_from(cls, item: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for key, value in item.items():
            if key in cls.ranges and isinstance(value, dict) and "base" in value:
                initial[key] = _plain(value["base"])
                for part in RANGE_PARTS:
                    if part in value:
                        initial[f"{key}__{part}"] = _plain(value[part])
            elif key in cls.choices:
                initial[key] = list(value) if isinstance(value, list) else value
            elif key in cls.groups and isinstance(value, dict):
                for part in cls.groups[key]:
                    if value.get(part) is not None and not isinstance(value[part], dict | list):
                        initial[f"{key}__{part}"] = _plain(value[part])
            elif key == "sources" and isinstance(value, dict):
                initial[key] = "\n".join(f"{k}: {v}" for k, v in value.items())
            elif key in cls.lists and isinstance(value, list):
                initial[key] = "\n".join(str(v) for v in value)
            elif not isinstance(value, dict | list):
                initial[key] = _plain(value)
        return initial

    def number(self, name: str) -> Any:
        """The cleaned number or range for `name`, or None when blank."""
        data = self.cleaned_data
        base = data.get(name)
        low, high = data.get(f"{name}__low"), data.get(f"{name}__high")
        if base is None:
            return None
        if low is None and high is None:
            return _plain(base) if name not in self.whole else int(base)
        result: dict[str, Any] = {"base": _plain(base), "low": _plain(low if low is not None else base),
                                  "high": _plain(high if high is not None else base)}
        if data.get(f"{name}__dist") and data[f"{name}__dist"] != "triangular":
            result["dist"] = data[f"{name}__dist"]
        if data.get(f"{name}__sd") is not None:
            result["sd"] = _plain(data[f"{name}__sd"])
        return result

    def to_item(self, old: dict[str, Any]) -> dict[str, Any]:
        """The part as a document mapping: the old part's other keys kept, the form's keys replaced."""
        item = dict(old)
        for key, parts in self.groups.items():
            group = {k: v for k, v in (old.get(key) or {}).items() if k not in parts} if isinstance(
                old.get(key), dict) else {}
            for part in parts:
                value = self.cleaned_data.get(f"{key}__{part}")
                if value not in (None, ""):
                    group[part] = _plain(value) if isinstance(value, float) else value
            if any(part in group for part in parts):
                item[key] = group
            else:
                item.pop(key, None)
        for name in self.base_fields:
            if "__" in name:
                continue
            if name in self.ranges:
                value = self.number(name)
            elif name == "sources":
                value = parse_sources(self.cleaned_data.get(name) or "")
            elif name in self.lists:
                value = [line.strip() for line in (self.cleaned_data.get(name) or "").splitlines() if line.strip()]
            else:
                value = self.cleaned_data.get(name)
                if isinstance(value, float):
                    value = _plain(value)
            if value in (None, "", {}, []):
                item.pop(name, None)
            else:
                item[name] = value
        return item


def parse_sources(text: str) -> dict[str, str]:
    sources = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            sources[key.strip()] = value.strip()
    return sources


def _text(label, required=False, **attrs) -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=forms.TextInput(attrs=attrs) if attrs else None)


def _num(label, required=False) -> forms.FloatField:
    return forms.FloatField(label=label, required=required, widget=forms.NumberInput(attrs={"step": "any"}))


def _area(label, rows=3) -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": rows}))


def _ids(label, help_text="") -> forms.MultipleChoiceField:
    """Ids of other parts, as checkboxes (the choices come from the model, see PartForm.choices)."""
    return forms.MultipleChoiceField(label=label, required=False, widget=forms.CheckboxSelectMultiple,
                                     help_text=help_text)


class StakeholderForm(PartForm):
    id = _text(_("Id"), True, autocomplete="off")
    name = _text(_("Name"), True)
    size = _num(_("Size (people)"))
    category = _text(_("Category"), list="categories")
    involvement = _text(_("Involvement"))
    description = _area(_("Description"))


class InputForm(PartForm):
    ranges = ("amount", "quantity")
    id = _text(_("Id"), True, autocomplete="off")
    stakeholder = _text(_("Stakeholder"), True, list="stakeholder-ids", autocomplete="off")
    description = _text(_("Description"))
    amount = _num(_("Amount (money)"))
    quantity = _num(_("Quantity (e.g. hours)"))
    proxy = _text(_("Proxy (value per unit of quantity)"), list="proxy-ids", autocomplete="off")
    year = forms.IntegerField(label=_("Year (0 = now)"), required=False)
    support = forms.ChoiceField(label=_("Support"), required=False,
                                choices=[("", "—"), ("formal", _("formal")), ("informal", _("informal"))])
    source = _text(_("Source"))


class ActivityForm(PartForm):
    choices = {"stakeholders": "stakeholders", "inputs": "inputs"}
    id = _text(_("Id"), True, autocomplete="off")
    name = _text(_("Name"), True)
    stakeholders = _ids(_("For or with stakeholders"), _("Whose activity this is; none: the programme as a whole."))
    inputs = _ids(_("Uses inputs"))
    description = _area(_("Description"))


class OutputForm(PartForm):
    choices = {"activity": "activities", "stakeholders": "stakeholders"}
    id = _text(_("Id"), True, autocomplete="off")
    activity = forms.ChoiceField(label=_("Produced by activity"), choices=())
    stakeholders = _ids(_("For stakeholders"), _("Whose output this is; none: the programme as a whole."))
    description = _text(_("Description"), True)
    quantity = _num(_("Quantity (how many)"))
    unit = _text(_("Unit (e.g. meeting)"))
    source = _text(_("Source"))


class OutcomeForm(PartForm):
    ranges = ("quantity", "value", "deadweight", "attribution", "displacement", "drop_off", "duration")
    choices = {"outputs": "outputs"}
    groups = {"conversion": ("factor", "to", "source")}
    group_labels = {"conversion": _("Conversion (when the quantity counts another unit than the proxy values)")}
    group_help = {"conversion": _("E.g. 0.3 WELLBY (wellby-point-year) per person: factor 0.3. Leave empty when "
                                  "the quantity counts what the proxy values.")}
    id = _text(_("Id"), True, autocomplete="off")
    stakeholder = _text(_("Stakeholder"), True, list="stakeholder-ids", autocomplete="off")
    description = _text(_("Description"), True)
    indicator = _text(_("Indicator"))
    quantity = _num(_("Quantity"), True)
    unit = _text(_("Unit"))
    proxy = _text(_("Proxy"), list="proxy-ids", autocomplete="off")
    conversion__factor = _num(_("Proxy units per unit of quantity"))
    conversion__to = forms.ChoiceField(label=_("Proxy's unit kind"), required=False,
                                       choices=[("", "—"), *((k, k) for k in KINDS)])
    conversion__source = _text(_("Source of the factor"))
    value = _num(_("Value per unit (instead of a proxy)"))
    deadweight = _num(_("Deadweight"))
    attribution = _num(_("Attribution"))
    displacement = _num(_("Displacement"))
    drop_off = _num(_("Drop-off"))
    duration = _num(_("Duration (years)"))
    start_year = forms.IntegerField(label=_("Start year"), required=False)
    transfer_from = _text(_("Transfer from (paying stakeholder)"), list="stakeholder-ids", autocomplete="off")
    outputs = _ids(_("Comes from outputs"))
    sources = _area(_("Sources (one per line, key: text)"), rows=3)


class ProxyForm(PartForm):
    ranges = ("value",)
    id = _text(_("Id"), True, autocomplete="off")
    name = _text(_("Name"), True)
    value = _num(_("Value per unit"), True)
    unit = _text(_("Unit"))
    unit_kind = forms.ChoiceField(label=_("Unit kind"), required=False,
                                  choices=[("", _("— (read from the unit)")), *((k, k) for k in KINDS)],
                                  help_text=_("What one unit is, for the check that an outcome's quantity counts "
                                              "what its proxy values."))
    price_year = forms.IntegerField(label=_("Price year"))
    source = _text(_("Source"), True)
    currency = _text(_("Currency"))
    notes = _area(_("Notes"))


class SettingsForm(PartForm):
    ranges = ("discount_rate",)
    name = _text(_("Programme name"), True)
    price_year = forms.IntegerField(label=_("Price year"))
    discount_rate = _num(_("Discount rate"))
    discount_first_year = forms.BooleanField(label=_("Discount the first year"), required=False)
    index = _text(_("Price index (empty: no indexation)"), list="index-ids")

    PROGRAMME = ("name", "price_year")

    @classmethod
    def initial_from_document(cls, document: dict[str, Any]) -> dict[str, Any]:
        valuation = {"discount_first_year": True, "index": "cpi", **document.get("valuation", {})}
        return cls.initial_from({**document.get("programme", {}), **valuation})

    def apply(self, document: dict[str, Any]) -> dict[str, Any]:
        """The document with the form's settings; a default the file does not spell out stays unwritten."""
        programme = dict(document.get("programme", {}))
        valuation = dict(document.get("valuation", {}))
        programme["name"] = self.cleaned_data["name"]
        programme["price_year"] = self.cleaned_data["price_year"]
        rate = self.number("discount_rate")
        if rate is None:
            valuation.pop("discount_rate", None)
        else:
            valuation["discount_rate"] = rate
        first = self.cleaned_data["discount_first_year"]
        if "discount_first_year" in valuation or first is not True:
            valuation["discount_first_year"] = first
        index = (self.cleaned_data.get("index") or "").strip() or None
        if "index" in valuation or index != "cpi":
            valuation["index"] = index
        document = {**document, "programme": programme}
        if valuation or "valuation" in document:
            document["valuation"] = valuation
        return document


@dataclass
class Section:
    key: str
    label: Any
    singular: Any
    form: type[PartForm]
    columns: tuple[str, ...] = field(default_factory=tuple)

    @property
    def headers(self) -> list[Any]:
        """The list's column headers: the form's labels of the columns (in the user's language)."""
        return [self.form.base_fields[c].label for c in self.columns]

    def cells(self, item: dict[str, Any]) -> list[tuple[Any, str | None]]:
        """One part's row in the list: (header, short text) per column."""
        return [(label, show(item.get(c))) for label, c in zip(self.headers, self.columns, strict=True)]


SECTIONS: dict[str, Section] = {
    "stakeholders": Section("stakeholders", _("Stakeholders"), _("stakeholder"), StakeholderForm,
                            ("id", "name", "size", "category")),
    "inputs": Section("inputs", _("Inputs"), _("input"), InputForm, ("id", "stakeholder", "amount", "quantity",
                                                                      "proxy", "support")),
    "activities": Section("activities", _("Activities"), _("activity"), ActivityForm,
                          ("id", "name", "stakeholders", "inputs")),
    "outputs": Section("outputs", _("Outputs"), _("output"), OutputForm,
                       ("id", "description", "activity", "stakeholders", "quantity", "unit")),
    "outcomes": Section("outcomes", _("Outcomes"), _("outcome"), OutcomeForm,
                        ("id", "description", "stakeholder", "quantity", "proxy", "deadweight")),
    "proxies": Section("proxies", _("Proxies"), _("proxy"), ProxyForm, ("id", "name", "value", "unit", "price_year")),
}


# --- building, checking and saving -----------------------------------------------------------------------

def latest_document(programme, user: Any) -> tuple[ImpactModel | None, dict[str, Any], str]:
    """The validated model of the version `user` sees (``evidence.version_for``: the latest, for those who may
    edit), its plain document (as the YAML holds it) and its text."""
    from impactlab_web.core.evidence import version_for

    latest = version_for(user, programme)
    if latest is None:
        return start_document(programme)
    return modelling.check(latest.text).model, plain_document(latest.text), latest.text


def start_document(programme) -> tuple[ImpactModel | None, dict[str, Any], str]:
    """A new programme's first document for the forms: its name and this year, nothing invented (no
    example figures); the first form saved writes it as version 1."""
    document = {"impactlab": 1, "programme": {"name": programme.name, "price_year": date.today().year},
                "stakeholders": []}
    text = apply_document("", document)
    return modelling.check(text).model, document, text


@dataclass
class Outcome:
    text: str
    report: CheckReport


def check_document(text: str, document: dict[str, Any]) -> Outcome:
    """`text` edited in place to hold `document` (comments and formatting of the rest kept), and its check."""
    changed = apply_document(text, document)
    return Outcome(changed, modelling.check(changed))


LINE = re.compile(r" \(line \d+\)$")


def attach_problems(form: forms.Form, report: CheckReport, where: list[tuple]) -> None:
    """Put each error of `report` next to the form field it points at; `where` are the location prefixes of
    the edited part (e.g. ``("outcomes", 2)``); other errors go to the form as a whole, with the core's path."""
    problems = [p for p in report.problems if p.severity == "error"]
    if len(problems) != len(report.errors):
        problems = [None] * len(report.errors)
    for problem, message in zip(problems, report.errors, strict=True):
        target = None
        for prefix in where if problem is not None else ():
            loc = tuple(problem.loc)
            if loc[:len(prefix)] != prefix or len(loc) <= len(prefix):
                continue
            inner = "__".join(str(x) for x in loc[len(prefix):len(prefix) + 2])  # a group's part: conversion__to
            if inner in form.fields or str(loc[len(prefix)]) in form.fields:
                target = inner if inner in form.fields else str(loc[len(prefix)])
                break
        if target is not None:
            form.add_error(target, problem.text(report.lang))
        else:
            form.add_error(None, LINE.sub("", message.removeprefix(f"{modelling.SOURCE}: ")))


# --- two people editing the same part ---------------------------------------------------------------------

def merge_part(base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A three-way merge of one part, field by field: a field only I changed takes mine, a field only they
    changed takes theirs; `conflicts` names the fields we both changed differently (mine is kept in the
    result, theirs is shown beside it)."""
    merged: dict[str, Any] = {}
    conflicts = []
    for key in dict.fromkeys([*theirs, *mine, *base]):
        old, my, their = base.get(key), mine.get(key), theirs.get(key)
        if my != old and their != old and my != their:
            conflicts.append(key)
        value = their if my == old else my
        if value is not None:
            merged[key] = value
    return merged, conflicts


def belongs(item: dict[str, Any], stakeholder: str) -> bool:
    """Whether a part is the stakeholder's own: its `stakeholder` (inputs, outcomes) or one of its
    `stakeholders` (activities, outputs)."""
    return item.get("stakeholder") == stakeholder or stakeholder in (item.get("stakeholders") or [])


def for_stakeholder(form: type[PartForm], stakeholder: str) -> dict[str, Any]:
    """The initial values of a new part of `stakeholder` (the per-stakeholder lists' Add button)."""
    if "stakeholders" in form.base_fields:
        return {"stakeholders": [stakeholder]}
    return {"stakeholder": stakeholder} if "stakeholder" in form.base_fields else {}


def references(document: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """The model's ids per section with a readable label (``Participating residents (residents)``)."""
    def options(section: str, key: str) -> list[tuple[str, str]]:
        items = [x for x in document.get(section) or [] if isinstance(x, dict) and x.get("id")]
        return [(str(x["id"]), f"{x[key]} ({x['id']})" if x.get(key) and x.get(key) != x["id"] else str(x["id"]))
                for x in items]
    return {"stakeholders": options("stakeholders", "name"), "inputs": options("inputs", "description"),
            "activities": options("activities", "name"), "outputs": options("outputs", "description")}

"""Units an outcome's quantity counts and a proxy values, as machine-checkable kinds.

A proxy values one unit of a kind (``unit_kind`` in the shipped library, or derived from a model proxy's
``unit`` text); an outcome's ``unit`` text (absent: people) names what its quantity counts. The two must
fit, or the outcome states the conversion (``conversion: {factor, to, source}``, see docs/model-format.md).

Fit: the kinds are equal, or the proxy values a year of a person (``person-year``) and the quantity counts
people (the outcome's ``duration`` counts the years), or the same for households.
"""

from __future__ import annotations

KINDS = ("person", "person-year", "household", "household-year", "hour", "day", "month", "visit", "event",
         "wellby-point-year")

# lower-case unit text (English and Dutch, singular and plural) -> kind
_ALIASES: dict[str, tuple[str, ...]] = {
    "person": ("person", "persons", "people", "client", "clients", "participant", "participants", "resident",
               "residents", "carer", "carers", "volunteer", "volunteers", "pupil", "pupils", "youth",
               "young person", "young people", "persoon", "personen", "cliënt", "cliënten", "client(en)",
               "deelnemer", "deelnemers", "bewoner", "bewoners", "mantelzorger", "mantelzorgers",
               "vrijwilliger", "vrijwilligers", "jongere", "jongeren", "leerling", "leerlingen", "mens", "mensen"),
    "person-year": ("person-year", "person-years", "person year", "person years", "year", "years",
                    "persoonsjaar", "persoonsjaren", "jaar", "jaren"),
    "household": ("household", "households", "family", "families", "huishouden", "huishoudens", "gezin",
                  "gezinnen"),
    "household-year": ("household-year", "household-years", "household year", "huishoudjaar", "huishoudjaren"),
    "hour": ("hour", "hours", "uur", "uren"),
    "day": ("day", "days", "dag", "dagen"),
    "month": ("month", "months", "maand", "maanden", "person-month", "person-months"),
    "visit": ("visit", "visits", "consultation", "consultations", "contact", "contacts", "bezoek", "bezoeken",
              "consult", "consulten"),
    "event": ("event", "events", "eviction", "evictions", "intervention", "interventions", "crisis",
              "crises", "huisuitzetting", "huisuitzettingen", "ontruiming", "ontruimingen", "interventie",
              "interventies", "gebeurtenis", "gebeurtenissen"),
    "wellby-point-year": ("wellby", "wellbys", "wellby-point-year", "life-satisfaction point-year",
                          "life-satisfaction point-years", "life satisfaction point-year",
                          "life-satisfaction point", "life-satisfaction points"),
}
ALIASES: dict[str, str] = {alias: kind for kind, aliases in _ALIASES.items() for alias in aliases}

# a proxy of kind KEY fits a quantity of any kind in VALUE
_FITS: dict[str, frozenset[str]] = {
    "person-year": frozenset({"person-year", "person"}),
    "household-year": frozenset({"household-year", "household"}),
}


def kind_of(unit: str | None, default: str | None = None) -> str | None:
    """The kind a unit text names (None when it is not known); ``default`` for an absent unit."""
    if unit is None or not unit.strip():
        return default
    text = " ".join(unit.strip().lower().split())
    return text if text in KINDS else ALIASES.get(text)


def fits(quantity_kind: str, proxy_kind: str) -> bool:
    """Whether a quantity of ``quantity_kind`` may be valued by a proxy of ``proxy_kind``."""
    return quantity_kind in _FITS.get(proxy_kind, frozenset({proxy_kind}))

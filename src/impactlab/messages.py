"""The core's message catalogue: every message of the model checks in English and Dutch.

A message is a code with parameters (``Problem.code``, ``Problem.params``); :func:`text` renders it in a
language. The core knows no Django: the web app passes the user's language (``get_language()``), the
command line its ``--lang`` option or :func:`default_language` (``IMPACTLAB_LANG``, then the locale).
Parameters whose name ends in ``_term`` are catalogue codes themselves (e.g. ``what_term``:
``term.stakeholder``) and are rendered in the same language before they are put in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

LANGUAGES = ("en", "nl")

OVER_CLAIM_EN = "(SROI principle: do not over-claim)"
OVER_CLAIM_NL = "(SROI-principe: claim niet te veel)"

# code -> (English, Dutch); str.format templates
CATALOGUE: dict[str, tuple[str, str]] = {
    # --- framing of a problem line
    "frame.warning": ("warning: ", "waarschuwing: "),
    "frame.line": (" (line {line})", " (regel {line})"),
    "file.empty": ("the file is empty", "het bestand is leeg"),
    "file.missing": ("no such file", "bestand bestaat niet"),
    "file.unreadable": ("cannot be read as UTF-8 text ({error})", "is niet te lezen als UTF-8-tekst ({error})"),
    # --- terms used inside messages
    "term.stakeholder": ("stakeholder", "belanghebbende"),
    "term.proxy": ("proxy", "proxy"),
    "term.input": ("input", "inzet"),
    "term.activity": ("activity", "activiteit"),
    "term.output": ("output", "prestatie"),
    "term.zero_or_more": ("zero or more", "nul of meer"),
    "term.fraction": ("between 0 and 1", "tussen 0 en 1"),
    "term.rate": ("between 0 and 1 (a yearly rate such as 0.035)",
                  "tussen 0 en 1 (een jaarlijks percentage zoals 0.035)"),
    "term.whole_years": ("a whole number of years, at least 1", "een geheel aantal jaren, minstens 1"),
    "term.at_least": ("at least", "minstens"),
    "term.more_than": ("more than", "meer dan"),
    "term.at_most": ("at most", "hoogstens"),
    "term.less_than": ("less than", "minder dan"),
    "term.a_mapping": ("a mapping", "een mapping"),
    "term.a_list": ("a list", "een lijst"),
    # --- structure (YAML keys and types)
    "structure.root": ("the file must hold a mapping of keys (impactlab: 1, programme: ...)",
                       "het bestand moet een mapping van sleutels bevatten (impactlab: 1, programme: ...)"),
    "structure.required": ("is required", "is verplicht"),
    "structure.unknown_key_hint": ("unknown key '{name}' (did you mean '{close}'?)",
                                   "onbekende sleutel '{name}' (bedoelt u '{close}'?)"),
    "structure.unknown_key": ("unknown key '{name}' (known keys: {known})",
                              "onbekende sleutel '{name}' (bekende sleutels: {known})"),
    "structure.number": ("must be a number, got {given}", "moet een getal zijn, niet {given}"),
    "structure.number_comma": ("must be a number, got {given} (write decimals with a point: 0.25)",
                               "moet een getal zijn, niet {given} (schrijf decimalen met een punt: 0.25)"),
    "structure.whole": ("must be a whole number, got {given}", "moet een geheel getal zijn, niet {given}"),
    "structure.text": ("must be text, got {given}", "moet tekst zijn, niet {given}"),
    "structure.bool": ("must be true or false, got {given}", "moet true of false zijn, niet {given}"),
    "structure.literal": ("must be {expected}, got {given}", "moet {expected} zijn, niet {given}"),
    "structure.bound": ("must be {words_term} {bound}, got {given}", "moet {words_term} {bound} zijn, niet {given}"),
    "structure.list": ("must be a list, got {given}", "moet een lijst zijn, niet {given}"),
    "structure.mapping": ("must be a mapping of keys, got {given}", "moet een mapping van sleutels zijn, niet {given}"),
    "structure.range_order": ("a range needs low <= base <= high, got low {low}, base {base}, high {high}",
                              "een bereik vraagt low <= base <= high, maar low is {low}, base {base}, "
                              "high {high}"),
    "structure.normal_sd": ("a normal range needs sd (its standard deviation)",
                            "een normaal bereik vraagt sd (de standaardafwijking)"),
    "structure.input_needs_value": ("an input needs either amount, or quantity together with proxy",
                                    "een inzet vraagt amount, of quantity samen met proxy"),
    "structure.input_not_both": ("an input has either amount, or quantity with proxy, not both",
                                 "een inzet heeft amount, of quantity met proxy, niet allebei"),
    "structure.outcome_one_valuation": ("an outcome needs exactly one of proxy (a proxy id) or value (per unit)",
                                        "een uitkomst vraagt precies een van proxy (een proxy-id) of value "
                                        "(per eenheid)"),
    "structure.index_positive": ("index {name} year {year}: must be positive, got {level}",
                                 "index {name} jaar {year}: moet positief zijn, niet {level}"),
    "structure.conversion_factor": ("a conversion factor must be more than 0, got {factor}",
                                    "een omrekenfactor moet groter dan 0 zijn, niet {factor}"),
    "structure.wellby_key": ("measure wellby values the mean change of every respondent: {key} is for measure "
                             "share (people who meet a rule)",
                             "measure wellby waardeert de gemiddelde verandering van alle respondenten: {key} hoort "
                             "bij measure share (mensen die aan een regel voldoen)"),
    "structure.comparison_group_column": ("comparison needs group_column: the column holding the group",
                                          "comparison vraagt group_column: de kolom met de groep"),
    # --- cross-checks
    "check.duplicate_id": ("duplicate id '{id}' (also {section}[{first}])",
                           "id '{id}' komt dubbel voor (ook {section}[{first}])"),
    "check.unknown_reference": ("unknown {what_term} '{ref}'", "onbekende {what_term} '{ref}'"),
    "check.unknown_reference_hint": ("unknown {what_term} '{ref}' (did you mean '{close}'?)",
                                     "onbekende {what_term} '{ref}' (bedoelt u '{close}'?)"),
    "check.transfer_to_self": ("a transfer comes from another stakeholder than the one receiving it",
                               "een overdracht komt van een andere belanghebbende dan die haar ontvangt"),
    "check.domain": ("must be {rule_term}, got {number:g}", "moet {rule_term} zijn, niet {number:g}"),
    "check.currency": ("proxy '{proxy}' is in {currency}, the programme in {programme_currency}: convert it "
                       "(purchasing-power parity, then indexation) first",
                       "proxy '{proxy}' is in {currency}, het programma in {programme_currency}: reken hem eerst "
                       "om (koopkrachtpariteit, dan indexering)"),
    "check.index_off": ("proxy '{proxy}' is priced in {year}, the programme in {target}, and valuation.index is "
                        "off: set an index (e.g. cpi) or price the proxy in {target}",
                        "proxy '{proxy}' heeft prijspeil {year}, het programma {target}, en valuation.index staat "
                        "uit: kies een index (bijv. cpi) of geef de proxy prijspeil {target}"),
    "check.unknown_index": ("unknown price index '{name}' (known: {known})",
                            "onbekende prijsindex '{name}' (bekend: {known})"),
    "check.index_year": ("index '{name}' has no value for {year} (it covers {covered}); add "
                         "indices.{name}.{year} to the model",
                         "index '{name}' heeft geen waarde voor {year} (hij loopt over {covered}); voeg "
                         "indices.{name}.{year} toe aan het model"),
    "check.wellby_instrument": ("measure wellby needs a 0-10 life-satisfaction score, got {given}: use {known}",
                                "measure wellby vraagt een score van levenstevredenheid op 0-10, niet {given}: "
                                "gebruik {known}"),
    "check.wellby_deadweight_twice": ("with a comparison group the deadweight is the comparison group's change "
                                      "(difference in differences): a deadweight here would count it twice",
                                      "met een vergelijkingsgroep is de deadweight de verandering in die groep "
                                      "(verschil in verschillen): een deadweight hier telt die dubbel"),
    "check.zero_deductions": ("deadweight and attribution are both 0: is none of this outcome owed to what would "
                              "have happened anyway, or to others? " + OVER_CLAIM_EN,
                              "deadweight en attributie zijn allebei 0: is niets van deze uitkomst te danken aan "
                              "wat toch al was gebeurd, of aan anderen? " + OVER_CLAIM_NL),
    "check.over_size": ("more than the stakeholder's size ({size:g}) " + OVER_CLAIM_EN,
                        "meer dan de omvang van de belanghebbende ({size:g}) " + OVER_CLAIM_NL),
    "check.transfer_proxy": ("proxy '{proxy}' is a transfer (money moving between stakeholders): set "
                             "transfer_from to the stakeholder who pays it " + OVER_CLAIM_EN,
                             "proxy '{proxy}' is een overdracht (geld dat van de ene belanghebbende naar de andere "
                             "gaat): zet transfer_from op de belanghebbende die betaalt " + OVER_CLAIM_NL),
    "check.no_inputs": ("no inputs: an SROI ratio needs an investment",
                        "geen inzet: een SROI-ratio vraagt een investering"),
    # --- units and double counting (SVI principle 5, do not over-claim)
    "check.unit_mismatch": ("the quantity counts {quantity_kind_name} (unit: {quantity_unit}), but proxy '{proxy}' "
                            "is a value per {proxy_unit} ({proxy_kind}): count the quantity in {proxy_kind_name}, or "
                            "state the conversion (conversion: {{factor: ..., to: {proxy_kind}, source: ...}}) "
                            + OVER_CLAIM_EN,
                            "de hoeveelheid telt {quantity_kind_name} (eenheid: {quantity_unit}), maar proxy "
                            "'{proxy}' is een waarde per {proxy_unit} ({proxy_kind}): tel de hoeveelheid in "
                            "{proxy_kind_name}, of geef de omrekening (conversion: {{factor: ..., to: {proxy_kind}, "
                            "source: ...}}) " + OVER_CLAIM_NL),
    "check.conversion_kind": ("the conversion goes to {to}, but proxy '{proxy}' is a value per {proxy_kind_name}: "
                              "convert to {proxy_kind} " + OVER_CLAIM_EN,
                              "de omrekening gaat naar {to}, maar proxy '{proxy}' is een waarde per "
                              "{proxy_kind_name}: reken om naar {proxy_kind} " + OVER_CLAIM_NL),
    "check.conversion_without_proxy": ("a conversion needs a proxy (it converts the quantity to the proxy's unit)",
                                       "een omrekening vraagt een proxy (zij rekent de hoeveelheid om naar de "
                                       "eenheid van de proxy)"),
    "check.unknown_unit_kind": ("unknown unit kind '{kind}' (known: {known})",
                                "onbekende soort eenheid '{kind}' (bekend: {known})"),
    "check.double_proxy": ("proxy '{proxy}' also values outcome '{other}' of stakeholder '{stakeholder}': the same "
                           "change may be counted twice " + OVER_CLAIM_EN,
                           "proxy '{proxy}' waardeert ook uitkomst '{other}' van belanghebbende '{stakeholder}': "
                           "dezelfde verandering telt mogelijk twee keer " + OVER_CLAIM_NL),
    "check.outcome_is_input_proxy": ("proxy '{proxy}' also values input '{input}': an outcome valued at the cost "
                                     "of an input counts the investment as its own benefit " + OVER_CLAIM_EN,
                                     "proxy '{proxy}' waardeert ook inzet '{input}': een uitkomst gewaardeerd tegen "
                                     "de kosten van een inzet telt de investering als haar eigen baat "
                                     + OVER_CLAIM_NL),
    "check.outcome_is_input_amount": ("this outcome is worth exactly the amount of input '{input}' ({amount:g}): an "
                                      "outcome valued at the cost of an input counts the investment as its own "
                                      "benefit " + OVER_CLAIM_EN,
                                      "deze uitkomst is precies evenveel waard als inzet '{input}' ({amount:g}): een "
                                      "uitkomst gewaardeerd tegen de kosten van een inzet telt de investering als "
                                      "haar eigen baat " + OVER_CLAIM_NL),
    # --- identifiers found by content in an imported column (impactlab.deidentify)
    "identifiers.email": ("e-mail addresses", "e-mailadressen"),
    "identifiers.phone": ("phone numbers", "telefoonnummers"),
    "identifiers.bsn": ("BSNs (citizen service numbers, eleven-test)", "BSN's (burgerservicenummers, elfproef)"),
    "identifiers.iban": ("bank account numbers (IBAN)", "bankrekeningnummers (IBAN)"),
    "identifiers.address": ("postcodes with a house number", "postcodes met huisnummer"),
    "identifiers.date_of_birth": ("dates of birth", "geboortedata"),
    "identifiers.count": ("{kind_term} in {rows} of {total} values", "{kind_term} in {rows} van de {total} waarden"),
    "identifiers.column": ("{file}: column '{column}' holds identifiers, going by its content: {found}. Map it as "
                           "a direct identifier (left out) or as free text (scrubbed), or take them out of the file.",
                           "{file}: kolom '{column}' bevat naar de inhoud identificerende gegevens: {found}. Wijs de "
                           "kolom aan als direct identificerend (weggelaten) of als vrije tekst (opgeschoond), of "
                           "haal ze uit het bestand."),
    "identifiers.nothing": ("{file}: nothing was imported.", "{file}: er is niets geïmporteerd."),
    "identifiers.scrubbed": ("column '{column}' (free text): {found}; replaced by tags such as [e-mail]",
                             "kolom '{column}' (vrije tekst): {found}; vervangen door labels zoals [e-mail]"),
}

# the names of unit kinds (see impactlab.model.units), for messages
UNIT_KIND_NAMES: dict[str, tuple[str, str]] = {
    "person": ("persons", "personen"),
    "person-year": ("person-years", "persoonsjaren"),
    "household": ("households", "huishoudens"),
    "household-year": ("household-years", "huishoudjaren"),
    "hour": ("hours", "uren"),
    "day": ("days", "dagen"),
    "month": ("person-months", "persoonsmaanden"),
    "visit": ("visits or consultations", "bezoeken of consulten"),
    "event": ("events (e.g. evictions)", "gebeurtenissen (bijv. huisuitzettingen)"),
    "wellby-point-year": ("WELLBYs (life-satisfaction point-years)", "WELLBY's (punt-jaren levenstevredenheid)"),
}


class Term(str):
    """A parameter value that is itself a catalogue code (e.g. ``Term("term.a_mapping")``), shown translated."""


def normalise(lang: str | None) -> str:
    """'nl', 'nl-nl', 'nl_NL.UTF-8' -> 'nl'; anything else -> 'en'."""
    code = (lang or "").strip().lower()[:2]
    return code if code in LANGUAGES else "en"


def default_language(environ: Mapping[str, str] | None = None) -> str:
    """IMPACTLAB_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG, LANGUAGE): 'nl' for a Dutch locale, else 'en'."""
    env = os.environ if environ is None else environ
    for name in ("IMPACTLAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(name)
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return normalise(value)
    return "en"


def text(code: str, lang: str | None = "en", **params: Any) -> str:
    """The message ``code`` in ``lang`` with its parameters filled in."""
    index = LANGUAGES.index(normalise(lang))
    values = {key: (text(value, lang) if key.endswith("_term") or isinstance(value, Term) else value)
              for key, value in params.items()}
    for key in [k for k in values if k.endswith("_kind")]:
        values[f"{key}_name"] = UNIT_KIND_NAMES.get(values[key], (values[key], values[key]))[index]
    return CATALOGUE[code][index].format(**values)

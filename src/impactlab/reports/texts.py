"""The fixed texts of a report in Dutch and English, and number formatting per language."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from impactlab.errors import UserError

Lang = Literal["nl", "en"]
LANGS: tuple[str, ...] = ("nl", "en")
SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}

# key: (Dutch, English)
TEXTS: dict[str, tuple[str, str]] = {
    "report": ("Maatschappelijke waarde", "Social value report"),
    "cycle": ("Cyclus", "Cycle"),
    "generated": ("Gemaakt op", "Generated on"),
    "contents": ("Inhoud", "Contents"),
    "page": ("Pagina", "Page"),
    # sections
    "summary": ("Samenvatting", "Summary"),
    "theory": ("Veranderingstheorie", "Theory of change"),
    "stakeholders": ("Belanghebbenden", "Stakeholders"),
    "methods": ("Methoden", "Methods"),
    "outcomes": ("Uitkomsten en onderbouwing", "Outcomes and evidence"),
    "value_map": ("Waardekaart", "Value map"),
    "who_pays": ("Wie betaalt en wie profiteert", "Who pays and who benefits"),
    "sensitivity": ("Gevoeligheid en onzekerheid", "Sensitivity and uncertainty"),
    "assumptions": ("Aannames en financiële proxy's", "Assumptions and financial proxies"),
    "limitations": ("Beperkingen", "Limitations"),
    # summary
    "headline": ("Elke geïnvesteerde {cur} levert naar schatting {ratio} aan maatschappelijke waarde op.",
                 "Every {cur} invested creates an estimated {ratio} of social value."),
    "headline_none": ("Zonder investering is er geen SROI-ratio.", "Without an investment there is no SROI ratio."),
    "interval": ("Met alle onzekere aannames tegelijk gevarieerd ({draws} trekkingen) ligt de ratio met 90% "
                 "waarschijnlijkheid tussen {p5} en {p95} (P5–P95); de kans dat de ratio boven 1 ligt is {prob}.",
                 "With all uncertain assumptions varied together ({draws} draws) the ratio lies between {p5} "
                 "and {p95} with 90% probability (P5–P95); the probability that it exceeds 1 is {prob}."),
    "figure": ("Kengetal", "Figure"),
    "value": ("Waarde", "Value"),
    "sroi_ratio": ("SROI-ratio", "SROI ratio"),
    "net_sroi": ("Netto SROI-ratio", "Net SROI ratio"),
    "investment": ("Investering (contante waarde)", "Investment (present value)"),
    "total_pv": ("Totale contante waarde", "Total present value"),
    "npv": ("Netto contante waarde", "Net present value"),
    "payback": ("Terugverdientijd (maanden)", "Payback (months)"),
    "mkba_benefits": ("MKBA-baten (zonder overdrachten)", "MKBA benefits (transfers excluded)"),
    "mkba_npv": ("MKBA netto contante waarde", "MKBA net present value"),
    "mkba_ratio": ("MKBA baten/kosten-verhouding", "MKBA benefit/cost ratio"),
    "mc_interval": ("Monte Carlo-interval van de ratio (P5–P95)", "Monte Carlo interval of the ratio (P5–P95)"),
    "prob_above_1": ("Kans dat de ratio boven 1 ligt", "Probability that the ratio exceeds 1"),
    "price_basis": ("Prijzen {year}, discontovoet {rate}, index {index}.",
                    "Prices of {year}, discount rate {rate}, index {index}."),
    # theory of change
    "inputs": ("Inzet", "Inputs"),
    "activities": ("Activiteiten", "Activities"),
    "outputs": ("Prestaties", "Outputs"),
    "outcomes_short": ("Uitkomsten", "Outcomes"),
    "theory_text": ("Van inzet via activiteiten en prestaties naar uitkomsten, per belanghebbende: zijn eigen inzet, "
                    "activiteiten, prestaties en uitkomsten. Gestippeld: onderdelen van een andere belanghebbende "
                    "die naar de zijne leiden.",
                    "From inputs through activities and outputs to outcomes, per stakeholder: its own inputs, "
                    "activities, outputs and outcomes. Dashed: another stakeholder's parts that lead to its own."),
    "theory_of": ("van", "of"),
    "theory_whole": ("Het programma als geheel", "The programme as a whole"),
    "theory_empty": ("{name}: nog niets beschreven.", "{name}: nothing described yet."),
    # stakeholders
    "stakeholder": ("Belanghebbende", "Stakeholder"),
    "category": ("Soort", "Category"),
    "size": ("Aantal", "Size"),
    "involvement": ("Betrokkenheid", "How involved"),
    "not_involved": ("niet vastgelegd", "not recorded"),
    # methods
    "methods_text": ("De waardering volgt de zeven principes van Social Value International (SROI) en de "
                     "Nederlandse MKBA-richtlijn: overdrachten tellen mee in de SROI-ratio maar niet in de "
                     "MKBA-baten.",
                     "The valuation follows the seven principles of Social Value International (SROI) and the "
                     "Dutch MKBA guideline: transfers count in the SROI ratio but not in the MKBA benefits."),
    "no_data": ("Er zijn geen respondentgegevens aan dit rapport gekoppeld; de hoeveelheden zijn aannames "
                "met hun bronnen (zie Aannames).",
                "No respondent data are attached to this report; quantities are assumptions with their sources "
                "(see Assumptions)."),
    "dataset": ("Dataset", "Dataset"),
    "snapshot": ("Momentopname (sha256)", "Snapshot (sha256)"),
    "instrument": ("Instrument", "Instrument"),
    "waves": ("Metingen", "Waves"),
    "n_pre": ("n voormeting", "n pre"),
    "n_post": ("n nameting", "n post"),
    "n_pairs": ("n gekoppeld", "n paired"),
    "response": ("Respons", "Response"),
    "attrition": ("Uitval", "Attrition"),
    "outcome": ("Uitkomst", "Outcome"),
    "suppressed": ("onderdrukt", "suppressed"),
    "disclosure_note": ("Cijfers over minder dan {min_cell} respondenten worden niet getoond "
                        "(onthullingscontrole).",
                        "Figures about fewer than {min_cell} respondents are not shown (disclosure control)."),
    # outcomes
    "indicator": ("Indicator", "Indicator"),
    "quantity": ("Hoeveelheid", "Quantity"),
    "unit_value": ("Waarde per eenheid", "Value per unit"),
    "proxy": ("Proxy", "Proxy"),
    "deadweight": ("Deadweight", "Deadweight"),
    "displacement": ("Verplaatsing", "Displacement"),
    "attribution": ("Attributie", "Attribution"),
    "drop_off": ("Afname per jaar", "Drop-off"),
    "duration": ("Duur (jaren)", "Duration (years)"),
    "impact_y1": ("Impact jaar 1", "Impact year 1"),
    "present_value": ("Contante waarde", "Present value"),
    "transfer_from": ("overdracht van {who}", "transfer from {who}"),
    "change_stats": ("Verandering: gemiddeld {pre} → {post} (verschil {diff}, 95%-BI {lo} tot {hi}; "
                     "Cohen's dz {dz}; n = {n}).",
                     "Change: mean {pre} → {post} (difference {diff}, 95% CI {lo} to {hi}; Cohen's dz {dz}; "
                     "n = {n})."),
    "reliable": ("Betrouwbaar verbeterd: {better}; betrouwbaar verslechterd: {worse}.",
                 "Reliably improved: {better}; reliably worse: {worse}."),
    "change_suppressed": ("Veranderingscijfers onderdrukt: minder dan {min_cell} gekoppelde respondenten.",
                          "Change statistics suppressed: fewer than {min_cell} paired respondents."),
    "group": ("Groep", "Group"),
    "mean_change": ("Gemiddelde verandering", "Mean change"),
    "quotes": ("Citaten", "Quotes"),
    "trail": ("Herkomst", "Trail"),
    "waterfall_title": ("Van bruto waarde naar contante waarde", "From gross value to present value"),
    "gross": ("Bruto", "Gross"),
    "discounting": ("Disconteren", "Discounting"),
    # value map
    "total": ("Totaal", "Total"),
    "year": ("Jaar", "Year"),
    "years": ("Jaren", "Years"),
    "support": ("Steun", "Support"),
    "description": ("Omschrijving", "Description"),
    "value_map_note": ("DW deadweight, DS verplaatsing, AT attributie, DO afname per jaar.",
                       "DW deadweight, DS displacement, AT attribution, DO drop-off per year."),
    # who pays
    "invested": ("Investeert", "Invests"),
    "benefits": ("Baten", "Benefits"),
    "net": ("Saldo", "Net"),
    "who_pays_text": ("Overdrachten (zoals toeslagen) zijn baat voor de ontvanger en kosten voor de betaler.",
                      "Transfers (such as allowances) benefit the receiver and cost the payer."),
    # sensitivity
    "tornado": ("Tornado: de ratio met één aanname op haar laagste en hoogste waarde",
                "Tornado: the ratio with one assumption at its low and high value"),
    "assumption": ("Aanname", "Assumption"),
    "low": ("Laag", "Low"),
    "base": ("Basis", "Base"),
    "high": ("Hoog", "High"),
    "ratio_low": ("Ratio bij laag", "Ratio at low"),
    "ratio_high": ("Ratio bij hoog", "Ratio at high"),
    "break_even": ("Omslagpunt", "Break-even"),
    "break_even_text": ("De waarde waarbij de SROI-ratio precies 1 is (de andere aannames op hun basiswaarde).",
                        "The value at which the SROI ratio is exactly 1 (other assumptions at their base)."),
    "break_even_none": ("Geen aanname bereikt een ratio van 1 binnen haar domein.",
                        "No assumption reaches a ratio of 1 within its domain."),
    "change": ("Verschil", "Change"),
    "no_ranges": ("Geen aanname heeft een bandbreedte; voeg {base, low, high} toe voor een tornado.",
                  "No assumption carries a range; add {base, low, high} to see a tornado."),
    "histogram": ("Verdeling van de SROI-ratio (Monte Carlo)", "Distribution of the SROI ratio (Monte Carlo)"),
    "draws": ("trekkingen", "draws"),
    "share": ("Aandeel", "Share"),
    # assumptions
    "price_year": ("Prijsjaar", "Price year"),
    "index_factor": ("Indexfactor", "Index factor"),
    "source": ("Bron", "Source"),
    "no_source": ("geen bron", "no source"),
    "index_text": ("Bedragen uit andere prijsjaren zijn omgerekend naar {year} met index {name} ({source}).",
                   "Amounts from other price years were converted to {year} with the index {name} ({source})."),
    "no_index": ("Er is geen prijsindex gebruikt.", "No price index was used."),
    "library_version": ("Proxy's uit de bibliotheek ({ids}) komen uit de impactlab-proxybibliotheek versie {version}.",
                        "Proxies from the library ({ids}) come from the impactlab proxy library version {version}."),
    "discount_text": ("Discontovoet {rate}; het eerste jaar wordt {how} verdisconteerd.",
                      "Discount rate {rate}; the first year is {how} discounted."),
    "also": ("wel", ""),
    "not": ("niet", "not"),
    "range": ("Bandbreedte", "Range"),
    # limitations
    "lim_unverified": ("Proxy '{name}' ({id}) is niet geverifieerd: {why}.",
                       "Proxy '{name}' ({id}) is not verified: {why}."),
    "lim_unverified_library": ("de bibliotheek markeert haar als onbevestigd",
                               "the library marks it as unverified"),
    "lim_own_proxy": ("een eigen proxy van het model, niet uit de bibliotheek",
                      "the model's own proxy, not from the library"),
    "lim_no_source": ("Zonder bron bij '{item}': {items}.", "No source given for '{item}': {items}."),
    "lim_zero": ("{deduction} is op nul gezet bij {n} van de {total} uitkomsten; onderbouw dat die er niet is: "
                 "{outcomes}.",
                 "{deduction} is set to zero for {n} of {total} outcomes; show that there is none: {outcomes}."),
    "lim_small": ("Dataset '{dataset}': {what}; de onderbouwing van '{outcome}' is zwak.",
                  "Dataset '{dataset}': {what}; the evidence for '{outcome}' is weak."),
    "lim_small_n": ("slechts {n} gekoppelde respondenten", "only {n} paired respondents"),
    "lim_small_suppressed": ("te weinig gekoppelde respondenten om te tonen", "too few paired respondents to show"),
    "lim_attrition": ("uitval {share}", "attrition {share}"),
    "lim_no_data": ("Geen uitkomst is met respondentgegevens onderbouwd; alle hoeveelheden zijn aannames.",
                    "No outcome is backed by respondent data; every quantity is an assumption."),
    "lim_independent": ("De Monte Carlo-simulatie trekt alle aannames onafhankelijk van elkaar; samenhang "
                        "tussen aannames is niet gemodelleerd.",
                        "The Monte Carlo simulation draws every assumption independently; correlation between "
                        "assumptions is not modelled."),
    "lim_transfers": ("{n} uitkomst(en) zijn overdrachten: ze tellen in de SROI-ratio maar niet in de MKBA.",
                      "{n} outcome(s) are transfers: they count in the SROI ratio but not in the MKBA."),
    "lim_unverified_outcomes": ("Uitkomsten zijn nog niet door belanghebbenden geverifieerd.",
                                "Outcomes have not yet been verified by stakeholders."),
    "yes": ("ja", "yes"),
    "no": ("nee", "no"),
    "discount_rate": ("Discontovoet", "Discount rate"),
}


@dataclass(frozen=True)
class Texts:
    """The texts and number formats of one language."""

    lang: str
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise UserError(f"language {self.lang!r} is not available (use nl or en)")

    def __call__(self, key: str, **values: object) -> str:
        text = TEXTS[key][LANGS.index(self.lang)]
        return text.format(**values) if values else text

    def _group(self, text: str) -> str:
        """English 1,234.5 -> Dutch 1.234,5."""
        return text.translate(str.maketrans(",.", ".,")) if self.lang == "nl" else text

    def num(self, value: float | None, decimals: int | None = None) -> str:
        """A number: thousands separated, up to 4 significant digits below 1000 (or fixed decimals)."""
        if value is None or not math.isfinite(value):
            return "–"
        if decimals is None:
            text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
        else:
            text = f"{value:,.{decimals}f}"
        return self._group(text)

    def money(self, amount: float | None) -> str:
        """``€ 1.234`` (whole units; cents for amounts under 100)."""
        if amount is None or not math.isfinite(amount):
            return "–"
        digits = 2 if abs(amount) < 100 and not float(amount).is_integer() else 0
        sign = "−" if amount < 0 else ""
        return f"{sign}{SYMBOLS.get(self.currency, self.currency)} {self._group(f'{abs(amount):,.{digits}f}')}"

    def pct(self, share: float | None, decimals: int = 0) -> str:
        """``0.255`` -> ``26%``."""
        if share is None or not math.isfinite(share):
            return "–"
        return self._group(f"{100 * share:.{decimals}f}") + "%"

    def ratio(self, value: float | None) -> str:
        """``3,21 : 1``."""
        return "–" if value is None or not math.isfinite(value) else f"{self.num(value, 2)} : 1"

    def symbol(self) -> str:
        return SYMBOLS.get(self.currency, self.currency)

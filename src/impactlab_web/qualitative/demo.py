"""Demo part of the qualitative area: four short fictional interviews (Dutch), a codebook, codings by two
coders (R-01 double-coded) and quotes linked to outcomes of the Buurtcirkels model. Idempotent."""

from __future__ import annotations

from django.db import transaction

from impactlab.qualitative.documents import extract_text
from impactlab_web.qualitative.models import Code, Coding, Document, OutcomeLink

# Each line one turn; long turns are split over source lines.
TRANSCRIPTS = {
    ('R-01', 'residents'): "\n".join([
        'Interviewer: Hoe was het voordat u bij de buurtcirkel kwam?',
        'Deelnemer: Ik zat veel alleen thuis. Sinds mijn man overleed kwam er bijna niemand meer over de '
        'vloer. De dagen waren lang.',
        'Interviewer: En nu?',
        'Deelnemer: Nu heb ik elke dinsdag de cirkel. Ik voel me minder alleen, echt waar. Ik heb er '
        'twee vriendinnen aan overgehouden, we drinken ook buiten de cirkel koffie.',
        'Deelnemer: Ik ga ook minder vaak naar de huisarts. Vroeger ging ik soms alleen maar om even '
        'iemand te spreken.',
        'Interviewer: Is er iets lastig?',
        'Deelnemer: Het vervoer. Als het regent kom ik moeilijk bij het buurthuis.',
    ]),
    ('R-02', 'residents'): "\n".join([
        'Interviewer: Wat heeft de cirkel voor u betekend?',
        'Deelnemer: Ik regel mijn eigen zaken weer. De coördinator heeft me geholpen met de formulieren '
        'voor de huurtoeslag, nu doe ik het zelf.',
        'Deelnemer: En ik ken nu mensen in de straat. Als ik iets nodig heb, bel ik de buurman.',
        'Interviewer: Voelt u zich minder eenzaam?',
        "Deelnemer: Soms nog wel, 's avonds. Maar het is minder dan vorig jaar.",
    ]),
    ('V-01', 'volunteers'): "\n".join([
        'Interviewer: Waarom bent u vrijwilliger geworden?',
        'Vrijwilliger: Na mijn pensioen zocht ik iets zinvols. Ik haal mensen op en zet koffie.',
        'Vrijwilliger: Het geeft me voldoening. Ik slaap beter en ik heb zelf ook nieuwe vrienden '
        'gemaakt.',
        'Vrijwilliger: Soms is het zwaar, als iemand ziek wordt. Dan praat ik erover met de coördinator.',
    ]),
    ('P-01', 'professionals'): "\n".join([
        'Interviewer: Wat merkt u als coördinator?',
        'Coördinator: De vrijwilligers vangen veel op. Ik hoef minder huisbezoeken zelf te doen, dus ik '
        'heb meer tijd voor de moeilijke situaties.',
        'Coördinator: Via de cirkel vinden mensen de weg naar toeslagen en regelingen die ze eerder niet '
        'kenden.',
        'Coördinator: Wat knelt: de subsidie is voor een jaar, en dat maakt het lastig om vrijwilligers '
        'vast te houden.',
    ]),
}

# name, parent, colour, definition
CODES = [
    ("Sociale contacten", None, "#60a5fa", "Contact met anderen: familie, buren, deelnemers, vrijwilligers."),
    ("Minder eenzaam", "Sociale contacten", "#34d399", "De persoon zegt zich minder alleen of eenzaam te voelen."),
    ("Nieuwe contacten", "Sociale contacten", "#a78bfa", "Nieuwe vriendschappen of bekenden in de buurt."),
    ("Zelfredzaamheid", None, "#fbbf24", "Zaken weer zelf kunnen regelen (geld, formulieren, hulp vragen)."),
    ("Zorggebruik", None, "#f87171", "Gebruik van huisarts, thuiszorg of andere zorg."),
    ("Minder huisartsbezoek", "Zorggebruik", "#fb923c", "Minder vaak naar de huisarts, vooral voor aanspraak."),
    ("Welbevinden vrijwilliger", None, "#f472b6", "Wat het vrijwilligerswerk de vrijwilliger zelf oplevert."),
    ("Werkdruk professional", None, "#2dd4bf", "Effect op de tijd en taken van de coördinator."),
    ("Belemmeringen", None, "#94a3b8", "Wat het meedoen of het project lastig maakt."),
]

# document, phrase (first occurrence), code, coder
CODINGS = [
    ("R-01", "Ik zat veel alleen thuis.", "Sociale contacten", "researcher"),
    ("R-01", "Ik voel me minder alleen, echt waar.", "Minder eenzaam", "researcher"),
    ("R-01", "Ik heb er twee vriendinnen aan overgehouden, we drinken ook buiten de cirkel koffie.",
     "Nieuwe contacten", "researcher"),
    ("R-01", "Ik ga ook minder vaak naar de huisarts. Vroeger ging ik soms alleen maar om even iemand te spreken.",
     "Minder huisartsbezoek", "researcher"),
    ("R-01", "Het vervoer. Als het regent kom ik moeilijk bij het buurthuis.", "Belemmeringen", "researcher"),
    # the second coder of R-01: close, not identical
    ("R-01", "Ik voel me minder alleen", "Minder eenzaam", "professional"),
    ("R-01", "Ik heb er twee vriendinnen aan overgehouden", "Nieuwe contacten", "professional"),
    ("R-01", "Ik ga ook minder vaak naar de huisarts.", "Minder huisartsbezoek", "professional"),
    ("R-01", "Als het regent kom ik moeilijk bij het buurthuis.", "Belemmeringen", "professional"),
    ("R-02", "Ik regel mijn eigen zaken weer.", "Zelfredzaamheid", "researcher"),
    ("R-02", "nu doe ik het zelf.", "Zelfredzaamheid", "researcher"),
    ("R-02", "En ik ken nu mensen in de straat. Als ik iets nodig heb, bel ik de buurman.", "Nieuwe contacten",
     "researcher"),
    ("R-02", "Maar het is minder dan vorig jaar.", "Minder eenzaam", "researcher"),
    ("V-01", "Het geeft me voldoening. Ik slaap beter en ik heb zelf ook nieuwe vrienden gemaakt.",
     "Welbevinden vrijwilliger", "researcher"),
    ("V-01", "ik heb zelf ook nieuwe vrienden gemaakt.", "Nieuwe contacten", "researcher"),
    ("V-01", "Soms is het zwaar, als iemand ziek wordt.", "Belemmeringen", "professional"),
    ("P-01", "Ik hoef minder huisbezoeken zelf te doen, dus ik heb meer tijd voor de moeilijke situaties.",
     "Werkdruk professional", "professional"),
    ("P-01", "Via de cirkel vinden mensen de weg naar toeslagen en regelingen die ze eerder niet kenden.",
     "Zelfredzaamheid", "professional"),
    ("P-01", "de subsidie is voor een jaar, en dat maakt het lastig om vrijwilligers vast te houden.",
     "Belemmeringen", "professional"),
]

# outcome -> codes whose quotes support it
CODE_LINKS = [
    ("less_lonely", "Minder eenzaam"),
    ("self_reliance", "Zelfredzaamheid"),
    ("fewer_gp_visits", "Minder huisartsbezoek"),
    ("volunteer_wellbeing", "Welbevinden vrijwilliger"),
    ("lower_workload", "Werkdruk professional"),
]
# outcome -> one coding (document, phrase, coder)
CODING_LINKS = [
    ("allowances_claimed", ("R-02", "nu doe ik het zelf.", "researcher")),
    ("less_lonely", ("R-01", "Ik heb er twee vriendinnen aan overgehouden, we drinken ook buiten de cirkel koffie.",
                     "researcher")),
]


def seed(context) -> None:
    """Add the qualitative demo to the shared programme (a second run changes nothing)."""
    programme = context.programme
    users = context.users
    with transaction.atomic():
        documents = {}
        for (label, group), text in TRANSCRIPTS.items():
            extracted = extract_text(text.encode("utf-8"), f"{label}.txt")
            documents[label], _ = Document.objects.get_or_create(
                programme=programme, label=label,
                defaults={"group": group, "kind": extracted.kind, "sha256": extracted.sha256,
                          "text": extracted.text, "uploaded_by": users["researcher"]})
        documents["R-01"].memo = documents["R-01"].memo or "Dubbel gecodeerd (oefening in overeenstemming)."
        documents["R-01"].save(update_fields=["memo"])
        codes: dict[str, Code] = {}
        for name, parent, colour, definition in CODES:
            codes[name], _ = Code.objects.get_or_create(
                programme=programme, name=name,
                defaults={"parent": codes.get(parent), "colour": colour, "definition": definition})
        codings = {}
        for label, phrase, code, coder in CODINGS:
            document = documents[label]
            start = document.text.index(phrase)
            codings[(label, phrase, coder)], _ = Coding.objects.get_or_create(
                document=document, code=codes[code], coder=users[coder], start=start, end=start + len(phrase))
        for outcome, code in CODE_LINKS:
            OutcomeLink.objects.get_or_create(programme=programme, outcome=outcome, code=codes[code],
                                              defaults={"created_by": users["researcher"]})
        for outcome, key in CODING_LINKS:
            OutcomeLink.objects.get_or_create(programme=programme, outcome=outcome, coding=codings[key],
                                              defaults={"created_by": users["researcher"]})
    context.say(f"qualitative: {len(documents)} documents, {len(codes)} codes, {len(codings)} codings")

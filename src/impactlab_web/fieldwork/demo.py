"""The fieldwork part of the demo: a questionnaire (DJG-6 plus own questions) with waves T0 and T1 and some
responses linked over the waves, and formal and informal support registrations over several months.
Idempotent: everything is looked up before it is made, and random numbers come from fixed seeds."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction

from impactlab.fieldwork.tokens import new_respondent_key
from impactlab_web.fieldwork.models import Questionnaire, Registration, Response, Wave

DOCUMENT: dict[str, Any] = {
    "id": "buurtcirkels-welzijn",
    "title": {"nl": "Buurtcirkels: hoe gaat het met u?", "en": "Neighbourhood circles: how are you?"},
    "description": {"nl": "Een korte vragenlijst aan het begin en na een half jaar.",
                    "en": "A short questionnaire at the start and after six months."},
    "items": [
        {"id": "intro", "type": "note", "text": {"nl": "Er zijn geen goede of foute antwoorden.",
                                                 "en": "There are no right or wrong answers."}},
        {"id": "alone", "type": "single_choice", "required": True,
         "text": {"nl": "Woont u alleen?", "en": "Do you live alone?"},
         "choices": [{"code": 1, "label": {"nl": "ja", "en": "yes"}}, {"code": 2, "label": {"nl": "nee", "en": "no"}}]},
        {"id": "housemates", "type": "integer", "required": True, "min": 1, "max": 20, "show_if": "alone == 2",
         "text": {"nl": "Met hoeveel mensen woont u samen?", "en": "How many people do you live with?"}},
        {"instrument": "djg-6"},
        {"id": "grade", "type": "scale", "min": 0, "max": 10, "required": True,
         "text": {"nl": "Welk rapportcijfer geeft u uw leven nu?", "en": "What mark do you give your life now?"},
         "min_label": {"nl": "heel slecht", "en": "very bad"}, "max_label": {"nl": "uitstekend", "en": "excellent"}},
        {"id": "helpers", "type": "multiple_choice",
         "text": {"nl": "Wie helpt u als het nodig is?", "en": "Who helps you when needed?"},
         "choices": [{"code": 1, "label": {"nl": "familie", "en": "family"}},
                     {"code": 2, "label": {"nl": "buren", "en": "neighbours"}},
                     {"code": 3, "label": {"nl": "vrijwilliger", "en": "volunteer"}},
                     {"code": 4, "label": {"nl": "niemand", "en": "nobody"}}]},
        {"id": "remarks", "type": "text", "max_length": 500,
         "text": {"nl": "Wilt u nog iets kwijt?", "en": "Anything else you want to say?"}},
    ],
}
TEAMS = [("Noord", "Venlo-Noord"), ("Zuid", "Venlo-Zuid"), ("Blerick", "Blerick"), ("Tegelen", "Tegelen")]
KINDS = ["practical", "social", "emotional", "advice", "coordination"]


def _answers(rng: random.Random, better: float) -> dict[str, Any]:
    alone = rng.choice([1, 1, 2])
    answers: dict[str, Any] = {"alone": alone, "grade": min(10, max(0, round(rng.gauss(6 + better, 1.5))))}
    if alone == 2:
        answers["housemates"] = rng.randint(1, 4)
    for item in ("lone3", "lone4", "lone7", "lone8", "lone9", "lone10"):
        answers[item] = rng.choices([1, 2, 3], weights=[2 + better, 2, 2 - better / 2])[0]
    answers["helpers"] = sorted(rng.sample([1, 2, 3], rng.randint(1, 2)))
    return answers


def seed(context: Any) -> None:
    programme, users = context.programme, context.users
    with transaction.atomic():
        questionnaire = Questionnaire.objects.filter(programme=programme, slug=DOCUMENT["id"]).first()
        if questionnaire is None:
            questionnaire = Questionnaire.objects.create(programme=programme, document=DOCUMENT,
                                                         created_by=users["researcher"])
        t0, _ = Wave.objects.get_or_create(questionnaire=questionnaire, name="T0")
        t1, _ = Wave.objects.get_or_create(questionnaire=questionnaire, name="T1")
        if not questionnaire.responses.exists():
            rng = random.Random(5)
            for number in range(40):
                key = new_respondent_key()
                Response.objects.create(questionnaire=questionnaire, wave=t0, respondent_key=key,
                                        answers=_answers(rng, 0.0),
                                        channel=Response.Channel.VISIT if number % 3 == 0 else Response.Channel.LINK)
                if number < 28:
                    Response.objects.create(questionnaire=questionnaire, wave=t1, respondent_key=key,
                                            answers=_answers(rng, 1.0))
        context.say(f"fieldwork: questionnaire {questionnaire.slug} with {questionnaire.responses.count()} responses")
        if not Registration.objects.filter(programme=programme).exists():
            rng = random.Random(9)
            rows = []
            today = dt.date(2025, 6, 30)
            for client in range(1, 121):
                team, neighbourhood = TEAMS[client % len(TEAMS)]
                for _visit in range(rng.randint(3, 9)):
                    day = today - dt.timedelta(days=rng.randint(0, 179))
                    informal = rng.random() < 0.45
                    rows.append(Registration(
                        programme=programme, recorded_by=users["professional"], date=day, client=f"BC-{client:04d}",
                        provider=f"VR-{rng.randint(1, 30):03d}" if informal else "",
                        support="informal" if informal else "formal", kind=rng.choice(KINDS),
                        hours=round(rng.choice([0.5, 1, 1.5, 2, 3]), 2), contacts=rng.randint(1, 3),
                        team=team, neighbourhood=neighbourhood))
            Registration.objects.bulk_create(rows)
        context.say(f"fieldwork: {Registration.objects.filter(programme=programme).count()} support registrations")

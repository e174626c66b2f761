"""Test values for the fieldwork URL arguments (used by tests_web/url_arguments.py): made once per test world."""

from __future__ import annotations

import datetime as dt
from typing import Any

from impactlab_web.organisations.models import Role

DOCUMENT = {
    "id": "welzijn", "title": {"nl": "Welzijn", "en": "Wellbeing"},
    "items": [
        {"id": "alone", "type": "single_choice", "required": True, "text": {"nl": "Woont u alleen?", "en": "Alone?"},
         "choices": [{"code": 1, "label": {"nl": "ja", "en": "yes"}}, {"code": 2, "label": {"nl": "nee", "en": "no"}}]},
        {"id": "housemates", "type": "integer", "min": 1, "max": 20, "required": True, "show_if": "alone == 2",
         "text": {"nl": "Met hoeveel mensen woont u?", "en": "How many people do you live with?"}},
        {"instrument": "djg-6"},
    ],
}


def _made(world: Any) -> dict[str, Any]:
    made = getattr(world, "_fieldwork", None)
    if made is None:
        from impactlab_web.fieldwork import service
        from impactlab_web.fieldwork.models import Questionnaire, Registration, Wave

        questionnaire = Questionnaire.objects.create(programme=world.programme, document=DOCUMENT)
        wave = Wave.objects.create(questionnaire=questionnaire, name="T0")
        registration = Registration.objects.create(
            programme=world.programme, recorded_by=world.user(Role.PROFESSIONAL, "own"), date=dt.date(2025, 3, 1),
            client="C-001", support="formal", kind="practical", hours=2)
        made = {"questionnaire": questionnaire, "wave": wave, "wave_link": service.link_for(wave),
                "registration": registration}
        world._fieldwork = made
    return made


def questionnaire(world: Any) -> int:
    return _made(world)["questionnaire"].pk


def wave(world: Any) -> int:
    return _made(world)["wave"].pk


def wave_link(world: Any) -> str:
    return _made(world)["wave_link"]


def registration(world: Any) -> int:
    return _made(world)["registration"].pk

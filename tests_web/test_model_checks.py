"""The practitioner's checks (units, double counting) beside the model, in the user's language."""

from __future__ import annotations

import html
import re

from impactlab.model import check_text
from tests_web.conftest import World, make_user

WELLBY_ON_PEOPLE = """\
impactlab: 1
programme: {name: Buurtcirkels, price_year: 2025}
stakeholders:
  - {id: residents, name: Bewoners, size: 100}
inputs:
  - {id: grant, stakeholder: residents, amount: 10000}
outcomes:
  - id: happier
    stakeholder: residents
    description: Minder eenzaam
    quantity: 40
    proxy: wellby
    deadweight: 0.2
  - id: happier_again
    stakeholder: residents
    description: Meer tevreden
    quantity: 10
    unit: WELLBY
    proxy: wellby
    deadweight: 0.2
"""


def _warnings(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<li class="check-warning">(.*?)</li>', page, re.S)]


def test_unit_and_double_counting_warnings_beside_the_model_in_the_users_language(client, world: World) -> None:
    url = f"/programmes/{world.programme.pk}/model/check/"
    expected = {lang: check_text(WELLBY_ON_PEOPLE, "model.yaml", lang).warnings for lang in ("en", "nl")}
    assert len(expected["en"]) == 2 and len(expected["nl"]) == 2
    client.force_login(world.user("researcher", "own"))
    english = _warnings(client.post(url, {"text": WELLBY_ON_PEOPLE}).content.decode())
    assert english == expected["en"]
    assert any("outcomes[0] (happier).proxy: warning: the quantity counts persons" in m
               and "(SROI principle: do not over-claim) (line 12)" in m for m in english)
    assert any("outcomes[1] (happier_again).proxy: warning: proxy 'wellby' also values outcome 'happier'" in m
               for m in english)

    dutch_user = make_user("onderzoeker", world.user("researcher", "own").memberships.first().role, world.own,
                           language="nl")
    client.force_login(dutch_user)
    page = client.post(url, {"text": WELLBY_ON_PEOPLE}).content.decode()
    dutch = _warnings(page)
    assert dutch == expected["nl"]
    assert any("outcomes[0] (happier).proxy: waarschuwing: de hoeveelheid telt personen" in m
               and "(SROI-principe: claim niet te veel) (regel 12)" in m for m in dutch)
    assert any("waardeert ook uitkomst 'happier'" in m for m in dutch)


def test_a_stated_conversion_silences_the_unit_warning_and_saves(client, world: World) -> None:
    converted = WELLBY_ON_PEOPLE.replace(
        "    quantity: 40\n    proxy: wellby\n",
        "    quantity: 40\n    proxy: wellby\n"
        "    conversion: {factor: 0.3, to: wellby-point-year, source: own survey}\n",
    ).replace("    proxy: wellby\n    deadweight: 0.2\n", "    value: 100\n    deadweight: 0.2\n", 1)
    report = check_text(converted, "model.yaml")
    assert report.ok and not [w for w in report.warnings if "quantity counts" in w]
    client.force_login(world.user("administrator", "own"))
    before = world.programme.versions.count()
    response = client.post(f"/programmes/{world.programme.pk}/model/save/", {"text": converted, "message": "c"})
    assert response.status_code == 302 and world.programme.versions.count() == before + 1

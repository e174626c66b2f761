"""Limits on every input and safe outputs: formula injection in exports, oversized and hostile uploads, rate limits,
fail-closed settings, no-store caching and private file modes."""

from __future__ import annotations

import csv
import io

from impactlab.exports import FORMULA_TRIGGERS
from impactlab_web.fieldwork.models import Questionnaire, Wave
from impactlab_web.fieldwork.testing import DOCUMENT
from impactlab_web.models import Role
from tests_web.conftest import World


def p(world: World) -> str:
    return f"/programmes/{world.programme.pk}"


# ------------------------------------------------------------------------------------ formula injection
def test_links_csv_never_starts_a_formula(client, world: World) -> None:
    questionnaire = Questionnaire.objects.create(programme=world.programme, document=DOCUMENT)
    wave = Wave.objects.create(questionnaire=questionnaire, name="=cmd|' /C calc'!A0")
    client.force_login(world.user(Role.RESEARCHER, "own"))
    made = client.post(f"{p(world)}/questionnaires/{questionnaire.pk}/waves/{wave.pk}/links/",
                       {"kind": "personal", "count": "2"})
    assert made.status_code == 200 and made["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(made.content.decode())))
    assert len(rows) == 3
    assert [row[1] for row in rows[1:]] == ["'" + wave.name] * 2
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_TRIGGERS)]

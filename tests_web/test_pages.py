"""Pages: programme creation, the language switch, locale formatting, the theory of change, seed_demo."""

from __future__ import annotations

from django.core.management import call_command
from django.utils import translation

from impactlab_web.core.templatetags.impactlab import money, ratio
from impactlab_web.data.models import DatasetRecord
from impactlab_web.organisations.models import Membership, Organisation
from impactlab_web.programmes import modelling
from impactlab_web.programmes.models import ImpactModelVersion, Programme
from tests_web.conftest import World


def test_create_programme(client, world: World) -> None:
    user = world.user("researcher", "own")
    client.force_login(user)
    response = client.post("/programmes/new/", {"name": "Nieuw", "lead": world.own.pk, "partners": [world.partner.pk]})
    assert response.status_code == 302
    created = Programme.objects.get(name="Nieuw")
    assert list(created.partners.all()) == []  # partners join only by accepting an invitation (test_partners)
    assert Membership.objects.filter(user=user, programme=created, role="administrator").exists()
    assert response["Location"] == f"/programmes/{created.pk}/model/"


def test_cannot_create_for_a_foreign_organisation(client, world: World) -> None:
    client.force_login(world.user("administrator", "own"))
    response = client.post("/programmes/new/", {"name": "Stolen", "lead": world.foreign.pk})
    assert response.status_code == 200 and not Programme.objects.filter(name="Stolen").exists()
    assert "Select a valid choice" in response.content.decode()


def test_money_per_locale() -> None:
    with translation.override("nl"):
        assert money(1234.56) == "€ 1.234,56" and money(-5) == "€ -5,00" and ratio(3.456) == "3,46"
    with translation.override("en"):
        assert money(1234.56) == "€1,234.56" and ratio(3.456) == "3.46"
    assert money(None) == "—"


def test_language_switch_is_stored_per_user(client, world: World) -> None:
    user = world.user("viewer", "own")
    client.force_login(user)
    modelling.publish(world.programme.latest_version(), None)  # the viewer sees the published figures
    response = client.post("/accounts/language/", {"language": "nl", "next": f"/programmes/{world.programme.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/programmes/{world.programme.pk}/"
    user.profile.refresh_from_db()
    assert user.profile.language == "nl"
    page = client.get(f"/programmes/{world.programme.pk}/").content.decode()
    assert '<html lang="nl">' in page and "Penvoerder" in page and "€ " in page
    assert client.post("/accounts/language/", {"language": "nl", "next": "https://evil.example/"})["Location"] == "/"


def test_theory_of_change_per_stakeholder(client, world: World) -> None:
    modelling.publish(world.programme.latest_version(), None)  # a viewer sees the published model
    client.force_login(world.user("viewer", "own"))
    page = client.get(f"/programmes/{world.programme.pk}/theory-of-change/").content.decode()
    assert page.count('<section class="toc-lane') == 5  # every stakeholder, in the model's order
    assert page.count("toc-lane-empty") == 1 and "Nothing described for this stakeholder yet." in page
    assert "Residents feel less lonely" in page and "Subsidy for circle" in page


def test_theory_of_change_shows_each_stakeholders_own_parts(client, world: World) -> None:
    """Each lane holds the stakeholder's own inputs, activities, outputs and outcomes, and what links to them
    (marked with whose it is); what belongs to nobody is the programme's as a whole."""
    import re

    from impactlab.model.edit import edit_text

    def chain(document: dict) -> None:
        document["activities"] = [
            {"id": "circles", "name": "Weekly circles", "stakeholders": ["residents"], "inputs": ["coordination"]},
            {"id": "training", "name": "Volunteer training", "stakeholders": ["volunteers"],
             "inputs": ["volunteering"]},
            {"id": "newsletter", "name": "Newsletter"}]
        document["outputs"] = [
            {"id": "meetings", "activity": "circles", "description": "Circle meetings held", "quantity": 960},
            {"id": "trained", "activity": "training", "stakeholders": ["volunteers"],
             "description": "Volunteers trained"}]
        document["outcomes"][0]["outputs"] = ["meetings"]
        document["outcomes"][4]["outputs"] = ["trained", "meetings"]

    text = edit_text(world.programme.latest_version().text, chain)
    modelling.publish(modelling.save_version(world.programme, text, None, "chain"), None)  # viewers: published only
    client.force_login(world.user("viewer", "own"))
    page = client.get(f"/programmes/{world.programme.pk}/theory-of-change/").content.decode()
    lanes = dict(re.findall(r'data-stakeholder="([^"]*)">(.*?)</section>', page, re.S))
    columns = {who: dict(re.findall(r'<li class="toc-column toc-(\w+)">(.*?)</ul>', body, re.S))
               for who, body in lanes.items()}
    residents, volunteers = columns["residents"], columns["volunteers"]
    assert "Weekly circles" in residents["activities"] and "Volunteer training" not in residents["activities"]
    assert "Circle meetings held" in residents["outputs"] and "from: Weekly circles" in residents["outputs"]
    assert "Residents feel less lonely" in residents["outcomes"] and "from: Circle meetings held" in residents[
        "outcomes"]
    assert "not described in the model" in residents["inputs"]  # residents put nothing in themselves
    assert "Volunteer hours" in volunteers["inputs"] and "Subsidy" not in volunteers["inputs"]
    assert "Volunteer training" in volunteers["activities"] and "Volunteers trained" in volunteers["outputs"]
    # the residents' meetings lead to a volunteers' outcome too: shown, marked as the residents'
    assert "Weekly circles" in volunteers["activities"] and "of: Participating residents" in volunteers["activities"]
    assert "Subsidy for circle" in columns["municipality"]["inputs"]
    assert "Weekly circles" in columns["municipality"]["activities"]  # the activity its subsidy pays for
    assert "Newsletter" in columns[""]["activities"] and page.index('data-stakeholder=""') > page.index(
        'data-stakeholder="insurer"')


def test_seed_demo_is_idempotent(db, var_dir, capsys) -> None:
    call_command("seed_demo")
    first = capsys.readouterr().out
    tables = (Organisation, Programme, ImpactModelVersion, DatasetRecord, Membership)
    counts = [m.objects.count() for m in tables]
    call_command("seed_demo")
    assert [m.objects.count() for m in tables] == counts
    assert counts[3] == 5 and "admin" in first and "demo-impactlab-2025" in first  # + dashboards' registrations
    welfare = Organisation.objects.get(name="Stichting Welzijn Venlo")
    assert DatasetRecord.objects.filter(owner=welfare, name="buurtcirkels-enquete").count() == 2
    from impactlab_web.core import demo
    from impactlab_web.programmes.models import Partnership

    programme = Programme.objects.get(name="Buurtcirkels Venlo")  # its partners agreed: accepted, once each
    assert {o.name for o in programme.partners} == {demo.MUNICIPALITY, demo.UNIVERSITY}
    assert Partnership.objects.filter(programme=programme).count() == 2

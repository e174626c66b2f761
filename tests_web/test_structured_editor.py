"""The structured model editor: forms on the same document as the YAML, every save a version through the core."""

from __future__ import annotations

import html
import re

from impactlab.model import check_text, parse_model
from impactlab.model.edit import diff_lines
from impactlab.model.examples import example_text
from impactlab.model.library import search_proxies
from impactlab_web.organisations.models import Profile
from impactlab_web.programmes import modelling
from tests_web.conftest import World


def url(world: World, tail: str) -> str:
    return f"/programmes/{world.programme.pk}/model/{tail}"


def latest(world: World):
    version = world.programme.latest_version()
    return version, parse_model(version.text)


def form_data(client, world: World, tail: str) -> dict[str, str]:
    """The form's current values as a browser would post them."""
    page = client.get(url(world, tail)).content.decode()
    data = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) not in ("csrfmiddlewaretoken", "q"):
            data[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = html.unescape(body.strip("\n"))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    checked = re.findall(r'<input type="checkbox" name="([^"]+)"[^>]*checked', page)
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"', page):
        if name not in checked:
            data.pop(name, None)
    for name, value, rest in re.findall(r'<input type="checkbox" name="([^"]+)" value="([^"]*)"([^>]*)>', page):
        data[name] = data[name] if isinstance(data.get(name), list) else []  # ids as checkboxes: a list
        if "checked" in rest:
            data[name].append(html.unescape(value))
    return data


def editor(client, world: World) -> None:
    client.force_login(world.user("researcher", "own"))


def test_edit_an_outcome_range_makes_a_version(client, world: World) -> None:
    editor(client, world)
    before = world.programme.versions.count()
    data = form_data(client, world, "parts/outcomes/less_lonely/")
    assert data["deadweight"] == "0.25" and data["deadweight__low"] == "0.15"
    data.update({"deadweight": "0.3", "deadweight__low": "0.2", "deadweight__high": "0.5"})
    response = client.post(url(world, "parts/outcomes/less_lonely/"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    version, model = latest(world)
    assert world.programme.versions.count() == before + 1 and version.message == "edited outcome less_lonely"
    outcome = next(o for o in model.outcomes if o.id == "less_lonely")
    assert (outcome.deadweight.base, outcome.deadweight.low, outcome.deadweight.high) == (0.3, 0.2, 0.5)
    old = parse_model(example_text("buurtcirkels").replace("amount: 186000", "amount: 196000"))
    assert [o for o in model.outcomes if o.id != "less_lonely"] == [o for o in old.outcomes if o.id != "less_lonely"]
    assert outcome.sources == next(o for o in old.outcomes if o.id == "less_lonely").sources
    assert model.stakeholders == old.stakeholders and model.inputs == old.inputs


def test_add_edit_remove_each_part(client, world: World) -> None:
    editor(client, world)
    n = world.programme.versions.count()
    steps = [
        ("parts/stakeholders/new/", {"id": "neighbours", "name": "Neighbours", "size": "40", "category": "informal",
                                     "involvement": "street meeting"}, "added stakeholder neighbours"),
        ("parts/inputs/new/", {"id": "neighbour_hours", "stakeholder": "neighbours", "quantity": "300",
                               "proxy": "volunteer_hour_minimum_wage", "year": "0", "support": "informal",
                               "source": "diary"}, "added input neighbour_hours"),
        ("parts/proxies/new/", {"id": "coffee", "name": "A cup of coffee", "value": "2.5", "unit": "cup",
                                "price_year": "2025", "source": "menu"}, "added proxy coffee"),
        ("parts/outcomes/new/", {"id": "coffee_together", "stakeholder": "neighbours", "description": "Coffee",
                                 "quantity": "100", "quantity__low": "50", "quantity__high": "150",
                                 "proxy": "coffee", "deadweight": "0.5", "attribution": "0.1", "duration": "1",
                                 "transfer_from": "", "sources": "quantity: a guess"},
         "added outcome coffee_together"),
    ]
    for tail, data, message in steps:
        response = client.post(url(world, tail), data)
        assert response.status_code == 302, (tail, html.unescape(response.content.decode())[:4000])
        n += 1
        assert world.programme.versions.count() == n and world.programme.latest_version().message == message
    _, model = latest(world)
    assert model.stakeholders[-1].size == 40 and model.inputs[-1].proxy == "volunteer_hour_minimum_wage"
    assert model.proxies[-1].value == 2.5
    outcome = model.outcomes[-1]
    assert outcome.quantity.low == 50 and outcome.sources == {"quantity": "a guess"} and outcome.deadweight == 0.5

    data = form_data(client, world, "parts/stakeholders/neighbours/")
    data["name"] = "Neighbours in the street"
    assert client.post(url(world, "parts/stakeholders/neighbours/"), data).status_code == 302
    assert latest(world)[1].stakeholders[-1].name == "Neighbours in the street"

    # a stakeholder still referred to is not removed: the core's message says why
    page = client.post(url(world, "parts/stakeholders/neighbours/remove/"), follow=True).content.decode()
    assert "unknown stakeholder" in html.unescape(page) and latest(world)[1].stakeholders[-1].id == "neighbours"
    for tail in ("outcomes/coffee_together", "proxies/coffee", "inputs/neighbour_hours", "stakeholders/neighbours"):
        assert client.post(url(world, f"parts/{tail}/remove/")).status_code == 302
        assert world.programme.latest_version().message.startswith("removed ")
    assert latest(world)[1] == parse_model(example_text("buurtcirkels").replace("amount: 186000", "amount: 196000"))


def test_settings(client, world: World) -> None:
    editor(client, world)
    data = form_data(client, world, "settings/")
    assert data["name"] == "Buurtcirkels Venlo" and data["discount_rate"] == "0.0225"
    data.update({"discount_rate": "0.03", "discount_rate__low": "0.0225", "discount_rate__high": "0.04"})
    data.pop("discount_first_year", None)
    assert client.post(url(world, "settings/"), data).status_code == 302
    version, model = latest(world)
    assert model.valuation.discount_rate.high == 0.04 and model.valuation.discount_first_year is False
    assert version.message == "edited the programme settings"
    data = form_data(client, world, "settings/")
    data["index"] = "cbs"
    page = client.post(url(world, "settings/"), data)
    assert page.status_code == 422 and "unknown price index" in html.unescape(page.content.decode())


def error_next_to(page: str, field: str) -> str:
    """The error message(s) shown in the field's own block (fieldset for ranges, paragraph otherwise)."""
    block = re.search(rf'<(fieldset|p) class="[^"]*invalid[^"]*">(?:(?!</\1>).)*?id="id_{field}"(.*?)</\1>', page, re.S)
    assert block, f"no error next to {field}"
    return " ".join(html.unescape(e) for e in re.findall(r'<span class="error"[^>]*>(.*?)</span>', block.group(0)))


def test_bad_values_show_the_core_message_next_to_the_field(client, world: World) -> None:
    editor(client, world)
    before = world.programme.versions.count()
    cases = [
        ({"deadweight": "1.4", "deadweight__low": "", "deadweight__high": ""}, "deadweight",
         "must be between 0 and 1, got 1.4"),
        ({"stakeholder": "residentz"}, "stakeholder", "unknown stakeholder 'residentz'"),
        ({"attribution": "0.3", "attribution__low": "0.5", "attribution__high": "0.4"}, "attribution",
         "a range needs low <= base <= high, got low 0.5, base 0.3, high 0.4"),
    ]
    for change, field, message in cases:
        data = {**form_data(client, world, "parts/outcomes/less_lonely/"), **change}
        response = client.post(url(world, "parts/outcomes/less_lonely/"), data)
        assert response.status_code == 422
        shown = error_next_to(response.content.decode(), field)
        assert message in shown, shown
        assert world.programme.versions.count() == before
    # the message is the core's own, for the same document written as YAML
    text = world.programme.latest_version().text.replace("deadweight: {base: 0.25, low: 0.15, high: 0.40}",
                                                         "deadweight: 1.4")
    assert any("must be between 0 and 1, got 1.4" in e for e in check_text(text).errors)


def test_a_form_edit_is_a_one_line_diff_that_keeps_comments_and_numbers(client, world: World) -> None:
    editor(client, world)
    before = world.programme.latest_version().text
    assert "# Dutch MKBA rate" in before and "size: 240" in before
    data = form_data(client, world, "parts/outcomes/self_reliance/")
    data["attribution"] = "0.35"
    assert client.post(url(world, "parts/outcomes/self_reliance/"), data).status_code == 302
    after = world.programme.latest_version().text
    assert diff_lines(before, after) == ["-    attribution: 0.25", "+    attribution: 0.35"]
    # a stakeholder saved unchanged through its form (the browser posts 240) changes nothing
    data = form_data(client, world, "parts/stakeholders/residents/")
    assert client.post(url(world, "parts/stakeholders/residents/"), data).status_code == 302
    assert world.programme.latest_version().text == after
    assert "size: 240," in after and "240.0" not in after and "# Dutch MKBA rate" in after
    assert "comments will be lost" not in client.get(url(world, "parts/outcomes/less_lonely/")).content.decode()


def test_proxy_search(client, world: World) -> None:
    client.force_login(world.user("viewer", "own"))
    page = html.unescape(client.get(url(world, "proxy-search/"), {"q": "volunteer minimum"}).content.decode())
    assert 'data-proxy-id="volunteer_hour_minimum_wage"' in page and "prices of" in page
    assert "No library proxy matches" in client.get(url(world, "proxy-search/"), {"q": "zzzqqq"}).content.decode()
    assert client.get(url(world, "proxy-search/")).content.decode().strip() == ""
    # the same search as `impactlab proxies search`: Dutch word forms, ranked, the name in the user's language
    Profile.objects.update_or_create(user=world.user("viewer", "own"), defaults={"language": "nl"})
    page = html.unescape(client.get(url(world, "proxy-search/"), {"q": "mantelzorgers"}).content.decode())
    shown = [part.split('"')[0] for part in page.split('data-proxy-id="')[1:]]
    assert shown == [p.id for p in search_proxies(["mantelzorgers"])] and len(shown) >= 3
    assert "Uur mantelzorg, gemiddelde opportuniteitskosten" in page and "in de bron nagelezen" in page
    assert "berekend uit nagelezen cijfers" in page  # the replacement-cost hour is derived
    assert 'data-proxy-id="wellby"' in client.get(url(world, "proxy-search/"), {"q": "eenzaamheid"}).content.decode()


def test_structured_edit_round_trips_with_the_yaml(client, world: World) -> None:
    editor(client, world)
    data = form_data(client, world, "parts/inputs/volunteering/")
    data.update({"quantity": "4500", "quantity__high": "5200"})
    assert client.post(url(world, "parts/inputs/volunteering/"), data).status_code == 302
    stored = world.programme.latest_version()
    exported = client.get(url(world, "export.yaml")).content.decode()
    assert parse_model(exported) == check_text(stored.text).model
    assert parse_model(exported).model_dump(mode="json") == stored.document
    assert parse_model(exported).inputs[1].quantity.high == 5200
    # the YAML tab shows the same text, and saving it unchanged keeps the same model
    page = html.unescape(client.get(url(world, "")).content.decode())
    assert "high: 5200" in page
    assert client.post(url(world, "save/"), {"text": exported, "message": "via yaml"}).status_code == 302
    assert world.programme.latest_version().document == stored.document


def test_viewer_sees_parts_but_cannot_edit(client, world: World) -> None:
    modelling.publish(world.programme.latest_version(), None)  # viewers see the published version only
    client.force_login(world.user("viewer", "own"))
    page = client.get(url(world, "parts/outcomes/")).content.decode()
    assert "less_lonely" in page and "/remove/" not in page
    assert "<td data-label=\"Description\">Residents feel less lonely</td>" in page  # the outcome's name beside its id
    assert client.get(url(world, "parts/outcomes/less_lonely/")).status_code == 403
    assert client.get(url(world, "parts/nothing/")).status_code == 404


def test_a_new_programme_is_built_in_the_forms_only(client, world: World) -> None:
    from impactlab_web.programmes.models import Programme

    editor(client, world)
    programme = Programme.objects.create(name="Nieuw in formulieren", lead=world.own)
    base = f"/programmes/{programme.pk}/model/"
    data = form_data(client, World(**{**world.__dict__, "programme": programme}), "settings/")
    page = html.unescape(client.get(base + "parts/stakeholders/").content.decode())
    assert "A new model can be built in the forms" in page and "No version saved yet" in page
    assert "the file is empty" not in page
    client.post("/accounts/language/", {"language": "nl", "next": "/"})
    page = html.unescape(client.get(base + "settings/").content.decode())
    assert "Een nieuw model kunt u helemaal in de formulieren bouwen" in page and "Nog geen versie opgeslagen" in page
    client.post("/accounts/language/", {"language": "en", "next": "/"})
    assert data["name"] == "Nieuw in formulieren" and programme.versions.count() == 0
    data.update({"price_year": "2025", "discount_rate": "0.03"})
    steps = [("settings/", data),
             ("parts/stakeholders/new/", {"id": "clients", "name": "Cliënten", "size": "40"}),
             ("parts/stakeholders/new/", {"id": "funder", "name": "Gemeente"}),
             ("parts/inputs/new/", {"id": "grant", "stakeholder": "funder", "amount": "20000", "year": "0"}),
             ("parts/outcomes/new/", {"id": "better", "stakeholder": "clients", "description": "Beter",
                                      "quantity": "10", "value": "1500", "duration": "1"})]
    for number, (tail, post) in enumerate(steps, start=1):
        response = client.post(base + tail, {**post, "base": str(number - 1)})
        assert response.status_code == 302, (tail, html.unescape(response.content.decode())[:3000])
        assert programme.versions.count() == number
    model = parse_model(programme.latest_version().text)
    assert [s.id for s in model.stakeholders] == ["clients", "funder"] and model.outcomes[0].value == 1500
    assert model.valuation.discount_rate == 0.03 and model.programme.price_year == 2025
    assert programme.latest_version().figures["sroi_ratio"] > 0


def test_activities_and_outputs_per_stakeholder_edited_in_place(client, world: World) -> None:
    editor(client, world)
    n = world.programme.versions.count()
    page = client.get(url(world, "parts/activities/new/?stakeholder=volunteers")).content.decode()
    assert re.search(r'name="stakeholders" value="volunteers"[^>]*checked', page)  # added for that stakeholder
    assert 'value="coordination"' in page and "Participating residents (residents)" in page
    steps = [
        ("parts/activities/new/", {"id": "circles", "name": "Weekly circles", "stakeholders": ["residents",
                                                                                               "volunteers"],
                                   "inputs": ["coordination", "volunteering"]}, "added activity circles"),
        ("parts/activities/new/", {"id": "training", "name": "Volunteer training", "stakeholders": ["volunteers"],
                                   "inputs": ["volunteering"]}, "added activity training"),
        ("parts/outputs/new/", {"id": "meetings", "activity": "circles", "stakeholders": ["residents"],
                                "description": "Circle meetings held", "quantity": "960", "unit": "meeting"},
         "added output meetings"),
        ("parts/outputs/new/", {"id": "trained", "activity": "training", "stakeholders": ["volunteers"],
                                "description": "Volunteers trained", "quantity": "60"}, "added output trained"),
    ]
    for tail, data, message in steps:
        response = client.post(url(world, tail), {**data, "base": str(n)})
        assert response.status_code == 302, (tail, html.unescape(response.content.decode())[:4000])
        n += 1
        assert world.programme.latest_version().message == message
    _, model = latest(world)
    assert model.activities[0].stakeholders == ["residents", "volunteers"]
    assert model.activities[0].inputs == ["coordination", "volunteering"]
    assert (model.outputs[0].activity, model.outputs[0].stakeholders, model.outputs[0].quantity) == (
        "circles", ["residents"], 960)

    # per stakeholder: the volunteers' own activities and outputs, not the residents' output
    volunteers = client.get(url(world, "parts/outputs/?stakeholder=volunteers")).content.decode()
    assert "Volunteers trained" in volunteers and "Circle meetings held" not in volunteers
    assert "training" in client.get(url(world, "parts/activities/?stakeholder=volunteers")).content.decode()
    assert "training" not in client.get(url(world, "parts/activities/?stakeholder=insurer")).content.decode()

    # one field through the form: a one-line diff, comments and number formatting kept
    before = world.programme.latest_version().text
    data = form_data(client, world, "parts/outputs/meetings/")
    assert data["stakeholders"] == ["residents"] and data["activity"] == "circles"
    data["quantity"] = "1000"
    assert client.post(url(world, "parts/outputs/meetings/"), data).status_code == 302
    after = world.programme.latest_version().text
    assert diff_lines(before, after) == ["-    quantity: 960", "+    quantity: 1000"], after
    data = form_data(client, world, "parts/activities/circles/")
    data["stakeholders"] = ["residents"]
    assert client.post(url(world, "parts/activities/circles/"), data).status_code == 302
    again = world.programme.latest_version().text
    assert diff_lines(after, again) == ["-    stakeholders: [residents, volunteers]", "+    stakeholders: [residents]"]
    data = form_data(client, world, "parts/outcomes/less_lonely/")
    assert data["outputs"] == []
    data["outputs"] = ["meetings"]
    assert client.post(url(world, "parts/outcomes/less_lonely/"), data).status_code == 302
    linked = world.programme.latest_version().text
    assert diff_lines(again, linked) == ["+    outputs: [meetings]"]
    assert "# Dutch MKBA rate" in linked and "size: 240," in linked and "240.0" not in linked

    # what still refers to a part keeps it: the core says why, nothing is saved
    count = world.programme.versions.count()
    page = html.unescape(client.post(url(world, "parts/activities/circles/remove/"), follow=True).content.decode())
    assert "unknown activity 'circles'" in page and world.programme.versions.count() == count
    for tail in ("outputs/trained", "activities/training"):
        assert client.post(url(world, f"parts/{tail}/remove/")).status_code == 302
    removed = diff_lines(linked, world.programme.latest_version().text)
    assert {"-  - id: training", "-  - id: trained"} <= set(removed) and all(x[0] == "-" for x in removed)


def test_activity_and_output_messages_in_english_and_dutch(client, world: World) -> None:
    editor(client, world)
    response = client.post(url(world, "parts/outputs/new/"), {"id": "x", "description": "Something"})
    assert response.status_code == 422 and "This field is required." in error_next_to(response.content.decode(),
                                                                                          "activity")
    response = client.post(url(world, "parts/activities/new/"), {"id": "x", "name": "X", "stakeholders": ["nobody"]})
    assert response.status_code == 422 and "nobody is not one of the available choices" in html.unescape(
        response.content.decode())
    client.post("/accounts/language/", {"language": "nl", "next": "/"})
    response = client.post(url(world, "parts/outputs/new/"), {"id": "x", "description": "Iets"})
    assert "Dit veld is verplicht." in html.unescape(response.content.decode())
    page = html.unescape(client.get(url(world, "parts/activities/new/")).content.decode())
    assert "Voor of met belanghebbenden" in page and "Gebruikt input" in page
    client.post(url(world, "parts/activities/new/"), {"id": "circles", "name": "Kringen"})
    client.post(url(world, "parts/outputs/new/"), {"id": "meetings", "activity": "circles", "description": "Bijeen"})
    page = html.unescape(client.post(url(world, "parts/activities/circles/remove/"), follow=True).content.decode())
    assert "onbekende activiteit 'circles'" in page


def test_two_editors_on_one_part_merge_field_by_field_or_redo(client, world: World) -> None:
    """Both open version N of an outcome; the first saves; the second's save is never a silent overwrite:
    different fields are merged (shown, saved only when confirmed), the same field shows both values."""
    from django.test import Client

    editor(client, world)
    other = Client()
    other.force_login(world.user("administrator", "own"))
    mine = form_data(client, world, "parts/outcomes/less_lonely/")
    theirs = form_data(other, world, "parts/outcomes/less_lonely/")
    start = world.programme.latest_version().number
    assert mine["base"] == str(start)
    theirs["attribution"] = "0.35"
    assert other.post(url(world, "parts/outcomes/less_lonely/"), theirs).status_code == 302
    mine["drop_off"] = "0.6"
    mine.update({"drop_off__low": "", "drop_off__high": ""})
    response = client.post(url(world, "parts/outcomes/less_lonely/"), mine)
    page = html.unescape(response.content.decode())
    assert response.status_code == 409 and world.programme.versions.count() == start + 1
    assert f"administrator-own saved version {start + 1} after version {start}" in page
    assert "<ins>+    attribution: {base: 0.35" in page  # their change, as a diff
    shown = dict(re.findall(r'<input type="number" name="(attribution|drop_off)" value="([^"]*)"', page))
    assert shown == {"attribution": "0.35", "drop_off": "0.6"}, shown
    assert re.search(rf'name="base" value="{start + 1}"', page)
    # confirming the merge saves both changes
    data = {**mine, "attribution": "0.35", "attribution__low": "", "attribution__high": "", "base": str(start + 1)}
    assert client.post(url(world, "parts/outcomes/less_lonely/"), data).status_code == 302
    outcome = next(o for o in latest(world)[1].outcomes if o.id == "less_lonely")
    assert outcome.drop_off == 0.6 and outcome.attribution == 0.35

    # the same field changed by both: both values are shown, nothing saved
    mine = form_data(client, world, "parts/outcomes/less_lonely/")
    theirs = form_data(other, world, "parts/outcomes/less_lonely/")
    theirs["duration"] = "5"
    theirs.update({"duration__low": "", "duration__high": ""})
    assert other.post(url(world, "parts/outcomes/less_lonely/"), theirs).status_code == 302
    mine.update({"duration": "4", "duration__low": "", "duration__high": ""})
    before = world.programme.versions.count()
    page = html.unescape(client.post(url(world, "parts/outcomes/less_lonely/"), mine).content.decode())
    assert world.programme.versions.count() == before and "changed the same fields" in page
    row = r'<th scope="row">Duration \(years\)</th><td data-label="Theirs:">5</td><td data-label="Yours:">4</td>'
    assert re.search(row, page), page[-3000:]

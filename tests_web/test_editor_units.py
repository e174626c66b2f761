"""The model editor's forms edit an outcome's unit `conversion` and a proxy's `unit_kind` (issue 9): saved in place
through the core's `apply_document`, so that changing one of them is a one-line diff of the user's YAML."""

from __future__ import annotations

import html

from impactlab.model import parse_model
from impactlab.model.edit import diff_lines
from tests_web.conftest import World
from tests_web.test_structured_editor import editor, error_next_to, form_data, url

OUTCOME = "parts/outcomes/less_lonely/"
CONVERSION = {"conversion__factor": "0.3", "conversion__to": "wellby-point-year",
              "conversion__source": "mean gain of 0.3 points, own survey"}


def outcome(world: World, name: str = "less_lonely"):
    return next(o for o in parse_model(world.programme.latest_version().text).outcomes if o.id == name)


def test_an_outcome_conversion_is_edited_in_the_form_as_one_line(client, world: World) -> None:
    editor(client, world)
    before = world.programme.latest_version().text
    data = form_data(client, world, OUTCOME)
    assert data["conversion__factor"] == data["conversion__to"] == data["conversion__source"] == ""
    response = client.post(url(world, OUTCOME), {**data, **CONVERSION})
    assert response.status_code == 302, response.content.decode()[:3000]
    after = world.programme.latest_version().text
    assert diff_lines(before, after) == [
        '+    conversion: {factor: 0.3, to: wellby-point-year, source: "mean gain of 0.3 points, own survey"}']
    assert after.index("conversion:") > after.index("proxy: wellby", after.index("id: less_lonely"))
    converted = outcome(world).conversion
    assert (converted.factor, converted.to, converted.source) == (0.3, "wellby-point-year",
                                                                  "mean gain of 0.3 points, own survey")
    # the form shows what the YAML holds; one part changed is one line changed
    data = form_data(client, world, OUTCOME)
    assert (data["conversion__factor"], data["conversion__to"]) == ("0.3", "wellby-point-year")
    assert client.post(url(world, OUTCOME), {**data, "conversion__factor": "0.4"}).status_code == 302
    assert diff_lines(after, world.programme.latest_version().text) == [
        '-    conversion: {factor: 0.3, to: wellby-point-year, source: "mean gain of 0.3 points, own survey"}',
        '+    conversion: {factor: 0.4, to: wellby-point-year, source: "mean gain of 0.3 points, own survey"}']
    # saved unchanged: no new text; all parts emptied: the conversion goes, and nothing else changes
    again = world.programme.latest_version().text
    assert client.post(url(world, OUTCOME), form_data(client, world, OUTCOME)).status_code == 302
    assert world.programme.latest_version().text == again
    empty = {k: "" for k in CONVERSION}
    assert client.post(url(world, OUTCOME), {**form_data(client, world, OUTCOME), **empty}).status_code == 302
    assert world.programme.latest_version().text == before and outcome(world).conversion is None
    # the list of outcomes and the YAML tab show it too
    assert client.post(url(world, OUTCOME), {**form_data(client, world, OUTCOME), **CONVERSION}).status_code == 302
    yaml_tab = html.unescape(client.get(url(world, "")).content.decode())
    assert "conversion: {factor: 0.3, to: wellby-point-year" in yaml_tab


def test_a_bad_conversion_shows_the_core_message_next_to_its_part(client, world: World) -> None:
    editor(client, world)
    count = world.programme.versions.count()
    cases = [({**CONVERSION, "conversion__factor": "-1"}, "conversion__factor",
              "a conversion factor must be more than 0, got -1"),
             ({**CONVERSION, "conversion__source": ""}, "conversion__source", "required")]
    for change, field, message in cases:
        response = client.post(url(world, OUTCOME), {**form_data(client, world, OUTCOME), **change})
        assert response.status_code == 422
        assert message in error_next_to(response.content.decode(), field)
    assert world.programme.versions.count() == count
    # a kind outside the core's list cannot be chosen
    response = client.post(url(world, OUTCOME), {**form_data(client, world, OUTCOME), **CONVERSION,
                                                 "conversion__to": "points"})
    assert response.status_code == 422
    assert "points is not one of the available choices" in error_next_to(response.content.decode(),
                                                                          "conversion__to")


def test_a_proxy_unit_kind_is_edited_in_the_form_as_one_line(client, world: World) -> None:
    editor(client, world)
    new = {"id": "coffee", "name": "A cup of coffee together", "value": "2.5", "unit": "cup", "price_year": "2025",
           "source": "menu"}
    assert client.post(url(world, "parts/proxies/new/"), new).status_code == 302
    before = world.programme.latest_version().text
    data = form_data(client, world, "parts/proxies/coffee/")
    assert data["unit_kind"] == ""
    assert client.post(url(world, "parts/proxies/coffee/"), {**data, "unit_kind": "visit"}).status_code == 302
    after = world.programme.latest_version().text
    line = "  - {id: coffee, name: A cup of coffee together, value: 2.5, unit: cup, price_year: 2025, source: menu}"
    with_kind = line.replace("unit: cup,", "unit: cup, unit_kind: visit,")
    assert diff_lines(before, after) == [f"-{line}", f"+{with_kind}"]  # the new proxy's one line (flow style)
    proxy = parse_model(after).proxies[0]
    assert (proxy.id, proxy.unit_kind) == ("coffee", "visit")
    assert form_data(client, world, "parts/proxies/coffee/")["unit_kind"] == "visit"
    data = {**form_data(client, world, "parts/proxies/coffee/"), "unit_kind": "event"}
    assert client.post(url(world, "parts/proxies/coffee/"), data).status_code == 302
    assert diff_lines(after, world.programme.latest_version().text) == [
        f"-{with_kind}", f"+{with_kind.replace('visit', 'event')}"]
    data = {**form_data(client, world, "parts/proxies/coffee/"), "unit_kind": ""}
    assert client.post(url(world, "parts/proxies/coffee/"), data).status_code == 302
    assert world.programme.latest_version().text == before
    # a proxy written in block style by hand: the kind is one added line, in the schema's place
    block = before.replace(f"{line}\n", "  - id: coffee\n    name: A cup of coffee together\n    value: 2.5\n"
                                          "    unit: cup  # per cup\n    price_year: 2025\n    source: menu\n")
    assert client.post(url(world, "save/"), {"text": block, "message": "by hand",
                                             "base": world.programme.latest_version().number}).status_code == 302
    data = {**form_data(client, world, "parts/proxies/coffee/"), "unit_kind": "visit"}
    assert client.post(url(world, "parts/proxies/coffee/"), data).status_code == 302
    assert diff_lines(block, world.programme.latest_version().text) == ["+    unit_kind: visit"]
    kept = "    unit: cup  # per cup\n    unit_kind: visit\n    price_year: 2025"
    assert kept in world.programme.latest_version().text
    # a kind outside the list is refused by the form itself
    response = client.post(url(world, "parts/proxies/coffee/"), {**data, "unit_kind": "cups"})
    assert response.status_code == 422 and "not one of the available choices" in error_next_to(
        response.content.decode(), "unit_kind")


def test_the_unit_fields_in_english_and_dutch(client, world: World) -> None:
    editor(client, world)
    page = html.unescape(client.get(url(world, OUTCOME)).content.decode())
    assert "Conversion (when the quantity counts another unit than the proxy values)" in page
    assert "Proxy units per unit of quantity" in page and '<option value="wellby-point-year">' in page
    assert "Unit kind" in html.unescape(client.get(url(world, "parts/proxies/new/")).content.decode())
    client.post("/accounts/language/", {"language": "nl", "next": "/"})
    page = html.unescape(client.get(url(world, OUTCOME)).content.decode())
    assert "Omrekening (als de hoeveelheid een andere eenheid telt dan de proxy waardeert)" in page
    assert "Proxy-eenheden per eenheid van de hoeveelheid" in page and "Bron van de factor" in page
    page = html.unescape(client.get(url(world, "parts/proxies/new/")).content.decode())
    assert "Soort eenheid" in page and "— (afgeleid van de eenheid)" in page

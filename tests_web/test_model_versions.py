"""Model versions: every save is a numbered version; any two compare as a YAML diff and key figures."""

from __future__ import annotations

import html
import re

import pytest

from impactlab.model import check_text
from impactlab.model.edit import diff_lines
from impactlab.model.examples import example_text
from impactlab_web.programmes import modelling
from tests_web.conftest import World


def test_versions_are_numbered_and_keep_text_and_figures(world: World) -> None:
    versions = list(world.programme.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].text == example_text("buurtcirkels")
    assert versions[0].figures["sroi_ratio"] > 0
    assert versions[0].document == check_text(versions[0].text).model.model_dump(mode="json")


def test_invalid_text_is_not_saved(world: World) -> None:
    with pytest.raises(modelling.InvalidModel) as caught:
        modelling.save_version(world.programme, "impactlab: 1\n", None)
    assert caught.value.report.errors == check_text("impactlab: 1\n", "model.yaml").errors
    assert world.programme.versions.count() == 2


def test_compare_two_versions(world: World) -> None:
    old, new = world.programme.versions.get(number=1), world.programme.versions.get(number=2)
    comparison = modelling.compare(old, new)
    assert "-    amount: 186000" in comparison.diff and "+    amount: 196000" in comparison.diff
    investment = next(f for f in comparison.figures if str(f.label) == "Investment (present value)")
    assert investment.delta == pytest.approx(10000)  # an input in year 0 is not discounted
    municipality = next(f for f in comparison.stakeholders if f.label == "Gemeente Venlo")
    assert municipality.delta == pytest.approx(-investment.delta)


def test_compare_page(client, world: World) -> None:
    client.force_login(world.user("administrator", "own"))
    page = client.get(f"/programmes/{world.programme.pk}/model/compare/", {"a": 1, "b": 2}).content.decode()
    assert "amount: 196000" in page and "<del>" in page and "<ins>" in page
    assert client.get(f"/programmes/{world.programme.pk}/model/compare/", {"a": 1, "b": 9}).status_code == 422


def test_two_editors_saving_the_same_version_never_lose_a_change(client, world: World) -> None:
    from django.test import Client

    anna, bert = client, Client()
    anna.force_login(world.user("administrator", "own"))
    bert.force_login(world.user("researcher", "own"))
    start = world.programme.latest_version()
    url = f"/programmes/{world.programme.pk}/model/"
    assert f'name="base" value="{start.number}"' in anna.get(url).content.decode()
    # both start from the same version; Bert saves first
    bert_text = start.text.replace("size: 240", "size: 250")
    assert bert.post(url + "save/", {"text": bert_text, "message": "bert", "base": start.number}).status_code == 302
    # Anna's save on the old version is not saved: the changes do not overlap, so she gets the merge to check
    anna_text = start.text.replace("attribution: 0.25", "attribution: 0.35")
    response = anna.post(url + "save/", {"text": anna_text, "message": "anna", "base": start.number})
    page = html.unescape(response.content.decode())
    assert response.status_code == 409 and world.programme.versions.count() == start.number + 1
    assert "+  - {id: residents, name: Participating residents, size: 250" in page  # Bert's change shown
    merged = re.search(r'<textarea name="text"[^>]*>(.*?)</textarea>', page, re.S).group(1).lstrip("\n")
    assert "size: 250" in merged and "attribution: 0.35" in merged
    assert f'name="base" value="{start.number + 1}"' in page
    assert anna.post(url + "save/", {"text": merged, "message": "anna", "base": start.number + 1}).status_code == 302
    final = world.programme.latest_version().text
    assert "size: 250" in final and "attribution: 0.35" in final
    # the same lines changed by both: nothing saved, both shown, Anna's text kept for her to redo
    clash = final.replace("attribution: 0.35", "attribution: 0.45")
    theirs = final.replace("attribution: 0.35", "attribution: 0.15")
    bert.post(url + "save/", {"text": theirs, "base": start.number + 2})
    response = anna.post(url + "save/", {"text": clash, "message": "anna again", "base": start.number + 2})
    page = html.unescape(response.content.decode())
    assert response.status_code == 409 and "Changed by both" in page and "attribution: 0.45" in page
    assert "attribution: 0.15" in world.programme.latest_version().text


def test_a_browser_s_line_ends_are_not_a_change(client, world: World) -> None:
    """A browser posts a textarea's lines ended by CR LF: the version keeps the file's LF, so the diff is the
    one line changed (and a merge with another save is possible)."""
    client.force_login(world.user("administrator", "own"))
    start = world.programme.latest_version()
    posted = start.text.replace("size: 240", "size: 250").replace("\n", "\r\n")
    url = f"/programmes/{world.programme.pk}/model/save/"
    assert client.post(url, {"text": posted, "base": start.number}).status_code == 302
    saved = world.programme.latest_version().text
    line = next(x for x in start.text.splitlines() if "size: 240" in x)
    assert "\r" not in saved and diff_lines(start.text, saved) == ["-" + line, "+" + line.replace("240", "250")]


def test_a_form_save_on_an_old_version_is_refused_and_names_the_newer_one(client, world: World) -> None:
    client.force_login(world.user("researcher", "own"))
    start = world.programme.latest_version()
    modelling.save_version(world.programme, start.text.replace("size: 240", "size: 250"), world.user(
        "administrator", "own"), "meanwhile", base=start.number)
    tail = f"/programmes/{world.programme.pk}/model/parts/stakeholders/volunteers/"
    data = {"id": "volunteers", "name": "Vrijwilligers", "size": "60", "category": "informal", "base": start.number}
    response = client.post(tail, data)
    assert response.status_code == 409 and "after version" in html.unescape(response.content.decode())
    assert world.programme.versions.count() == start.number + 1
    data["base"] = start.number + 1  # redo on the newer version
    assert client.post(tail, data).status_code == 302
    text = world.programme.latest_version().text
    assert "size: 250" in text and "name: Vrijwilligers" in text


def test_the_conflict_is_told_in_dutch(client, world: World) -> None:
    client.force_login(world.user("administrator", "own"))
    start = world.programme.latest_version()
    modelling.save_version(world.programme, start.text.replace("size: 240", "size: 250"), None, "x", base=start.number)
    client.post("/accounts/language/", {"language": "nl", "next": "/"})
    response = client.post(f"/programmes/{world.programme.pk}/model/save/",
                           {"text": start.text.replace("size: 240", "size: 260"), "base": start.number})
    page = html.unescape(response.content.decode())
    assert response.status_code == 409 and "Door beiden gewijzigd" in page and "iemand heeft versie" in page

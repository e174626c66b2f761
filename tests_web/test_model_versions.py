"""Model versions: every save is a numbered version; any two compare as a YAML diff and key figures."""

from __future__ import annotations

import pytest

from impactlab.model import check_text
from impactlab.model.examples import example_text
from impactlab_web import modelling
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

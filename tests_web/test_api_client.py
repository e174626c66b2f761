"""``impactlab.connect`` against a live server (pytest-django's live_server, real HTTP, no mocks): a researcher
pulls a programme's published model and figures into a notebook (issue 12)."""

from __future__ import annotations

import pytest

import impactlab
from impactlab.client import ApiError
from impactlab_web.api import tokens
from impactlab_web.api.models import Scope
from impactlab_web.organisations.models import Role
from impactlab_web.programmes import modelling
from tests_web.conftest import World


@pytest.fixture
def live_world(transactional_db, world: World, var_dir) -> World:
    modelling.publish(world.programme.versions.get(number=1), None)
    return world


def test_a_notebook_pulls_the_published_model_and_its_figures(live_server, live_world: World) -> None:
    world = live_world
    secret = tokens.make(world.user(Role.VIEWER, "own"), "notebook", [Scope.PROGRAMMES, Scope.DATA])[1]
    lab = impactlab.connect(live_server.url, secret)
    p = world.programme.pk
    assert [programme["id"] for programme in lab.programmes()] == [p]
    assert [v["number"] for v in lab.versions(p)] == [1]  # the draft (version 2) is the editors' only
    published = world.programme.versions.get(number=1)
    model = lab.model(p)
    assert isinstance(model, impactlab.ImpactModel)
    assert model == impactlab.parse_model(published.text)
    assert lab.model_text(p, 1) == published.text
    figures = lab.valuation(p)
    assert figures["sroi_ratio"] == pytest.approx(impactlab.value(model).sroi_ratio)
    outcomes = lab.outcomes(p)
    assert list(outcomes["outcome"]) == [o.id for o in model.outcomes]
    assert lab.aggregates(p)["min_cell"] == 10
    assert list(lab.aggregates_table(p).columns[:4]) == ["kind", "dataset", "instrument", "group"]
    with pytest.raises(ApiError) as refused:
        lab.valuation(world.other.pk)
    assert refused.value.status == 404 and refused.value.code == "not_found"
    with pytest.raises(ApiError) as scope:
        lab.questionnaires(p)
    assert scope.value.status == 403 and scope.value.code == "scope"


def test_a_revoked_token_and_plain_http_elsewhere_are_refused(live_server, live_world: World, monkeypatch) -> None:
    monkeypatch.delenv("IMPACTLAB_TOKEN", raising=False)
    token, secret = tokens.make(live_world.user(Role.RESEARCHER, "own"), "old", [Scope.PROGRAMMES])
    lab = impactlab.connect(live_server.url, secret)
    assert lab.programmes()
    tokens.revoke(token)
    with pytest.raises(ApiError) as refused:
        lab.programmes()
    assert refused.value.status == 401 and "token" in refused.value.message
    with pytest.raises(ValueError, match="https"):
        impactlab.connect("http://impact.example.nl", secret)
    with pytest.raises(ValueError, match="token"):
        impactlab.connect("https://impact.example.nl", "")

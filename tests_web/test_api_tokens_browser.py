"""Browser test in real Chromium (issue 12): a researcher makes a personal access token on their account page,
sees it once, pulls the published model into a notebook with it, and revokes it. Screenshots go to
var/screenshots/api-tokens-*.png."""

from __future__ import annotations

import pytest

import impactlab
from impactlab.client import ApiError
from impactlab.model.examples import example_text
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes import modelling
from impactlab_web.programmes.models import Programme
from tests_web.conftest import make_user, shot


def test_a_token_is_made_shown_once_used_and_revoked(page, live_server, var_dir) -> None:
    from playwright.sync_api import expect

    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    programme = Programme.objects.create(name="Buurtcirkels Venlo", lead=welfare)
    make_user("rob", Role.RESEARCHER, welfare)
    modelling.publish(modelling.save_version(programme, example_text("buurtcirkels"), None, "first"), None)
    tokens_page = live_server.url + "/accounts/tokens/"
    page.goto(tokens_page)
    page.get_by_label("Username").fill("rob")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(tokens_page)
    page.get_by_label("Name").fill("notebook")
    page.get_by_label("Valid for (days)").fill("30")
    page.get_by_role("button", name="Make the token").click()
    secret = page.get_by_test_id("new-token").inner_text()
    assert secret.startswith("ilp_")
    expect(page.get_by_test_id("token-notebook")).to_contain_text(secret[:12])
    shot(page, "api-tokens-01-made")

    lab = impactlab.connect(live_server.url, secret)
    assert lab.model(programme.pk) == impactlab.parse_model(example_text("buurtcirkels"))

    page.goto(tokens_page)
    expect(page.get_by_test_id("new-token")).to_have_count(0)  # shown once
    page.get_by_test_id("token-notebook").get_by_role("button", name="Revoke").click()
    expect(page.get_by_test_id("token-notebook")).to_contain_text("revoked")
    shot(page, "api-tokens-02-revoked")
    with pytest.raises(ApiError) as refused:
        lab.programmes()
    assert refused.value.status == 401

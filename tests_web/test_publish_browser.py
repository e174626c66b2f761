"""Browser test in real Chromium (issue 9): a viewer sees no figures of a draft; a researcher publishes the
version on the versions page (confirming), and the viewer then sees its figures. Screenshots go to
var/screenshots/publish-*.png."""

from __future__ import annotations

from django.urls import reverse

from impactlab.model.examples import example_text
from impactlab_web.core.templatetags.impactlab import ratio
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes import modelling
from impactlab_web.programmes.models import Programme
from tests_web.conftest import make_user, shot


def _login(page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()


def test_an_editor_publishes_and_a_viewer_then_sees_the_figures(page, browser, live_server) -> None:
    from playwright.sync_api import expect

    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    programme = Programme.objects.create(name="Buurtcirkels Venlo", lead=welfare)
    make_user("rob", Role.RESEARCHER, welfare)
    make_user("vera", Role.VIEWER, welfare)
    version = modelling.save_version(programme, example_text("buurtcirkels"), None, "first")
    overview = live_server.url + reverse("programmes:detail", kwargs={"programme": programme.pk})

    viewer = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB").new_page()
    _login(viewer, overview, "vera")
    viewer.goto(overview)
    expect(viewer.get_by_test_id("version-state")).to_contain_text("No published figures yet")
    expect(viewer.get_by_test_id("sroi")).to_have_count(0)
    shot(viewer, "publish-01-viewer-before")

    _login(page, live_server.url + reverse("editor:versions", kwargs={"programme": programme.pk}), "rob")
    page.goto(live_server.url + reverse("editor:versions", kwargs={"programme": programme.pk}))
    expect(page.get_by_test_id("state-1")).to_contain_text("draft")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("publish-1").click()
    expect(page.get_by_test_id("state-1")).to_contain_text("published")
    expect(page.get_by_test_id("published-version")).to_contain_text("figures of version 1")
    shot(page, "publish-02-editor-published")

    viewer.goto(overview)
    expect(viewer.get_by_test_id("sroi")).to_have_text(ratio(version.figures["sroi_ratio"]))
    expect(viewer.get_by_test_id("version-state")).to_contain_text("Published version 1")
    shot(viewer, "publish-03-viewer-after")
    viewer.context.close()

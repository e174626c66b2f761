"""Drafts and published model versions (issue 9): editors save drafts; partners, reviewers and viewers see the
figures of the published version only; a template's invented numbers never appear as results."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from impactlab.errors import UserError
from impactlab.model.examples import example_text
from impactlab_web.core import evidence
from impactlab_web.core.models import AuditEvent
from impactlab_web.core.templatetags.impactlab import ratio
from impactlab_web.organisations.models import Role
from impactlab_web.programmes import modelling
from impactlab_web.programmes.models import ImpactModelVersion, Programme
from impactlab_web.review import cycles, reporting, sharing
from impactlab_web.review.models import ReportVersion
from tests_web.conftest import World

# who sees only what is published: the partner's people, reviewers and viewers (not those who may edit)
OTHERS = [(Role.VIEWER, "own"), (Role.REVIEWER, "own"), (Role.PROFESSIONAL, "own"), (Role.VIEWER, "partner"),
          (Role.PROFESSIONAL, "partner"), (Role.REVIEWER, "partner")]
EDITORS = [(Role.ADMINISTRATOR, "own"), (Role.RESEARCHER, "own")]


def login(world: World, role: Role, scope: str = "own") -> Client:
    client = Client()
    client.force_login(world.user(role, scope))
    return client


@pytest.fixture
def drafted(world: World) -> tuple[ImpactModelVersion, ImpactModelVersion]:
    """Version 1 published by the lead's administrator; a newer draft with very different figures after it."""
    published = modelling.publish(world.programme.versions.get(number=1), world.user(Role.ADMINISTRATOR, "own"))
    text = world.programme.latest_version().text.replace("amount: 196000", "amount: 1960000")
    draft = modelling.save_version(world.programme, text, world.user(Role.RESEARCHER, "own"), "draft")
    assert ratio(published.figures["sroi_ratio"]) != ratio(draft.figures["sroi_ratio"])
    return published, draft


def test_others_see_the_published_figures_not_the_newer_draft(world: World, drafted) -> None:
    published, draft = drafted
    programme = world.programme
    for role, scope in OTHERS:
        user = world.user(role, scope)
        assert evidence.version_for(user, programme) == published, (role, scope)
        assert set(evidence.versions_for(user, programme)) == {published}, (role, scope)
        client = login(world, role, scope)
        page = client.get(reverse("programmes:detail", kwargs={"programme": programme.pk})).content.decode()
        assert f'data-testid="sroi">{ratio(published.figures["sroi_ratio"])}<' in page, (role, scope)
        assert ratio(draft.figures["sroi_ratio"]) not in page and "unpublished draft" not in page
        assert f"Published version {published.number}" in page
        editor = client.get(reverse("editor:edit", kwargs={"programme": programme.pk}))
        assert editor.context["version"] == published and "amount: 1960000" not in editor.content.decode()
        versions = client.get(reverse("editor:versions", kwargs={"programme": programme.pk})).content.decode()
        assert 'data-testid="state-1"' in versions and f'data-testid="state-{draft.number}"' not in versions
        assert "Publish this version" not in versions
        shown = {"programme": programme.pk, "number": draft.number}
        assert client.get(reverse("editor:version", kwargs=shown)).status_code == 404
        export = client.get(reverse("editor:export", kwargs={"programme": programme.pk}) + f"?version={draft.number}")
        assert export.status_code == 404
        latest = client.get(reverse("editor:export", kwargs={"programme": programme.pk}))
        assert latest.content.decode() == published.text
        compared = client.get(reverse("editor:compare", kwargs={"programme": programme.pk}),
                              {"a": published.number, "b": draft.number})
        assert compared.status_code == 422 and compared.context["comparison"] is None
        parts = client.get(reverse("editor:parts", kwargs={"programme": programme.pk, "section": "inputs"}))
        assert parts.context["version"] == published


def test_dashboard_figures_are_those_of_the_published_version(world: World, drafted) -> None:
    published, draft = drafted
    chart = reverse("dashboards:chart", kwargs={"programme": world.programme.pk, "chart": "waterfall"})
    for role, scope in [(Role.VIEWER, "own"), (Role.REVIEWER, "partner")]:
        response = login(world, role, scope).get(reverse("dashboards:index", kwargs={"programme": world.programme.pk}))
        assert response.status_code == 200 and response.context["version"] == published
        assert login(world, role, scope).get(chart).status_code == 200
    editor = login(world, Role.RESEARCHER).get(reverse("dashboards:index", kwargs={"programme": world.programme.pk}))
    assert editor.context["version"] == draft
    assert "is an unpublished draft: its figures are not results" in editor.content.decode()


def test_editors_see_the_latest_draft_clearly_labelled(world: World, drafted) -> None:
    published, draft = drafted
    for role, scope in EDITORS:
        assert evidence.version_for(world.user(role, scope), world.programme) == draft
        client = login(world, role, scope)
        page = client.get(reverse("programmes:detail", kwargs={"programme": world.programme.pk})).content.decode()
        assert f'data-testid="sroi">{ratio(draft.figures["sroi_ratio"])}<' in page
        assert f"Version {draft.number} is an unpublished draft: its figures are not results." in page
        versions = client.get(reverse("editor:versions", kwargs={"programme": world.programme.pk}))
        body = versions.content.decode()
        assert f"sees the figures of version {published.number}, the published version" in body
        assert f'data-testid="publish-{draft.number}"' in body and 'data-testid="publish-1"' not in body
        state = body.split(f'data-testid="state-{draft.number}">')[1].split("</td>")[0]
        assert ">draft<" in state
        editor = client.get(reverse("editor:edit", kwargs={"programme": world.programme.pk})).content.decode()
        assert "unpublished draft" in editor and "Publish this version" in editor


def test_publishing_is_permission_checked_and_audited(world: World, drafted) -> None:
    published, draft = drafted
    url = reverse("editor:publish", kwargs={"programme": world.programme.pk, "number": draft.number})
    for role, scope in OTHERS:
        assert login(world, role, scope).post(url).status_code == 403, (role, scope)
        with pytest.raises(PermissionDenied):
            modelling.publish(draft, world.user(role, scope))
    assert login(world, Role.ADMINISTRATOR, "foreign").post(url).status_code == 404
    draft.refresh_from_db()
    assert draft.is_draft and not AuditEvent.objects.filter(action="model.publish", object_id=str(draft.pk)).exists()

    researcher = world.user(Role.RESEARCHER, "own")
    response = login(world, Role.RESEARCHER).post(url)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert not draft.is_draft and draft.published_by == researcher
    event = AuditEvent.objects.get(action="model.publish", object_id=str(draft.pk))
    assert (event.username, event.programme_id, event.organisation_id, event.object_type) == (
        researcher.username, world.programme.pk, world.own.pk, "model_version")
    viewer = world.user(Role.VIEWER, "partner")
    assert evidence.version_for(viewer, world.programme) == draft
    assert login(world, Role.RESEARCHER).post(url).status_code == 302  # already the published one: nothing new
    assert AuditEvent.objects.filter(action="model.publish", object_id=str(draft.pk)).count() == 1
    assert login(world, Role.RESEARCHER).get(url).status_code == 405

    modelling.publish(published, world.user(Role.ADMINISTRATOR, "own"))  # going back: publish version 1 again
    assert evidence.version_for(viewer, world.programme) == published


def test_a_programme_from_the_template_shows_no_figures_to_a_viewer(world: World) -> None:
    admin = login(world, Role.ADMINISTRATOR)
    response = admin.post(reverse("programmes:create"), {"name": "Nieuw", "lead": world.own.pk})
    assert response.status_code == 302
    programme = Programme.objects.get(name="Nieuw")
    editor = admin.get(reverse("editor:edit", kwargs={"programme": programme.pk})).content.decode()
    assert "this is the blank template. Its figures are invented examples, not results." in editor
    template = example_text("template")
    saved = admin.post(reverse("editor:save", kwargs={"programme": programme.pk}),
                       {"text": template, "message": "from the template", "base": 0})
    assert saved.status_code == 302
    first = programme.latest_version()
    assert first.number == 1 and first.is_draft and first.figures.get("sroi_ratio") is not None

    for role, scope in [(Role.VIEWER, "own"), (Role.PROFESSIONAL, "own"), (Role.REVIEWER, "own")]:
        client = login(world, role, scope)
        assert evidence.version_for(world.user(role, scope), programme) is None
        page = client.get(reverse("programmes:detail", kwargs={"programme": programme.pk})).content.decode()
        assert "No published figures yet" in page and 'data-testid="sroi"' not in page
        editor = client.get(reverse("editor:edit", kwargs={"programme": programme.pk}))
        assert editor.context["form"].initial["text"] == "" and "figures" not in editor.context
        assert 'data-testid="sroi"' not in editor.content.decode()
        assert client.get(reverse("editor:version", kwargs={"programme": programme.pk, "number": 1})).status_code == 404
        assert client.get(reverse("editor:export", kwargs={"programme": programme.pk})).status_code == 302
        parts = client.get(reverse("editor:parts", kwargs={"programme": programme.pk, "section": "outcomes"}))
        assert parts.context["rows"] == [] and 'data-testid="sroi"' not in parts.content.decode()
        if role != Role.PROFESSIONAL:  # professionals do not see results at all
            dashboard = client.get(reverse("dashboards:index", kwargs={"programme": programme.pk}))
            assert dashboard.context["version"] is None and "No published figures yet" in dashboard.content.decode()
    cycle = cycles.create_cycle(programme, "first")
    with pytest.raises(cycles.CycleLocked):
        cycles.freeze(cycle)  # nothing published: nothing to freeze
    with pytest.raises(cycles.CycleLocked):
        cycles.freeze(cycle, first)  # a draft is never frozen


def test_reports_follow_the_version_their_maker_may_see(world: World, drafted) -> None:
    published, draft = drafted
    cycle = cycles.create_cycle(world.programme, "2025")
    by_viewer = reporting.request_report(cycle, "en", ["html"], world.user(Role.VIEWER, "partner"))
    assert by_viewer.model_version == published
    by_editor = reporting.request_report(cycle, "en", ["html"], world.user(Role.RESEARCHER, "own"))
    assert by_editor.model_version == draft and "DRAFT" in reporting._label(by_editor)
    assert "DRAFT" not in reporting._label(by_viewer)
    ReportVersion.objects.filter(pk__in=[by_viewer.pk, by_editor.pk]).update(status=ReportVersion.Status.READY)
    for report in (by_viewer, by_editor):
        report.refresh_from_db()
    with pytest.raises(UserError):
        sharing.share_with_role(by_editor)  # a draft's report never goes to the reviewers
    with pytest.raises(UserError):
        sharing.share_link(by_editor, "Gemma Gemeente")
    sharing.share_with_role(by_viewer)
    reviewer = world.user(Role.REVIEWER, "own")
    assert list(sharing.reports_for(reviewer, world.programme)) == [by_viewer]
    assert set(sharing.reports_for(world.user(Role.VIEWER, "own"), world.programme)) == {by_viewer}
    assert set(sharing.reports_for(world.user(Role.RESEARCHER, "own"), world.programme)) == {by_viewer, by_editor}
    shown = {"programme": world.programme.pk, "report": by_editor.pk}
    assert login(world, Role.VIEWER).get(reverse("review:report", kwargs=shown)).status_code == 404
    page = login(world, Role.RESEARCHER).get(reverse("review:report", kwargs=shown)).content.decode()
    assert "is an unpublished draft: its figures are not results" in page
    response = login(world, Role.RESEARCHER).post(reverse("review:share_create", kwargs=shown), {"kind": "role"})
    assert response.status_code == 302 and not by_editor.shares.exists()

    cycles.freeze(cycle)  # the published version, never the newer draft
    assert cycle.model_version == published
    with pytest.raises(cycles.CycleLocked):
        cycles.freeze(cycle, draft)


def _with_min_cell(text: str, n: int) -> str:
    return text.replace("valuation:\n", f"valuation:\n  min_cell: {n}\n", 1)


def test_the_disclosure_rule_is_the_strictest_of_draft_and_published(world: World, settings) -> None:
    """A draft that raises min_cell protects at once; one that lowers it waits until it is published."""
    settings.IMPACTLAB_MIN_CELL = 5
    editor = world.user(Role.RESEARCHER, "own")
    text = world.programme.latest_version().text
    modelling.publish(modelling.save_version(world.programme, _with_min_cell(text, 20), editor, "strict"), editor)
    assert evidence.policy_for(world.programme).min_cell == 20
    lower = modelling.save_version(world.programme, _with_min_cell(text, 8), editor, "lower")
    assert evidence.policy_for(world.programme).min_cell == 20
    assert evidence.policy_for(world.programme, lower).min_cell == 20
    modelling.publish(lower, editor)
    assert evidence.policy_for(world.programme).min_cell == 8
    modelling.save_version(world.programme, _with_min_cell(text, 30), editor, "stricter draft")
    assert evidence.policy_for(world.programme).min_cell == 30
    assert evidence.policy_for(world.programme, lower).min_cell == 30

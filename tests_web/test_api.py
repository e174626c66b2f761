"""The JSON API and personal access tokens (issue 12): tokens with scopes and expiry, made and revoked on the
account page, kept as a hash, audited; the web app's permissions, one version rule and disclosure rule."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone

from impactlab_web.api import tokens
from impactlab_web.api.models import AccessToken, Scope
from impactlab_web.core.models import AuditEvent
from impactlab_web.organisations.models import Role
from impactlab_web.programmes import modelling
from tests_web.conftest import World

ALL_SCOPES = list(Scope.values)


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def get(secret: str | None, url: str) -> tuple[int, object]:
    response = Client().get(url, **(bearer(secret) if secret else {}))
    assert response["Content-Type"].startswith(("application/json", "application/yaml")), response.content[:200]
    body = response.json() if response["Content-Type"].startswith("application/json") else response.content.decode()
    return response.status_code, body


@pytest.fixture
def researcher(world: World) -> str:
    return tokens.make(world.user(Role.RESEARCHER, "own"), "notebook", ALL_SCOPES)[1]


def test_a_token_is_shown_once_and_kept_only_as_a_hash(world: World) -> None:
    user = world.user(Role.RESEARCHER, "own")
    token, secret = tokens.make(user, "notebook", [Scope.PROGRAMMES], days=30)
    assert secret.startswith("ilp_") and len(secret) > 40
    stored = AccessToken.objects.get(pk=token.pk)
    assert secret not in (stored.digest, stored.prefix) and stored.digest == tokens.digest(secret)
    assert secret.startswith(stored.prefix)
    event = AuditEvent.objects.get(action="token.create")
    assert event.user == user and event.organisation == world.own and secret not in event.detail


def test_the_account_page_makes_a_token_shows_it_once_and_revokes_it(world: World) -> None:
    user = world.user(Role.VIEWER, "own")
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/tokens/", {"name": "Power BI", "scopes": [Scope.DATA], "days": 30})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret and secret in response.content.decode()
    assert secret not in client.get("/accounts/tokens/").content.decode()  # shown once
    token = AccessToken.objects.get(user=user)
    assert token.scopes == [Scope.DATA] and token.active
    assert client.post("/accounts/tokens/", {"name": "", "scopes": ["admin:all"], "days": 999}).status_code == 422
    other = Client()
    other.force_login(world.user(Role.ADMINISTRATOR, "own"))
    assert other.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404  # not theirs
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.active
    assert AuditEvent.objects.filter(action="token.revoke", user=user).count() == 1


def test_no_token_an_unknown_one_an_expired_one_and_a_revoked_one_answer_401(world: World) -> None:
    user = world.user(Role.RESEARCHER, "own")
    expired, expired_secret = tokens.make(user, "old", ALL_SCOPES)
    AccessToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    revoked, revoked_secret = tokens.make(user, "gone", ALL_SCOPES)
    tokens.revoke(revoked)
    for secret in (None, "ilp_nothing", expired_secret, revoked_secret):
        status, body = get(secret, "/api/v1/programmes")
        assert status == 401, secret
        assert body["error"] == "unauthenticated" and "token" in body["message"]
    user.is_active = False
    user.save()
    live = tokens.make(user, "deactivated", ALL_SCOPES)[1]
    assert get(live, "/api/v1/programmes")[0] == 401


def test_a_session_is_not_a_token(world: World) -> None:
    """The API is signed in by tokens only: a browser session (cookie) gets 401, not someone's data."""
    client = Client()
    client.force_login(world.user(Role.ADMINISTRATOR, "own"))
    assert client.get("/api/v1/programmes").status_code == 401


def test_programmes_lists_only_those_with_a_role(world: World, researcher: str) -> None:
    status, body = get(researcher, "/api/v1/programmes")
    assert status == 200
    assert [p["name"] for p in body] == ["Circles"]
    foreign = tokens.make(world.user(Role.ADMINISTRATOR, "foreign"), "x", ALL_SCOPES)[1]
    assert [p["name"] for p in get(foreign, "/api/v1/programmes")[1]] == ["Elsewhere"]


def test_another_organisations_programme_is_404_and_a_role_without_the_action_403(world: World) -> None:
    foreign = tokens.make(world.user(Role.ADMINISTRATOR, "foreign"), "x", ALL_SCOPES)[1]
    status, body = get(foreign, f"/api/v1/programmes/{world.programme.pk}/model")
    assert status == 404 and body["error"] == "not_found"
    assert "Circles" not in str(body)
    assert get(foreign, "/api/v1/programmes/999999")[0] == 404
    professional = tokens.make(world.user(Role.PROFESSIONAL, "own"), "x", ALL_SCOPES)[1]
    status, body = get(professional, f"/api/v1/programmes/{world.programme.pk}/valuation")
    assert status == 403 and body["error"] == "forbidden"


def test_a_token_without_the_scope_is_refused(world: World) -> None:
    secret = tokens.make(world.user(Role.ADMINISTRATOR, "own"), "data only", [Scope.DATA])[1]
    status, body = get(secret, f"/api/v1/programmes/{world.programme.pk}/model")
    assert status == 403 and body["error"] == "scope" and "programmes:read" in body["message"]
    assert get(secret, "/api/v1/programmes")[0] == 403


def test_model_versions_follow_the_one_version_rule(world: World) -> None:
    """Editors see the latest draft; a viewer sees only what was published (evidence.version_for)."""
    p = world.programme.pk
    editor = tokens.make(world.user(Role.RESEARCHER, "own"), "x", ALL_SCOPES)[1]
    viewer = tokens.make(world.user(Role.VIEWER, "own"), "x", ALL_SCOPES)[1]
    assert [v["number"] for v in get(editor, f"/api/v1/programmes/{p}/versions")[1]] == [1, 2]
    assert get(viewer, f"/api/v1/programmes/{p}/versions") == (200, [])
    status, body = get(viewer, f"/api/v1/programmes/{p}/model")
    assert status == 404 and body["error"] == "no_version"
    assert get(viewer, f"/api/v1/programmes/{p}/versions/2")[0] == 404
    modelling.publish(world.programme.versions.get(number=1), None)
    status, body = get(viewer, f"/api/v1/programmes/{p}/model")
    assert status == 200 and body["number"] == 1 and not body["draft"] and "amount: 186000" in body["yaml"]
    assert get(editor, f"/api/v1/programmes/{p}/model")[1]["number"] == 2
    status, text = get(viewer, f"/api/v1/programmes/{p}/versions/1/model.yaml")
    assert status == 200 and text == world.programme.versions.get(number=1).text
    assert get(viewer, f"/api/v1/programmes/{p}/versions/2/model.yaml")[0] == 404


def test_errors_speak_the_persons_language(world: World) -> None:
    user = world.user(Role.PROFESSIONAL, "own")
    user.profile.language = "nl"
    user.profile.save()
    secret = tokens.make(user, "x", ALL_SCOPES)[1]
    status, body = get(secret, f"/api/v1/programmes/{world.programme.pk}/valuation")
    assert status == 403 and "rollen" in body["message"]
    status, body = get(secret, "/api/v1/programmes/not-a-number")
    assert status == 404 and body["error"] == "not_found"


def test_the_schema_is_openapi_and_lists_every_operation(world: World) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {"/api/v1/programmes", "/api/v1/programmes/{programme}/model",
            "/api/v1/programmes/{programme}/versions/{number}/model.yaml"} <= paths
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_calls_are_rate_limited_per_person(world: World, settings) -> None:
    settings.IMPACTLAB_RATE_LIMITS = {"api": "3/60"}
    user = world.user(Role.RESEARCHER, "own")
    first, second = tokens.make(user, "a", ALL_SCOPES)[1], tokens.make(user, "b", ALL_SCOPES)[1]
    assert [get(s, "/api/v1/programmes")[0] for s in (first, second, first)] == [200, 200, 200]
    response = Client().get("/api/v1/programmes", **bearer(second))
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert response.json()["error"] == "rate_limited"
    other = tokens.make(world.user(Role.VIEWER, "own"), "c", ALL_SCOPES)[1]
    assert get(other, "/api/v1/programmes")[0] == 200


# ------------------------------------------------------------------------------------ data and aggregates
def test_datasets_are_those_the_person_may_use(world: World) -> None:
    p = world.programme.pk
    own = tokens.make(world.user(Role.RESEARCHER, "own"), "x", ALL_SCOPES)[1]
    partner = tokens.make(world.user(Role.RESEARCHER, "partner"), "x", ALL_SCOPES)[1]
    status, body = get(own, f"/api/v1/programmes/{p}/datasets")
    assert status == 200 and [d["snapshot_id"] for d in body] == [world.dataset.snapshot_id]
    assert get(partner, f"/api/v1/programmes/{p}/datasets") == (200, [])  # not shared with them
    assert get(partner, f"/api/v1/programmes/{p}/datasets/{world.dataset.pk}")[0] == 404
    events = AuditEvent.objects.filter(action="dataset.view").count()
    status, body = get(own, f"/api/v1/programmes/{p}/datasets/{world.dataset.pk}")
    assert status == 200 and body["rows"] == 240
    assert AuditEvent.objects.filter(action="dataset.view").count() == events + 1


def test_a_shared_dataset_is_usable_while_the_agreement_is_active(world: World, shared) -> None:
    p = world.programme.pk
    partner = tokens.make(world.user(Role.RESEARCHER, "partner"), "x", ALL_SCOPES)[1]
    assert [d["id"] for d in get(partner, f"/api/v1/programmes/{p}/datasets")[1]] == [world.dataset.pk]
    shared.withdrawn_at = timezone.now()
    shared.save()
    assert get(partner, f"/api/v1/programmes/{p}/datasets") == (200, [])


def test_aggregates_pass_disclosure_control_and_equal_the_dashboards(world: World, var_dir, tmp_path) -> None:
    from impactlab_web.core import evidence
    from impactlab_web.dashboards import figures
    from tests_web.test_dashboards import SURVEY, _import, _small_group_survey

    record = _import(world, _small_group_survey(tmp_path), "enquete", SURVEY)
    p = world.programme.pk
    researcher = world.user(Role.RESEARCHER, "own")
    status, body = get(tokens.make(researcher, "x", [Scope.DATA])[1], f"/api/v1/programmes/{p}/aggregates")
    assert status == 200 and body["min_cell"] == 10
    [change] = body["change"]
    assert change["dataset"] == "enquete" and change["snapshots"] == [record.snapshot_id]
    version = evidence.version_for(researcher, world.programme)
    sets, _registrations = figures.evidence_sets([record])
    expected = figures.change(sets[0], figures.model_of(version), evidence.policy_for(world.programme, version))
    assert change["result"]["change"]["n_pairs"] == expected["change"]["n_pairs"]
    small = next(g for g in change["result"]["change"]["groups"] if g["group"] == "Klein")
    assert small["suppressed"] and small["n_pairs"] is None and small["mean_change"] is None
    # the same as one table for Excel and Power BI: the suppressed group's figures are empty cells
    response = Client().get(f"/api/v1/programmes/{p}/aggregates.csv", **bearer(tokens.make(researcher, "x",
                                                                                          [Scope.DATA])[1]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    overall = next(r for r in table if r["kind"] == "change" and not r["group"])
    assert int(overall["n_pairs"]) == expected["change"]["n_pairs"]
    klein = next(r for r in table if r["group"] == "Klein")
    assert klein["suppressed"] == "True" and klein["n_pairs"] == "" and klein["mean_change"] == ""
    # a partner's researcher without an agreement gets no aggregate of the dataset
    partner = tokens.make(world.user(Role.RESEARCHER, "partner"), "x", [Scope.DATA])[1]
    modelling.publish(world.programme.latest_version(), None)
    assert get(partner, f"/api/v1/programmes/{p}/aggregates")[1]["change"] == []


def test_the_valuation_is_the_dashboards(world: World, var_dir) -> None:
    from impactlab import parse_model, simulate, value
    from impactlab_web.jobs.runner import run_pending

    viewer = tokens.make(world.user(Role.VIEWER, "own"), "x", [Scope.PROGRAMMES])[1]
    p = world.programme.pk
    assert get(viewer, f"/api/v1/programmes/{p}/valuation")[0] == 404  # nothing published yet
    first = world.programme.versions.get(number=1)
    modelling.publish(first, None)
    status, body = get(viewer, f"/api/v1/programmes/{p}/valuation")
    assert status == 200 and body["version"] == 1 and not body["draft"]
    expected = value(parse_model(first.text))
    assert body["valuation"]["sroi_ratio"] == pytest.approx(expected.sroi_ratio)
    assert [s["id"] for s in body["valuation"]["stakeholders"]] == [s.id for s in expected.stakeholders]
    assert body["simulation"]["status"] == "running" and body["simulation"]["summary"] is None
    run_pending()  # the dashboard's simulation job, queued by the first call
    simulation = get(viewer, f"/api/v1/programmes/{p}/valuation")[1]["simulation"]
    assert simulation["status"] == "done"
    summary = simulate(parse_model(first.text), draws=simulation["draws"], seed=simulation["seed"]).sroi_ratio
    assert simulation["summary"]["sroi_ratio"]["p5"] == pytest.approx(summary.p5)


# ------------------------------------------------------------------------------------------- responses
def test_responses_are_for_those_who_may_export_them_pseudonymised_and_audited(world: World, var_dir) -> None:
    from impactlab.fieldwork.tokens import new_respondent_key
    from impactlab_web.fieldwork import service
    from impactlab_web.fieldwork import testing as fieldwork
    from tests_web.test_fieldwork import DJG

    questionnaire = fieldwork._made(world)["questionnaire"]
    wave = fieldwork._made(world)["wave"]
    keys = [new_respondent_key() for _ in range(2)]
    for key in keys:
        service.submit(wave, key, {"alone": "1", **DJG})
    url = f"/api/v1/programmes/{world.programme.pk}/questionnaires/{questionnaire.pk}/responses"
    researcher = tokens.make(world.user(Role.RESEARCHER, "own"), "x", [Scope.RESPONSES])[1]
    status, body = get(researcher, url)
    assert status == 200 and body["count"] == 2 and body["columns"][:2] == ["respondent", "wave"]
    assert "djg-6" in body["columns"] and {r["wave"] for r in body["rows"]} == {"T0"}
    assert set(r["respondent"] for r in body["rows"]).isdisjoint(keys) and not any(k in str(body) for k in keys)
    event = AuditEvent.objects.get(action="responses.export")
    assert event.user == world.user(Role.RESEARCHER, "own") and '"via": "api"' in event.detail
    assert get(researcher, url + "?wave=T0")[1]["count"] == 2
    assert get(researcher, url + "?wave=T9")[0] == 404
    professional = tokens.make(world.user(Role.PROFESSIONAL, "own"), "x", ALL_SCOPES)[1]
    assert get(professional, url)[0] == 403  # may see questionnaires, not export their responses
    assert get(professional, f"/api/v1/programmes/{world.programme.pk}/questionnaires")[0] == 200
    without = tokens.make(world.user(Role.RESEARCHER, "own"), "x", [Scope.PROGRAMMES, Scope.DATA])[1]
    assert get(without, url)[1]["error"] == "scope"
    foreign = tokens.make(world.user(Role.ADMINISTRATOR, "foreign"), "x", ALL_SCOPES)[1]
    assert get(foreign, url)[0] == 404


def test_nothing_answers_html_or_500(world: World, researcher: str) -> None:
    p = world.programme.pk
    for path in ("/api/v1/nothing", "/api/v2/programmes", f"/api/v1/programmes/{p}/versions/x",
                 f"/api/v1/programmes/{p}/questionnaires/999/responses", f"/api/v1/programmes/{p}/datasets/999"):
        status, body = get(researcher, path)
        assert status == 404 and body["error"] == "not_found", path
    response = Client().post("/api/v1/programmes", **bearer(researcher))
    assert response.status_code == 405 and response.json()["error"] == "method" and response["Allow"] == "GET"


def test_an_unexpected_failure_is_a_logged_json_answer_not_an_error_page(world: World, researcher: str,
                                                                          monkeypatch, caplog) -> None:
    from impactlab_web.api import api as api_module

    def broken(user):
        raise RuntimeError("a bug")

    monkeypatch.setattr(api_module.permissions, "visible_programmes", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/programmes", **bearer(researcher))
    assert response.status_code == 500 and response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "internal" and "a bug" not in response.content.decode()
    assert "API GET /api/v1/programmes failed" in caplog.text

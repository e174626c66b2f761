"""The authorisation matrix, built from the URL configuration: every URL × role × organisation scope.

A URL without a declared expectation fails the test, so every new URL must say who may use it.
Scopes: `own` (a role in the programme's lead organisation), `partner` (a role in a partner organisation,
the dataset not shared with it), `foreign` (a role in an unrelated organisation), and anonymous visitors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from impactlab_web.api import tokens
from impactlab_web.api.models import Scope
from impactlab_web.core.models import AuditEvent
from impactlab_web.core.permissions import CREATOR, JOB_KINDS, POLICY, Action, can, requires
from impactlab_web.organisations.models import Role
from impactlab_web.programmes import modelling
from tests_web import dashboards_matrix as dash
from tests_web.conftest import SCOPES, World
from tests_web.url_arguments import ARGUMENTS

Rule = Callable[[Role | None, str], int]
ALL = frozenset(Role)
EDITORS = frozenset({Role.ADMINISTRATOR, Role.RESEARCHER})
DATA = frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL})


def in_programme(allowed: frozenset[Role], ok: int = 200) -> Rule:
    """Programme pages: login first; foreign organisations get 404; roles without the action get 403."""
    def rule(role: Role | None, scope: str) -> int:
        if role is None:
            return 302
        if scope == "foreign":
            return 404
        return ok if role in allowed else 403
    return rule


def api_in(allowed: frozenset[Role], ok: int = 200) -> Rule:
    """The JSON API: a token, not a session (401 without one); otherwise the programme pages' own rule."""
    pages = in_programme(allowed, ok)
    return lambda role, scope: 401 if role is None else pages(role, scope)


def everyone(ok: int) -> Rule:
    return lambda role, scope: 302 if role is None else ok


def dataset_detail(role: Role | None, scope: str) -> int:
    """Only the owner organisation's data roles see an unshared dataset; partners get 404, as foreigners do."""
    if role is None:
        return 302
    if scope == "foreign":
        return 404
    if role not in DATA:
        return 403
    return 200 if scope == "own" else 404


def owner_admin(ok: int) -> Rule:
    """Removing data (right to erasure): administrators of the organisation that owns data in the programme;
    a partner's administrator (owning none there) gets 403, as every other role does."""
    def rule(role: Role | None, scope: str) -> int:
        if role is None:
            return 302
        if scope == "foreign":
            return 404
        return ok if (role, scope) == (Role.ADMINISTRATOR, "own") else 403
    return rule


def own_entry(ok: int) -> Rule:
    """A registration recorded by the own organisation's professional: only they may open it; others get 404."""
    def rule(role: Role | None, scope: str) -> int:
        if role is None:
            return 302
        if scope == "foreign":
            return 404
        if role not in DATA:
            return 403
        return ok if (role, scope) == (Role.PROFESSIONAL, "own") else 404
    return rule


def organisation_admin(ok: int) -> Rule:
    """The people pages of the own organisation: its administrators only; other organisations' people get 404."""
    def rule(role: Role | None, scope: str) -> int:
        if role is None:
            return 302
        if scope != "own":
            return 404
        return ok if role == Role.ADMINISTRATOR else 403
    return rule


def lead_admin(ok: int) -> Rule:
    """The programme itself (settings, partners, archive, delete): the lead organisation's administrators only;
    a partner's administrator gets 403, other organisations 404."""
    def rule(role: Role | None, scope: str) -> int:
        if role is None:
            return 302
        if scope == "foreign":
            return 404
        return ok if (role, scope) == (Role.ADMINISTRATOR, "own") else 403
    return rule


def partner_admin(ok: int) -> Rule:
    """Leaving a programme: the administrators of an accepted partner organisation only."""
    def rule(role: Role | None, scope: str) -> int:
        if role is None:
            return 302
        if scope == "foreign":
            return 404
        return ok if (role, scope) == (Role.ADMINISTRATOR, "partner") else 403
    return rule


def any_admin(ok: int) -> Rule:
    """Answering partnership invitations: administrators of any organisation (only what is addressed to them)."""
    return lambda role, scope: 302 if role is None else (ok if role == Role.ADMINISTRATOR else 403)


# downloads that hold no personal data, so they write no audit event (every other download must: test_matrix)
NOT_PERSONAL = {
    "editor:export": "the impact model as YAML: assumptions and figures, no respondent",
    "fieldwork:export_yaml": "a questionnaire's questions, no answers",
}

EXPECT: dict[tuple[str, str], Rule] = {
    ("people:list", "GET"): organisation_admin(200),
    ("people:list", "POST"): organisation_admin(422),  # an empty invitation: errors next to the fields
    ("people:person", "GET"): organisation_admin(200),
    ("people:person", "POST"): organisation_admin(422),  # no role at all is refused
    ("people:remove", "GET"): organisation_admin(405),
    ("people:remove", "POST"): organisation_admin(302),
    ("people:active", "GET"): organisation_admin(405),
    ("people:active", "POST"): organisation_admin(302),
    ("people:two_factor_reset", "GET"): organisation_admin(405),
    ("people:two_factor_reset", "POST"): organisation_admin(302),
    ("people:two_factor_rule", "GET"): organisation_admin(405),
    ("people:two_factor_rule", "POST"): organisation_admin(302),
    ("people:resend", "GET"): organisation_admin(405),
    ("people:resend", "POST"): organisation_admin(302),
    ("people:cancel", "GET"): organisation_admin(405),
    ("people:cancel", "POST"): organisation_admin(302),
    ("people:audit", "GET"): organisation_admin(200),
    ("people:audit", "POST"): organisation_admin(405),
    ("people:audit_export", "GET"): organisation_admin(200),
    ("people:audit_export", "POST"): organisation_admin(405),
    ("people:accept", "GET"): lambda role, scope: 200,
    ("people:accept", "POST"): lambda role, scope: 422,  # anonymous: empty form; signed in: another address
    ("health", "GET"): lambda role, scope: 200,
    ("accounts:login", "GET"): lambda role, scope: 200 if role is None else 302,
    ("accounts:oidc_start", "GET"): lambda role, scope: 404,  # single sign-on is off unless configured
    ("accounts:oidc_start", "POST"): lambda role, scope: 404,
    ("accounts:oidc_callback", "GET"): lambda role, scope: 404,
    ("accounts:oidc_callback", "POST"): lambda role, scope: 404,
    ("accounts:logout", "GET"): everyone(405),
    ("accounts:logout", "POST"): lambda role, scope: 302,
    ("accounts:language", "GET"): everyone(405),
    ("accounts:language", "POST"): everyone(302),
    ("notifications:list", "GET"): everyone(200),
    ("notifications:open", "GET"): everyone(405),
    ("notifications:open", "POST"): everyone(404),  # the test notification is nobody's own
    ("notifications:read_all", "GET"): everyone(405),
    ("notifications:read_all", "POST"): everyone(302),
    ("accounts:profile", "GET"): everyone(200),
    ("accounts:profile", "POST"): everyone(422),  # no e-mail address
    ("accounts:email_resend", "GET"): everyone(405),
    ("accounts:email_resend", "POST"): everyone(302),  # none waiting: back to the profile with a message
    ("accounts:email_cancel", "GET"): everyone(405),
    ("accounts:email_cancel", "POST"): everyone(302),
    ("accounts:email_confirm", "GET"): everyone(200),  # "this link does not work"
    ("accounts:email_confirm", "POST"): everyone(302),  # refused: back to the profile with a message
    ("accounts:password_change", "GET"): everyone(200),
    ("accounts:password_change", "POST"): everyone(422),
    ("accounts:password_reset", "GET"): lambda role, scope: 200,
    ("accounts:password_reset", "POST"): lambda role, scope: 422,
    ("accounts:password_reset_done", "GET"): lambda role, scope: 200,
    ("accounts:password_reset_confirm", "GET"): lambda role, scope: 200,  # "this link does not work any more"
    ("accounts:password_reset_confirm", "POST"): lambda role, scope: 200,
    ("accounts:password_reset_complete", "GET"): lambda role, scope: 200,
    ("accounts:two_factor_setup", "GET"): everyone(200),
    ("accounts:two_factor_setup", "POST"): everyone(422),
    ("accounts:verify", "GET"): everyone(302),  # no second factor: on to where the user was going
    ("accounts:verify", "POST"): everyone(302),
    ("accounts:two_factor_disable", "GET"): everyone(405),
    ("accounts:two_factor_disable", "POST"): everyone(302),
    ("accounts:sessions", "GET"): everyone(200),
    ("accounts:session_end", "GET"): everyone(405),
    ("accounts:session_end", "POST"): everyone(302),
    ("programmes:home", "GET"): everyone(200),
    ("programmes:create", "GET"): lambda role, scope: 302 if role is None else (200 if role in EDITORS else 403),
    ("programmes:detail", "GET"): in_programme(ALL),
    ("programmes:theory_of_change", "GET"): in_programme(ALL),
    ("programmes:settings", "GET"): lead_admin(200),
    ("programmes:settings", "POST"): lead_admin(422),  # no name
    ("programmes:archive", "GET"): lead_admin(405),
    ("programmes:archive", "POST"): lead_admin(302),
    ("programmes:unarchive", "GET"): lead_admin(405),
    ("programmes:unarchive", "POST"): lead_admin(302),
    ("programmes:delete", "GET"): lead_admin(200),
    ("programmes:delete", "POST"): lead_admin(422),  # the name not typed: nothing deleted
    ("partners:list", "GET"): lead_admin(200),
    ("partners:invite", "GET"): lead_admin(405),
    ("partners:invite", "POST"): lead_admin(422),  # no address
    ("partners:code", "GET"): lead_admin(405),
    ("partners:code", "POST"): lead_admin(200),  # the new code, shown once
    ("partners:end", "GET"): lead_admin(405),
    ("partners:end", "POST"): lead_admin(302),  # the test invitation withdrawn
    ("partners:leave", "GET"): partner_admin(200),
    ("partners:leave", "POST"): partner_admin(422),  # not confirmed: the partner stays
    ("partners:inbox", "GET"): any_admin(200),
    ("partners:redeem", "GET"): any_admin(200),
    ("partners:redeem", "POST"): any_admin(422),
    ("partners:accept", "GET"): any_admin(405),
    ("partners:accept", "POST"): any_admin(404),  # the test invitation is addressed to nobody in the world
    ("partners:decline", "GET"): any_admin(405),
    ("partners:decline", "POST"): any_admin(404),
    ("editor:edit", "GET"): in_programme(ALL),
    ("editor:save", "GET"): in_programme(EDITORS, ok=405),
    ("editor:save", "POST"): in_programme(EDITORS, ok=422),  # an empty form: errors next to the field
    ("editor:check", "GET"): in_programme(ALL, ok=405),
    ("editor:check", "POST"): in_programme(ALL),
    ("editor:check_status", "GET"): in_programme(ALL, ok=404),  # one's own background checks only
    ("editor:import", "GET"): in_programme(EDITORS),
    ("editor:import", "POST"): in_programme(EDITORS, ok=422),
    ("editor:export", "GET"): in_programme(ALL),
    ("editor:versions", "GET"): in_programme(ALL),
    ("editor:version", "GET"): in_programme(ALL),
    ("editor:publish", "GET"): in_programme(EDITORS, ok=405),
    ("editor:publish", "POST"): in_programme(EDITORS, ok=302),  # published (audited): back to the versions
    ("editor:compare", "GET"): in_programme(ALL),
    ("editor:settings", "GET"): in_programme(EDITORS),
    ("editor:settings", "POST"): in_programme(EDITORS, ok=422),  # an empty form: errors next to the fields
    ("editor:proxy_search", "GET"): in_programme(ALL),
    ("editor:parts", "GET"): in_programme(ALL),
    ("editor:part_new", "GET"): in_programme(EDITORS),
    ("editor:part_new", "POST"): in_programme(EDITORS, ok=422),
    ("editor:part_edit", "GET"): in_programme(EDITORS),
    ("editor:part_edit", "POST"): in_programme(EDITORS, ok=422),
    ("editor:part_remove", "GET"): in_programme(EDITORS, ok=405),
    ("editor:part_remove", "POST"): in_programme(EDITORS, ok=302),  # removed (or already gone): back to the list
    ("data:list", "GET"): in_programme(DATA),
    ("data:detail", "GET"): dataset_detail,
    ("data:delete_snapshot", "GET"): dash.dataset_admin(200),  # what used it, and the confirmation
    ("data:delete_snapshot", "POST"): dash.dataset_admin(422),  # the name not typed: nothing deleted
    ("data:delete_dataset", "GET"): dash.dataset_admin(200),
    ("data:delete_dataset", "POST"): dash.dataset_admin(422),
    ("data:erasure", "GET"): owner_admin(200),
    ("data:erasure", "POST"): owner_admin(422),  # no id given
    ("jobs:status", "GET"): in_programme(ALL),
    ("fieldwork:questionnaires", "GET"): in_programme(DATA),
    ("fieldwork:create", "GET"): in_programme(EDITORS),
    ("fieldwork:create", "POST"): in_programme(EDITORS, ok=422),
    ("fieldwork:import_xlsform", "GET"): in_programme(EDITORS),
    ("fieldwork:import_xlsform", "POST"): in_programme(EDITORS, ok=422),
    ("fieldwork:questionnaire", "GET"): in_programme(DATA),
    ("fieldwork:add_question", "GET"): in_programme(EDITORS, ok=405),
    ("fieldwork:add_question", "POST"): in_programme(EDITORS, ok=422),
    ("fieldwork:add_instrument", "GET"): in_programme(EDITORS, ok=405),
    ("fieldwork:add_instrument", "POST"): in_programme(EDITORS, ok=422),
    ("fieldwork:remove_item", "GET"): in_programme(EDITORS, ok=405),
    ("fieldwork:remove_item", "POST"): in_programme(EDITORS, ok=422),
    ("fieldwork:export_yaml", "GET"): in_programme(DATA),
    ("fieldwork:add_wave", "GET"): in_programme(EDITORS, ok=405),
    ("fieldwork:add_wave", "POST"): in_programme(EDITORS, ok=422),
    ("fieldwork:links", "GET"): in_programme(EDITORS),
    ("fieldwork:links", "POST"): in_programme(EDITORS, ok=422),
    ("fieldwork:revoke_links", "GET"): in_programme(EDITORS, ok=405),
    ("fieldwork:revoke_links", "POST"): in_programme(EDITORS, ok=422),  # no links pasted: nothing revoked
    ("fieldwork:close_wave", "GET"): in_programme(EDITORS, ok=405),
    ("fieldwork:close_wave", "POST"): in_programme(EDITORS, ok=302),  # closed: back to the questionnaire
    ("fieldwork:start_visit", "GET"): in_programme(DATA),
    ("fieldwork:start_visit", "POST"): in_programme(DATA, ok=302),  # a new respondent: on to the visit form
    ("fieldwork:export_wave", "GET"): in_programme(EDITORS, ok=405),
    ("fieldwork:export_wave", "POST"): in_programme(EDITORS, ok=302),  # queued: back to the questionnaire
    ("fieldwork:visit", "GET"): in_programme(DATA),
    ("fieldwork:visit", "POST"): in_programme(DATA, ok=422),  # required answers missing: nothing stored
    ("fieldwork:respond", "GET"): lambda role, scope: 200,  # public: the wave link is the key
    ("fieldwork:respond", "POST"): lambda role, scope: 422,
    ("fieldwork:registrations", "GET"): in_programme(DATA),
    ("fieldwork:registrations", "POST"): in_programme(DATA, ok=422),
    ("fieldwork:edit_registration", "GET"): own_entry(200),  # one's own entries only (own caseload)
    ("fieldwork:edit_registration", "POST"): own_entry(422),
    ("fieldwork:delete_registration", "GET"): in_programme(DATA, ok=405),
    ("fieldwork:delete_registration", "POST"): own_entry(302),
    ("fieldwork:balance", "GET"): in_programme(ALL),
    ("fieldwork:feed", "GET"): in_programme(EDITORS),
    ("fieldwork:feed", "POST"): in_programme(EDITORS, ok=422),
    ("fieldwork:proposal", "GET"): in_programme(EDITORS, ok=404),  # the test job is not a feed job
    ("fieldwork:proposal", "POST"): in_programme(EDITORS, ok=404),
    ("qualitative:index", "GET"): in_programme(ALL),
    ("qualitative:colours", "GET"): in_programme(ALL),
    ("qualitative:upload", "GET"): in_programme(DATA),
    ("qualitative:upload", "POST"): in_programme(DATA, ok=422),  # no file: the error next to the field
    ("qualitative:document", "GET"): in_programme(DATA),
    ("qualitative:code", "GET"): in_programme(DATA, ok=405),
    ("qualitative:code", "POST"): in_programme(DATA, ok=422),
    ("qualitative:uncode", "GET"): in_programme(DATA, ok=405),
    ("qualitative:uncode", "POST"): in_programme(DATA, ok=422),
    ("qualitative:coding_memo", "GET"): in_programme(DATA, ok=405),
    ("qualitative:coding_memo", "POST"): in_programme(DATA, ok=422),
    ("qualitative:document_memo", "GET"): in_programme(DATA, ok=405),
    ("qualitative:document_memo", "POST"): in_programme(DATA, ok=302),
    ("qualitative:codebook", "GET"): in_programme(ALL),
    ("qualitative:code_new", "GET"): in_programme(EDITORS, ok=405),
    ("qualitative:code_new", "POST"): in_programme(EDITORS, ok=422),
    ("qualitative:code_edit", "GET"): in_programme(EDITORS),
    ("qualitative:code_edit", "POST"): in_programme(EDITORS, ok=422),
    ("qualitative:code_merge", "GET"): in_programme(EDITORS, ok=405),
    ("qualitative:code_merge", "POST"): in_programme(EDITORS, ok=422),
    ("qualitative:analysis", "GET"): in_programme(ALL),
    ("qualitative:agreement", "GET"): in_programme(ALL),
    ("qualitative:quotes", "GET"): in_programme(ALL),
    ("qualitative:link", "GET"): in_programme(EDITORS, ok=405),
    ("qualitative:link", "POST"): in_programme(EDITORS, ok=422),
    ("qualitative:unlink", "GET"): in_programme(EDITORS, ok=405),
    ("qualitative:unlink", "POST"): in_programme(EDITORS, ok=422),
    ("qualitative:export", "GET"): in_programme(EDITORS),
    ("data:upload_new", "GET"): in_programme(DATA),
    ("data:upload_new", "POST"): in_programme(DATA, ok=422),  # no file: the error next to the field
    ("data:upload", "GET"): dash.uploader(200),
    ("data:upload", "POST"): dash.uploader(422),
    ("data:upload_status", "GET"): dash.uploader(200),
    ("data:upload_discard", "GET"): in_programme(DATA, ok=405),
    ("data:upload_discard", "POST"): dash.uploader(302),
    ("data:agreement_new", "GET"): dash.dataset_admin(200),
    ("data:agreement_new", "POST"): dash.dataset_admin(422),
    ("data:agreement_withdraw", "GET"): in_programme(dash.ADMIN, ok=405),
    ("data:agreement_withdraw", "POST"): dash.dataset_admin(302),
    ("dashboards:index", "GET"): in_programme(dash.RESULTS),
    ("dashboards:chart", "GET"): in_programme(dash.RESULTS),
    ("dashboards:simulate", "GET"): in_programme(dash.RESULTS, ok=405),
    ("dashboards:simulate", "POST"): in_programme(dash.RESULTS, ok=302),
    ("dashboards:compute", "GET"): in_programme(dash.RESULTS, ok=405),
    ("dashboards:compute", "POST"): in_programme(dash.RESULTS, ok=302),
    ("dashboards:progress", "GET"): in_programme(dash.RESULTS, ok=404),  # one's own figures jobs only
    ("review:cycles", "GET"): in_programme(ALL - {Role.REVIEWER}),
    ("review:cycle_create", "GET"): in_programme(EDITORS, ok=405),
    ("review:cycle_create", "POST"): in_programme(EDITORS, ok=422),
    ("review:cycle_compare", "GET"): in_programme(ALL - {Role.REVIEWER}),
    ("review:cycle", "GET"): in_programme(ALL - {Role.REVIEWER}),
    ("review:cycle_edit", "GET"): in_programme(EDITORS),
    ("review:cycle_edit", "POST"): in_programme(EDITORS, ok=422),
    ("review:phase", "GET"): in_programme(EDITORS, ok=405),
    ("review:phase", "POST"): in_programme(EDITORS, ok=422),
    ("review:cycle_freeze", "GET"): in_programme(EDITORS, ok=405),
    ("review:cycle_freeze", "POST"): in_programme(EDITORS, ok=302),
    ("review:cycle_finish", "GET"): in_programme(EDITORS, ok=405),
    ("review:cycle_finish", "POST"): in_programme(EDITORS, ok=302),
    ("review:cycle_datasets", "GET"): in_programme(EDITORS, ok=405),
    ("review:cycle_datasets", "POST"): in_programme(EDITORS, ok=302),
    ("review:report_generate", "GET"): in_programme(EDITORS, ok=405),
    ("review:report_generate", "POST"): in_programme(EDITORS, ok=422),
    ("review:reports", "GET"): in_programme(ALL),
    ("review:report", "GET"): in_programme(ALL),  # reviewers: the test report is shared with their role
    ("review:report_file", "GET"): in_programme(ALL, ok=404),  # the test report has no files
    ("review:share_create", "GET"): in_programme(EDITORS, ok=405),
    ("review:share_create", "POST"): in_programme(EDITORS, ok=422),
    ("review:share_revoke", "GET"): in_programme(EDITORS, ok=405),
    ("review:share_revoke", "POST"): in_programme(EDITORS, ok=302),
    ("review:comment", "GET"): in_programme(ALL - {Role.VIEWER}, ok=405),
    ("review:comment", "POST"): in_programme(ALL - {Role.VIEWER}, ok=422),
    ("review:comment_answer", "GET"): in_programme(ALL - {Role.VIEWER, Role.REVIEWER}, ok=405),
    ("review:comment_answer", "POST"): in_programme(ALL - {Role.VIEWER, Role.REVIEWER}, ok=422),
    ("review:shared", "GET"): lambda role, scope: 200,  # a personal link works for whoever holds it
    ("review:shared_comment", "GET"): lambda role, scope: 405,
    ("review:shared_comment", "POST"): lambda role, scope: 422,
    ("review:shared_file", "GET"): lambda role, scope: 404,  # the test report has no files
    ("tokens:list", "GET"): everyone(200),
    ("tokens:list", "POST"): everyone(422),  # no name, no scope
    ("tokens:revoke", "GET"): everyone(405),
    ("tokens:revoke", "POST"): everyone(404),  # the test token is nobody's in the world
    ("api_not_found", "GET"): lambda role, scope: 404,  # any other /api/ address: a JSON 404
    ("api:openapi-json", "GET"): lambda role, scope: 200,  # the schema holds no data
    ("api:api-root", "GET"): lambda role, scope: 404,
    ("api:programmes", "GET"): lambda role, scope: 401 if role is None else 200,  # only one's own
    ("api:programme", "GET"): api_in(ALL),
    ("api:versions", "GET"): api_in(ALL),
    ("api:model", "GET"): api_in(ALL),
    ("api:version", "GET"): api_in(ALL),
    ("api:version_yaml", "GET"): api_in(ALL),
    ("api:valuation", "GET"): api_in(dash.RESULTS),
    ("api:datasets", "GET"): api_in(DATA),
    ("api:dataset", "GET"): lambda role, scope: 401 if role is None else dataset_detail(role, scope),
    ("api:aggregates", "GET"): api_in(dash.RESULTS),
    ("api:aggregates_csv", "GET"): api_in(dash.RESULTS),
    ("api:questionnaires", "GET"): api_in(DATA),
    ("api:responses", "GET"): api_in(EDITORS),  # those who may export responses (questionnaire.manage)
}


def url_names(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            space = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from url_names(entry.url_patterns, space)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"URL {entry.pattern} has no name"
            yield f"{prefix}{entry.name}", entry


# Django's admin (namespace `admin`) has its own gate, InstallationAdmin.has_permission: superusers only, which
# tests_web/test_admin.py checks on every admin URL; the matrix covers every other URL.
URLS = dict(url_names(get_resolver().url_patterns))


def kwargs_for(pattern: URLPattern, world: World) -> dict[str, object]:
    names = list(pattern.pattern.converters)
    missing = [n for n in names if n not in ARGUMENTS]
    assert not missing, f"no test value for URL argument(s) {missing}: add them to tests_web/url_arguments.py"
    return {n: ARGUMENTS[n](world) for n in names}


def test_every_url_has_an_expectation() -> None:
    declared = {name for name, _ in EXPECT}
    assert set(URLS) - declared == set(), "declare the expected statuses of these URLs in EXPECT"
    assert declared - set(URLS) == set(), "EXPECT names URLs that no longer exist"
    assert all((name, "GET") in EXPECT for name in URLS), "every URL needs at least a GET expectation"


def test_every_view_is_guarded() -> None:
    """Each view carries the permission it checks (permissions.requires / public / any_user), and the policy
    knows that action (an unknown one would deny everybody)."""
    unguarded = [name for name, p in URLS.items() if not getattr(p.callback, "permission", None)]
    assert unguarded == []
    unknown = {name: p.callback.permission for name, p in URLS.items()
               if p.callback.permission not in ("public", "any_user") and not POLICY.known(p.callback.permission)}
    assert unknown == {}


def test_an_unknown_action_is_denied_to_every_role(world: World) -> None:
    """No role, in no scope, may do an action the policy does not know (it used to raise KeyError: a 500)."""
    for role in Role:
        for scope in SCOPES:
            user = world.user(role, scope)
            assert not can(user, "programme.delete_everything", world.programme)
            assert not can(user, "programme.delete_everything")
            assert not can(user, "", world.dataset)
    assert can(world.user(Role.ADMINISTRATOR, "own"), Action.PROGRAMME_MANAGE, world.programme)


def test_a_view_guarded_by_an_unknown_action_answers_403(world: World, rf) -> None:
    from django.core.exceptions import PermissionDenied

    view = requires("programme.unheard_of")(lambda request, programme: pytest.fail("the view ran"))
    request = rf.get("/")
    request.user = world.user(Role.ADMINISTRATOR, "own")
    with pytest.raises(PermissionDenied):
        view(request, programme=world.programme.pk)


def test_a_job_of_an_unknown_kind_is_shown_to_nobody(world: World) -> None:
    """The job status page used to fall back to `programme.view` for kinds it did not list: a new kind of job
    (with its message and error) was visible to every role. Now a kind must be listed in JOB_KINDS."""
    from impactlab_web.jobs.models import Job

    creator = world.user(Role.ADMINISTRATOR, "own")
    job = Job.objects.create(kind="brand.new_kind", params={}, programme=world.programme, created_by=creator,
                             status=Job.Status.FAILED, error="row 3: Jan Jansen")
    url = reverse("jobs:status", kwargs={"programme": world.programme.pk, "job": job.pk})
    for role in Role:
        for scope in ("own", "partner"):
            client = Client()
            client.force_login(world.user(role, scope))
            response = client.get(url)
            assert response.status_code == 404, (role, scope)
            assert b"Jansen" not in response.content
    assert not can(creator, Action.JOB_VIEW, job)


def test_every_registered_job_kind_says_who_may_see_it() -> None:
    """Each job function registered with the queue has an entry in the policy's JOB_KINDS."""
    from django.apps import apps

    from impactlab_web.jobs.registry import _KINDS

    assert apps.ready
    app_kinds = {kind for kind, function in _KINDS.items() if function.__module__.startswith("impactlab_web.")}
    assert "report" in app_kinds  # (tests register kinds of their own; those are left out)
    assert app_kinds - set(JOB_KINDS) == set()
    assert all(POLICY.known(a) or a == CREATOR for a in JOB_KINDS.values())


def test_creator_only_jobs_are_their_creators_alone(world: World) -> None:
    from impactlab_web.jobs.models import Job

    creator = world.user(Role.PROFESSIONAL, "own")
    for kind in [k for k, a in JOB_KINDS.items() if a == CREATOR]:
        job = Job.objects.create(kind=kind, params={}, programme=world.programme, created_by=creator)
        assert can(creator, Action.JOB_VIEW, job)
        others = [(r, s) for r in Role for s in SCOPES if (r, s) != (Role.PROFESSIONAL, "own")]
        assert [(r, s) for r, s in others if can(world.user(r, s), Action.JOB_VIEW, job)] == []


@pytest.fixture
def published(world: World) -> World:
    """The world with its model versions published, the latest last: the model and figures pages answer every
    role that may see them (a draft's figures are its editors' only: tests_web/test_publish.py)."""
    for version in world.programme.versions.order_by("number"):
        modelling.publish(version, None)
    return world


@pytest.mark.parametrize(("name", "method"), sorted(EXPECT))
def test_matrix(name: str, method: str, published: World) -> None:
    world = published
    url = reverse(name, kwargs=kwargs_for(URLS[name], world))
    rule = EXPECT[(name, method)]
    wrong = []
    cases = [(None, "own")] + [(role, scope) for role in Role for scope in SCOPES]
    for role, scope in cases:
        client = Client()
        headers = {}
        if role is not None and name.startswith("api:"):  # the JSON API: a token with every scope, no session
            secret = tokens.make(world.user(role, scope), "matrix", list(Scope.values))[1]
            headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        elif role is not None:
            client.force_login(world.user(role, scope))
        events = AuditEvent.objects.count()
        response = client.get(url, **headers) if method == "GET" else client.post(url, {}, **headers)
        if response.status_code == 200 and "attachment" in response.get("Content-Disposition", ""):
            assert name in NOT_PERSONAL or AuditEvent.objects.count() == events + 1, (
                f"{name} sent a file without an audit event: record one, or say in NOT_PERSONAL why not")
        expected = rule(role, scope)
        if response.status_code != expected:
            wrong.append(f"{role.value if role else 'anonymous'}/{scope}: {response.status_code} != {expected}")
        if role is not None and scope == "foreign" and response.status_code == 200:
            body = response.content.decode()
            assert world.programme.name not in body and world.dataset.snapshot_id not in body, (name, role)
    assert not wrong, f"{method} {url}:\n" + "\n".join(wrong)

"""Every permission decision of the web app, in one place: the policy object ``POLICY``.

``POLICY.allows(user, action, obj)`` answers "may this user do this action on this object", and
``POLICY.programmes``, ``POLICY.organisations``, ``POLICY.datasets`` and ``POLICY.may_see_job`` answer "which
objects may this user see". Actions are named constants (``Action``); an action the policy does not know is
**denied** (and logged), as is a job kind without an entry in ``JOB_KINDS``. The module functions below
(``can``, ``roles_in``, ``organisations_where``, ``visible_programmes``, ``usable_datasets``, ``programme_for``,
``requires``) are thin calls into the policy, kept for the views that use them.

Roles come from two kinds of membership: an *organisation* role holds in every programme that organisation
leads or is an *accepted* partner of (``Partnership.objects.accepted()``: an invited, declined or ended
partnership gives nothing); a *programme* role holds in that programme only. A person's rights in a programme are
the union of what their roles there allow (see ``ACTIONS``). Organisation actions (``ORGANISATION_ACTIONS``:
creating programmes, owning or using shared data, administering agreements, reading the audit trail) come
from organisation roles only.

Not found or forbidden: a programme in which the user has no role at all answers **404**, so that its very
existence does not leak to other organisations. A programme the user may see, but an action their roles do
not allow, answers **403**. Datasets follow the same rule one level down: a dataset the user may not use (a
foreign organisation's, without an active data-sharing agreement) answers 404 and is never listed.

Datasets are used through *organisation* roles only, because data-sharing agreements are made between
organisations: the owner's administrators, researchers and professionals, and the administrators and
researchers of a partner organisation holding an active agreement for that dataset.

Removing data is for the owner's administrators alone (``removable``): deleting a snapshot or a dataset
(``DATASET_DELETE``, on the dataset) and erasing a respondent from the programme's data (``RESPONDENT_ERASE``, on
the programme: allowed only to an administrator whose organisation owns data there). A partner's administrator
may not remove what was shared with their organisation.

Drafts and published model versions: every saved model version is a draft until it is published. Those
who may edit the model see drafts (``MODEL_DRAFTS``) and may publish a version (``MODEL_PUBLISH``): the
programme's administrators and researchers, the same roles as ``MODEL_EDIT``, because whoever may change
the model may also answer for it. Everyone else (partners' professionals and viewers, reviewers) sees the
figures of the published version only (``impactlab_web.core.evidence.version_for``).

Objects below a programme (a learning cycle, a questionnaire, a report) are checked on their programme; a
*finished* learning cycle allows no change at all (``CYCLE_CHANGES``), whatever the role.

The programme itself (its name, its partners, archiving and deleting it: ``LEAD_ACTIONS``) belongs to the lead
organisation: only roles held *through the lead* count there (its organisation roles, and programme roles of
the lead's own people), never a partner's. A partner organisation's administrator answers invitations and may
leave (``PARTNERSHIP_ANSWER``, ``PROGRAMME_LEAVE``). An *archived* programme is read-only: only the actions in
``ARCHIVE_ALLOWED`` are allowed on it, and a form sent to it (POST) only under ``ARCHIVE_POSTS``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from impactlab_web.data.models import DatasetRecord, DataSharingAgreement
from impactlab_web.organisations.models import Membership, Organisation, Role
from impactlab_web.programmes.models import Partnership, Programme

log = logging.getLogger(__name__)

User = AbstractBaseUser | AnonymousUser
ALL_ROLES = frozenset(Role)
ADMIN_ROLES = frozenset({Role.ADMINISTRATOR})
EDITOR_ROLES = frozenset({Role.ADMINISTRATOR, Role.RESEARCHER})
DATA_ROLES = frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL})
OWNER_DATA_ROLES = DATA_ROLES
SHARED_DATA_ROLES = EDITOR_ROLES
CREATOR_ROLES = EDITOR_ROLES


class Action(StrEnum):
    """Every action the policy knows. A member equals its string, so ``can(user, "model.edit", p)`` still works."""

    PROGRAMME_VIEW = "programme.view"
    PROGRAMME_MANAGE = "programme.manage"
    MODEL_VIEW = "model.view"
    MODEL_EDIT = "model.edit"
    MODEL_DRAFTS = "model.drafts"  # see unpublished (draft) model versions and their figures
    MODEL_PUBLISH = "model.publish"  # publish a model version: its figures become everyone's (audited)
    DATASETS_LIST = "datasets.list"
    DATASET_VIEW = "dataset.view"  # on a DatasetRecord: usable by the user (own, or shared and active)
    RESULTS_VIEW = "results.view"
    QUESTIONNAIRE_MANAGE = "questionnaire.manage"  # build, waves, links, export
    QUESTIONNAIRE_VIEW = "questionnaire.view"  # list, visits
    LINKS_REVOKE = "questionnaire.revoke_links"  # revoke wave links one by one (audited)
    WAVE_CLOSE = "questionnaire.close_wave"  # close a wave (no more answers) or open it again (audited)
    REGISTRATIONS_RECORD = "registrations.record"  # enter, edit own
    REGISTRATIONS_ALL = "registrations.all"  # else own
    REGISTRATIONS_BALANCE = "registrations.balance"  # the formal/informal balance (disclosure-controlled)
    REGISTRATIONS_EXPORT = "registrations.export"  # snapshot, feed the model
    QUALITATIVE_ANALYSE = "qualitative.analyse"  # frequencies, agreement, quotes (disclosure-controlled)
    QUALITATIVE_VIEW = "qualitative.view"  # read transcripts
    QUALITATIVE_CODE = "qualitative.code"  # upload, code, memos
    QUALITATIVE_CODEBOOK = "qualitative.codebook"  # codes, links to outcomes
    QUALITATIVE_EXPORT = "qualitative.export"  # REFI-QDA .qdpx
    DATA_UPLOAD = "data.upload"  # into an organisation the user may own data of
    AGREEMENTS_MANAGE = "agreements.manage"  # on a DatasetRecord: administrator of its owner
    DATASET_DELETE = "dataset.delete"  # on a DatasetRecord: administrator of its owner (a snapshot or its dataset)
    RESPONDENT_ERASE = "respondent.erase"  # on a Programme: administrator of an organisation owning data in it
    CYCLES_VIEW = "cycles.view"
    CYCLES_MANAGE = "cycles.manage"
    REPORTS_VIEW = "reports.view"  # reviewers: only report versions shared with them (review.sharing.reports_for)
    REPORTS_DRAFTS = "reports.drafts"
    REPORTS_GENERATE = "reports.generate"
    REVIEW_SHARE = "review.share"
    REVIEW_COMMENT = "review.comment"
    REVIEW_RESOLVE = "review.resolve"
    REVIEW_VERDICT = "review.verdict"  # say whether one recognises an outcome: stakeholder reviewers only
    JOB_VIEW = "job.view"  # on a Job: see its progress, message, error and result (see JOB_KINDS)
    # organisation actions (ORGANISATION_ACTIONS): held through organisation roles
    PROGRAMME_CREATE = "programme.create"
    DATA_OWN = "data.own"  # own (upload, export) data of the organisation
    DATA_USE_SHARED = "data.use_shared"  # use a dataset shared with the organisation under an agreement
    DATA_SHARE = "data.share"  # make and withdraw agreements for the organisation's datasets
    DATA_REMOVE = "data.remove"  # delete the organisation's datasets, erase a respondent from them
    AUDIT_VIEW = "audit.view"  # read the organisation's audit trail
    ORGANISATION_PEOPLE = "organisation.people"  # invite, roles, deactivate
    PARTNERSHIP_ANSWER = "partnership.answer"  # accept or decline a programme's invitation for the organisation
    # the lead organisation's actions on a programme (LEAD_ACTIONS)
    PROGRAMME_SETTINGS = "programme.settings"  # rename, describe
    PARTNERS_MANAGE = "programme.partners"  # invite partners, list their invitations, end partnerships
    PROGRAMME_ARCHIVE = "programme.archive"  # archive (read-only) and take out of the archive
    PROGRAMME_DELETE = "programme.delete"  # delete, with a typed confirmation; not after a finished cycle
    # a partner organisation's administrator: leave the programme (ends the partnership and its agreements)
    PROGRAMME_LEAVE = "programme.leave"


# programme action -> the roles (in the programme) that allow it
ACTIONS: dict[str, frozenset[Role]] = {
    Action.PROGRAMME_VIEW: ALL_ROLES,
    Action.MODEL_VIEW: ALL_ROLES,
    Action.MODEL_EDIT: EDITOR_ROLES,
    Action.MODEL_DRAFTS: EDITOR_ROLES,
    Action.MODEL_PUBLISH: EDITOR_ROLES,
    Action.PROGRAMME_MANAGE: ADMIN_ROLES,
    Action.DATASETS_LIST: DATA_ROLES,
    Action.RESULTS_VIEW: ALL_ROLES - {Role.PROFESSIONAL},
    Action.QUESTIONNAIRE_MANAGE: EDITOR_ROLES,
    Action.QUESTIONNAIRE_VIEW: DATA_ROLES,
    Action.LINKS_REVOKE: EDITOR_ROLES,
    Action.WAVE_CLOSE: EDITOR_ROLES,
    Action.REGISTRATIONS_RECORD: DATA_ROLES,
    Action.REGISTRATIONS_ALL: ALL_ROLES - {Role.PROFESSIONAL},
    Action.REGISTRATIONS_BALANCE: ALL_ROLES,
    Action.REGISTRATIONS_EXPORT: EDITOR_ROLES,
    Action.QUALITATIVE_ANALYSE: ALL_ROLES,
    Action.QUALITATIVE_VIEW: DATA_ROLES,
    Action.QUALITATIVE_CODE: DATA_ROLES,
    Action.QUALITATIVE_CODEBOOK: EDITOR_ROLES,
    Action.QUALITATIVE_EXPORT: EDITOR_ROLES,
    Action.DATA_UPLOAD: DATA_ROLES,
    Action.AGREEMENTS_MANAGE: ADMIN_ROLES,
    Action.DATASET_DELETE: ADMIN_ROLES,
    Action.RESPONDENT_ERASE: ADMIN_ROLES,
    Action.CYCLES_VIEW: ALL_ROLES - {Role.REVIEWER},
    Action.CYCLES_MANAGE: EDITOR_ROLES,
    Action.REPORTS_VIEW: ALL_ROLES,
    Action.REPORTS_DRAFTS: ALL_ROLES - {Role.REVIEWER},
    Action.REPORTS_GENERATE: EDITOR_ROLES,
    Action.REVIEW_SHARE: EDITOR_ROLES,
    Action.REVIEW_COMMENT: ALL_ROLES - {Role.VIEWER},
    Action.REVIEW_RESOLVE: DATA_ROLES,
    Action.REVIEW_VERDICT: frozenset({Role.REVIEWER}),
}
# organisation action -> the organisation roles that allow it
ORGANISATION_ACTIONS: dict[str, frozenset[Role]] = {
    Action.PROGRAMME_CREATE: CREATOR_ROLES,
    Action.DATA_OWN: OWNER_DATA_ROLES,
    Action.DATA_USE_SHARED: SHARED_DATA_ROLES,
    Action.DATA_SHARE: ADMIN_ROLES,
    Action.DATA_REMOVE: ADMIN_ROLES,
    Action.AUDIT_VIEW: ADMIN_ROLES,
    Action.ORGANISATION_PEOPLE: ADMIN_ROLES,
    Action.PARTNERSHIP_ANSWER: ADMIN_ROLES,
}
# programme action -> the roles, held through the lead organisation, that allow it
LEAD_ACTIONS: dict[str, frozenset[Role]] = {
    Action.PROGRAMME_SETTINGS: ADMIN_ROLES,
    Action.PARTNERS_MANAGE: ADMIN_ROLES,
    Action.PROGRAMME_ARCHIVE: ADMIN_ROLES,
    Action.PROGRAMME_DELETE: ADMIN_ROLES,
}
# what an archived programme still allows: reading, and taking it out of the archive, deleting it or leaving it
ARCHIVE_READS = frozenset({
    Action.PROGRAMME_VIEW, Action.MODEL_VIEW, Action.MODEL_DRAFTS, Action.DATASETS_LIST, Action.DATASET_VIEW,
    Action.RESULTS_VIEW,
    Action.QUESTIONNAIRE_VIEW, Action.REGISTRATIONS_ALL, Action.REGISTRATIONS_BALANCE, Action.QUALITATIVE_ANALYSE,
    Action.QUALITATIVE_VIEW, Action.QUALITATIVE_EXPORT, Action.CYCLES_VIEW, Action.REPORTS_VIEW,
    Action.REPORTS_DRAFTS, Action.JOB_VIEW,
})
# (and removing personal data: deleting a snapshot, the right to erasure hold in an archive too)
ARCHIVE_REMOVALS = frozenset({Action.PROGRAMME_ARCHIVE, Action.PROGRAMME_DELETE, Action.PROGRAMME_LEAVE,
                              Action.DATASET_DELETE, Action.RESPONDENT_ERASE})
ARCHIVE_ALLOWED = ARCHIVE_READS | ARCHIVE_REMOVALS
# forms (POST) an archived programme still takes: computations that store nothing of the programme (a model
# check, a simulation, dashboard figures), and the removals above
ARCHIVE_POSTS = frozenset({Action.MODEL_VIEW, Action.RESULTS_VIEW}) | ARCHIVE_REMOVALS
# programme actions that change a learning cycle or what belongs to it: none is allowed on a finished cycle
CYCLE_CHANGES = frozenset({Action.CYCLES_MANAGE, Action.REPORTS_GENERATE})

# job kind -> the programme action needed to see such a job. ``CREATOR`` kinds (they hold a raw upload, its
# rejected values or a transcript) are their creator's alone. A kind missing here is shown to nobody.
CREATOR = "creator"
JOB_KINDS: dict[str, str] = {
    "simulate": Action.MODEL_VIEW,
    "dashboard.simulate": Action.RESULTS_VIEW,
    "dashboard.figures": CREATOR,  # computed with the evidence its creator may use
    "model.check": CREATOR,  # the creator's own (unsaved) text
    "report": Action.REPORTS_DRAFTS,
    "fieldwork.responses_snapshot": Action.QUESTIONNAIRE_MANAGE,
    "fieldwork.registrations_snapshot": Action.REGISTRATIONS_EXPORT,
    "dataset.preview": CREATOR,
    "dataset.import": CREATOR,
    "qualitative.extract": CREATOR,
}


def _memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user) if user.is_authenticated else Membership.objects.none()


def _programme_of(obj: Any) -> Programme | None:
    """The programme an object belongs to (itself, or its ``programme`` / ``cycle.programme``)."""
    if isinstance(obj, Programme):
        return obj
    for path in ("programme", "cycle"):
        found = getattr(obj, path, None)
        if isinstance(found, Programme):
            return found
        if found is not None and isinstance(getattr(found, "programme", None), Programme):
            return found.programme
    return None


def _finished_cycle(obj: Any) -> bool:
    """Is `obj` a finished learning cycle, or something of one (a phase, a report version)?"""
    from impactlab_web.review.models import Cycle

    cycle = obj if isinstance(obj, Cycle) else getattr(obj, "cycle", None)
    return isinstance(cycle, Cycle) and cycle.status == Cycle.Status.FINISHED


class Policy:
    """The one place that says who may do what on which object, and which objects a user may see."""

    # ------------------------------------------------------------------------------------------ roles
    def roles(self, user: User, programme: Programme) -> set[Role]:
        """The user's roles in a programme: through its organisations or directly.

        Remembered on the user object, which lives for one request, so the tabs and checks of a page ask once.
        """
        if not user.is_authenticated:
            return set()
        cache: dict[int, frozenset[Role]] = user.__dict__.setdefault("_impactlab_roles", {})
        if programme.pk not in cache:
            organisations = [o.pk for o in programme.organisations()]
            rows = _memberships(user).filter(Q(programme=programme) | Q(organisation__in=organisations))
            cache[programme.pk] = frozenset(Role(r) for r in rows.values_list("role", flat=True))
        return set(cache[programme.pk])

    def lead_roles(self, user: User, programme: Programme) -> set[Role]:
        """The user's roles in a programme held through its lead: the lead's organisation roles, and programme
        roles of the lead's own people (a partner's administrator may give programme roles to its people)."""
        if not user.is_authenticated:
            return set()
        mine = _memberships(user)
        if not mine.filter(organisation=programme.lead_id).exists():
            return set()
        rows = mine.filter(Q(programme=programme) | Q(organisation=programme.lead_id))
        return {Role(r) for r in rows.values_list("role", flat=True)}

    def partner_organisations(self, user: User, programme: Programme) -> QuerySet[Organisation]:
        """The accepted partner organisations of the programme this user administers (which they may leave)."""
        return self.organisations(user, Action.PARTNERSHIP_ANSWER).filter(pk__in=programme.partners.values("pk"))

    def read_only(self, programme: Programme) -> bool:
        """Is the programme archived (read-only)?"""
        return programme.archived_at is not None

    def forget(self, user: User) -> None:
        """Drop the remembered roles (a job re-checks rights when it runs, never from an earlier answer)."""
        user.__dict__.pop("_impactlab_roles", None)

    # ---------------------------------------------------------------------------------------- decisions
    def known(self, action: str) -> bool:
        return (action in ACTIONS or action in ORGANISATION_ACTIONS or action in LEAD_ACTIONS
                or action in (Action.DATASET_VIEW, Action.JOB_VIEW, Action.PROGRAMME_LEAVE))

    def allows(self, user: User, action: str, obj: Any = None) -> bool:
        """May `user` do `action` (on `obj`)? Unknown actions, anonymous users and missing objects: no."""
        if not self.known(action):
            log.error("permission check of an unknown action %r: denied", action)
            return False
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        if action in ORGANISATION_ACTIONS:
            organisations = self.organisations(user, action)
            if isinstance(obj, Partnership):
                return action == Action.PARTNERSHIP_ANSWER and self._addressed_to(user, obj, organisations)
            return organisations.filter(pk=obj.pk).exists() if isinstance(obj, Organisation) else organisations.exists()
        if action == Action.DATASET_VIEW:
            return isinstance(obj, DatasetRecord) and self.datasets(user, obj.programme).filter(pk=obj.pk).exists()
        if action == Action.JOB_VIEW:
            return self.may_see_job(user, obj)
        if isinstance(obj, DatasetRecord) and action == Action.AGREEMENTS_MANAGE:
            return (self.allows(user, action, obj.programme)
                    and self.organisations(user, Action.DATA_SHARE).filter(pk=obj.owner_id).exists())
        if isinstance(obj, DatasetRecord) and action == Action.DATASET_DELETE:
            return (self.allows(user, action, obj.programme)
                    and self.organisations(user, Action.DATA_REMOVE).filter(pk=obj.owner_id).exists())
        if isinstance(obj, Programme) and action == Action.RESPONDENT_ERASE:
            return bool(self.roles(user, obj) & ACTIONS[action]) and self.removable(user, obj).exists()
        programme = _programme_of(obj)
        if programme is None:
            raise TypeError(f"{action} needs a Programme or an object of one, got {type(obj).__name__}")
        if action in CYCLE_CHANGES and _finished_cycle(obj):
            return False
        if self.read_only(programme) and action not in ARCHIVE_ALLOWED:
            return False
        if action in LEAD_ACTIONS:
            return bool(self.lead_roles(user, programme) & LEAD_ACTIONS[action])
        if action == Action.PROGRAMME_LEAVE:
            return self.partner_organisations(user, programme).exists()
        return bool(self.roles(user, programme) & ACTIONS[action])

    def _addressed_to(self, user: User, partnership: Partnership, administered: QuerySet[Organisation]) -> bool:
        """An invitation by e-mail is answered by the administrator it was sent to (any organisation they
        administer); a code invitation by whoever holds the code (the view checks the code)."""
        if not administered.exists():
            return False
        if partnership.by_code:
            return True
        address = (getattr(user, "email", "") or "").strip().lower()
        return bool(address) and address == partnership.email.strip().lower()

    def require(self, user: User, action: str, obj: Any) -> None:
        """PermissionDenied unless `allows`."""
        if not self.allows(user, action, obj):
            raise PermissionDenied(action)

    # ------------------------------------------------------------------------------ what a user may see
    def programmes(self, user: User) -> QuerySet[Programme]:
        """Programmes in which the user has any role."""
        mine = _memberships(user)
        orgs = mine.filter(organisation__isnull=False).values("organisation")
        direct = mine.filter(programme__isnull=False).values("programme")
        partnered = Partnership.objects.accepted().filter(organisation__in=orgs).values("programme")
        query = Q(pk__in=direct) | Q(lead__in=orgs) | Q(pk__in=partnered)
        return Programme.objects.filter(query).distinct()

    def organisations_with_roles(self, user: User, roles: frozenset[Role]) -> QuerySet[Organisation]:
        ids = _memberships(user).filter(organisation__isnull=False, role__in=roles).values("organisation")
        return Organisation.objects.filter(pk__in=ids)

    def organisations(self, user: User, action: str) -> QuerySet[Organisation]:
        """Organisations in which the user may do an organisation action (none for an unknown action)."""
        if action not in ORGANISATION_ACTIONS:
            log.error("organisation action %r is unknown: no organisations", action)
            return Organisation.objects.none()
        return self.organisations_with_roles(user, ORGANISATION_ACTIONS[action])

    def datasets(self, user: User, programme: Programme) -> QuerySet[DatasetRecord]:
        """Datasets of the programme this user may use: own organisation's, or shared with it and still active."""
        owned = self.organisations(user, Action.DATA_OWN)
        partner = self.organisations(user, Action.DATA_USE_SHARED)
        shared = DataSharingAgreement.active().filter(partner__in=partner).values("dataset")
        return programme.datasets.filter(Q(owner__in=owned) | Q(pk__in=shared)).distinct()

    def removable(self, user: User, programme: Programme) -> QuerySet[DatasetRecord]:
        """Datasets of the programme this user may delete or erase a respondent from: those owned by an
        organisation the user administers (``DATA_REMOVE``); never a partner's, shared or not."""
        return programme.datasets.filter(owner__in=self.organisations(user, Action.DATA_REMOVE))

    def withdrawn_report_datasets(self, report: Any, user: User | None = None) -> list[DatasetRecord]:
        """The datasets a report uses (the snapshots it read; before it is made, its cycle's datasets) that are
        no longer covered by a data-sharing right: neither `user` (who downloads it) nor the report's maker may
        use them now (an agreement withdrawn or ended, a role taken away). Reports made by the installation
        itself (no maker) are covered by their data's owners. Asked when a report job runs and at every
        download, never from an earlier answer."""
        programme = report.cycle.programme
        if report.snapshots:
            used = list(DatasetRecord.objects.filter(snapshot_id__in=report.snapshots, programme=programme))
        else:
            used = list(report.cycle.datasets.all())
        if not used:
            return []
        covered: set[int] = set()
        for who in (user, report.created_by):
            if who is not None and who.is_authenticated and who.is_active:
                self.forget(who)
                covered |= set(self.datasets(who, programme).filter(pk__in=[d.pk for d in used])
                               .values_list("pk", flat=True))
        if report.created_by_id is None:
            covered |= {d.pk for d in used}
        return [d for d in used if d.pk not in covered]

    def job_action(self, kind: str) -> str | None:
        """The action needed to see a job of this kind (``CREATOR``: its creator only); None when unknown."""
        return JOB_KINDS.get(kind)

    def may_see_job(self, user: User, job: Any) -> bool:
        """May `user` see this job of its programme? Jobs of an unknown kind are shown to nobody; a job that
        computes figures of a draft model version only to those who may see drafts (``MODEL_DRAFTS``)."""
        if job is None or not user.is_authenticated or job.programme_id is None:
            return False
        needed = self.job_action(job.kind)
        if needed is None:
            log.error("job kind %r has no entry in permissions.JOB_KINDS: hidden", job.kind)
            return False
        if needed == CREATOR:
            allowed = job.created_by_id is not None and job.created_by_id == user.pk and bool(
                self.roles(user, job.programme))
        else:
            allowed = self.allows(user, needed, job.programme)
        if not allowed:
            return False
        # the figures of a draft are its editors' only (``evidence.version_for``), in a job's result too
        from impactlab_web.core.evidence import job_version, may_see

        version = job_version(job)
        return version is None or may_see(user, version)

    # ------------------------------------------------------------------------------------- in a request
    def programme_for(self, request: HttpRequest, programme_id: int, action: str) -> Programme:
        """The programme, if the user may do `action` in it: 404 when they have no role there, 403 otherwise."""
        programme = get_object_or_404(Programme, pk=programme_id)
        if not self.roles(request.user, programme):
            raise Http404("no such programme")
        if not self.allows(request.user, action, programme):
            raise PermissionDenied(action)
        if (request.method not in ("GET", "HEAD", "OPTIONS") and self.read_only(programme)
                and action not in ARCHIVE_POSTS):
            raise PermissionDenied(f"{action}: the programme is archived")
        return programme


POLICY = Policy()


# ------------------------------------------------------------------ the names the views use (calls into POLICY)
def roles_in(user: User, programme: Programme) -> set[Role]:
    return POLICY.roles(user, programme)


def organisations_where(user: User, roles: frozenset[Role] | str) -> QuerySet[Organisation]:
    """Organisations in which the user may do an organisation action (or, older form, holds one of `roles`)."""
    if isinstance(roles, str):
        return POLICY.organisations(user, roles)
    return POLICY.organisations_with_roles(user, roles)


def visible_programmes(user: User) -> QuerySet[Programme]:
    return POLICY.programmes(user)


def usable_datasets(user: User, programme: Programme) -> QuerySet[DatasetRecord]:
    return POLICY.datasets(user, programme)


def can(user: User, action: str, obj: Any = None) -> bool:
    """May `user` do `action` (on `obj`)? The single source of truth for every view and template."""
    return POLICY.allows(user, action, obj)


def may_see_job(user: User, job: Any) -> bool:
    return POLICY.may_see_job(user, job)


def programme_for(request: HttpRequest, programme_id: int, action: str) -> Programme:
    return POLICY.programme_for(request, programme_id, action)


View = Callable[..., HttpResponse]


def requires(action: str) -> Callable[[View], View]:
    """View decorator: checks `action`; with a `programme` URL argument, on that programme (sets
    ``request.programme``). The action is kept on the view (``view.permission``) for the matrix test."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if "programme" in kwargs:
                request.programme = programme_for(request, kwargs["programme"], action)
            elif not can(request.user, action):
                raise PermissionDenied(action)
            return view(request, *args, **kwargs)

        wrapper.permission = action  # type: ignore[attr-defined]
        return wrapper

    return decorate


def organisation_for(request: HttpRequest, organisation_id: int, action: str) -> Organisation:
    """The organisation, if the user may do `action` in it: 404 without a role there, 403 without the action."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    roles = {Role(r) for r in _memberships(request.user).filter(organisation=organisation)
             .values_list("role", flat=True)}
    if not roles:
        raise Http404("no such organisation")
    if not POLICY.allows(request.user, action, organisation):
        raise PermissionDenied(action)
    return organisation


def requires_in_organisation(action: str) -> Callable[[View], View]:
    """View decorator for an `organisation` URL argument: checks `action` there (sets ``request.organisation``)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            request.organisation = organisation_for(request, kwargs["organisation"], action)
            return view(request, *args, **kwargs)

        wrapper.permission = action  # type: ignore[attr-defined]
        return wrapper

    return decorate


def public(view: View) -> View:
    """Marks a view that needs no login (login page); nothing else should use it."""
    from django.contrib.auth.decorators import login_not_required

    view = login_not_required(view)
    view.permission = "public"  # type: ignore[attr-defined]
    return view


def any_user(view: View) -> View:
    """Marks a view open to every logged-in user (home, logout, language); it shows only their own things."""
    view.permission = "any_user"  # type: ignore[attr-defined]
    return view

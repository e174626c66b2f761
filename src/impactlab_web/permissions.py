"""Every permission decision of the web app, in one place.

Roles come from two kinds of membership: an *organisation* role holds in every programme that organisation
leads or partners in; a *programme* role holds in that programme only. A person's rights in a programme are
the union of what their roles there allow (see ``ACTIONS``).

Not found or forbidden: a programme in which the user has no role at all answers **404**, so that its very
existence does not leak to other organisations. A programme the user may see, but an action their roles do
not allow, answers **403**. Datasets follow the same rule one level down: a dataset the user may not use (a
foreign organisation's, without an active data-sharing agreement) answers 404 and is never listed.

Datasets are used through *organisation* roles only, because data-sharing agreements are made between
organisations: the owner's administrators, researchers and professionals, and the administrators and
researchers of a partner organisation holding an active agreement for that dataset.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from impactlab_web.models import DatasetRecord, DataSharingAgreement, Membership, Organisation, Programme, Role

User = AbstractBaseUser | AnonymousUser
ALL_ROLES = frozenset(Role)

# action -> the roles (in the programme) that allow it
ACTIONS: dict[str, frozenset[Role]] = {
    "programme.view": ALL_ROLES,
    "model.view": ALL_ROLES,
    "model.edit": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER}),
    "programme.manage": frozenset({Role.ADMINISTRATOR}),
    "datasets.list": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL}),
    "results.view": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.REVIEWER, Role.VIEWER}),
    "questionnaire.manage": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER}),  # build, waves, links, export
    "questionnaire.view": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL}),  # list, visits
    "registrations.record": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL}),  # enter, edit own
    "registrations.all": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.REVIEWER, Role.VIEWER}),  # else own
    "registrations.balance": ALL_ROLES,  # the formal/informal balance (disclosure-controlled aggregates)
    "registrations.export": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER}),  # snapshot, feed the model
    "qualitative.analyse": ALL_ROLES,  # frequencies, agreement, quotes under outcomes (disclosure-controlled)
    "qualitative.view": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL}),  # read transcripts
    "qualitative.code": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL}),  # upload, code, memos
    "qualitative.codebook": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER}),  # codes, links to outcomes
    "qualitative.export": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER}),  # REFI-QDA .qdpx
    "data.upload": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL}),  # of the owning organisation
    "agreements.manage": frozenset({Role.ADMINISTRATOR}),  # of the organisation that owns the dataset
    "cycles.view": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL, Role.VIEWER}),
    "cycles.manage": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER}),
    "reports.view": ALL_ROLES,  # reviewers: only report versions shared with them (review.sharing.reports_for)
    "reports.drafts": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL, Role.VIEWER}),
    "reports.generate": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER}),
    "review.share": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER}),
    "review.comment": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL, Role.REVIEWER}),
    "review.resolve": frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL}),
}
OWNER_DATA_ROLES = frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL})
SHARED_DATA_ROLES = frozenset({Role.ADMINISTRATOR, Role.RESEARCHER})
CREATOR_ROLES = frozenset({Role.ADMINISTRATOR, Role.RESEARCHER})


def _memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user) if user.is_authenticated else Membership.objects.none()


def roles_in(user: User, programme: Programme) -> set[Role]:
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


def organisations_where(user: User, roles: frozenset[Role]) -> QuerySet[Organisation]:
    """Organisations in which the user holds one of `roles`."""
    ids = _memberships(user).filter(organisation__isnull=False, role__in=roles).values("organisation")
    return Organisation.objects.filter(pk__in=ids)


def visible_programmes(user: User) -> QuerySet[Programme]:
    """Programmes in which the user has any role."""
    mine = _memberships(user)
    orgs = mine.filter(organisation__isnull=False).values("organisation")
    direct = mine.filter(programme__isnull=False).values("programme")
    query = Q(pk__in=direct) | Q(lead__in=orgs) | Q(partners__in=orgs)
    return Programme.objects.filter(query).distinct()


def usable_datasets(user: User, programme: Programme) -> QuerySet[DatasetRecord]:
    """Datasets of the programme this user may use: own organisation's, or shared with it and still active."""
    owned = organisations_where(user, OWNER_DATA_ROLES)
    partner = organisations_where(user, SHARED_DATA_ROLES)
    shared = DataSharingAgreement.active().filter(partner__in=partner).values("dataset")
    return programme.datasets.filter(Q(owner__in=owned) | Q(pk__in=shared)).distinct()


def can(user: User, action: str, obj: Any = None) -> bool:
    """May `user` do `action` (on `obj`)? The single source of truth for every view and template."""
    if not user.is_authenticated:
        return False
    if action == "programme.create":
        return organisations_where(user, CREATOR_ROLES).exists()
    if action == "dataset.view" and isinstance(obj, DatasetRecord):
        return usable_datasets(user, obj.programme).filter(pk=obj.pk).exists()
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    if not isinstance(obj, Programme):
        raise TypeError(f"{action} needs a Programme, got {type(obj).__name__}")
    return bool(roles_in(user, obj) & ACTIONS[action])


def programme_for(request: HttpRequest, programme_id: int, action: str) -> Programme:
    """The programme, if the user may do `action` in it: 404 when they have no role there, 403 otherwise."""
    programme = get_object_or_404(Programme, pk=programme_id)
    if not roles_in(request.user, programme):
        raise Http404("no such programme")
    if not can(request.user, action, programme):
        raise PermissionDenied(action)
    return programme


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


# organisation action -> the organisation roles that allow it (an organisation's own affairs, not a programme's)
ORGANISATION_ACTIONS: dict[str, frozenset[Role]] = {
    "organisation.people": frozenset({Role.ADMINISTRATOR}),  # invite, roles, deactivate
}


def organisation_for(request: HttpRequest, organisation_id: int, action: str) -> Organisation:
    """The organisation, if the user may do `action` in it: 404 without a role there, 403 without the action."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    roles = {Role(r) for r in _memberships(request.user).filter(organisation=organisation)
             .values_list("role", flat=True)}
    if not roles:
        raise Http404("no such organisation")
    if not roles & ORGANISATION_ACTIONS.get(action, frozenset()):
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

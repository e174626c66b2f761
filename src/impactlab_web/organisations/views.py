"""The people pages of an organisation (its administrators only) and the public invitation link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from impactlab_web.core import audit
from impactlab_web.core.permissions import Action, can, public, requires_in_organisation
from impactlab_web.organisations import audit_trail, people
from impactlab_web.organisations.forms import AcceptForm, AuditFilterForm, InviteForm, RolesForm
from impactlab_web.organisations.models import Invitation, Membership, Role

PEOPLE = "organisation.people"


def _person_or_404(organisation, person_id: int) -> User:
    """Only people with a role in this organisation: another organisation's people are not found here."""
    ids = Membership.objects.filter(organisation=organisation).values("user")
    return get_object_or_404(User.objects.filter(pk__in=ids), pk=person_id)


def _invitation_or_404(organisation, invitation_id: int) -> Invitation:
    return get_object_or_404(Invitation, pk=invitation_id, organisation=organisation)


def _language(request: HttpRequest) -> str:
    profile = getattr(request.user, "profile", None)
    return getattr(profile, "language", None) or "nl"


@requires_in_organisation(PEOPLE)
def people_list(request: HttpRequest, organisation: int) -> HttpResponse:
    org = request.organisation
    form = InviteForm(request.POST or None, initial={"language": _language(request)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                people.invite(org, form.cleaned_data["email"], Role(form.cleaned_data["role"]),
                              form.cleaned_data["language"], request.user, request.build_absolute_uri)
            except people.PeopleError as error:
                form.add_error("email", str(error))
            else:
                messages.success(request, _("An invitation was sent to %(email)s.") % form.cleaned_data)
                return redirect("people:list", organisation=org.pk)
        status = 422
    return render(request, "organisations/people.html", {
        "organisation": org, "people": people.people(org), "form": form,
        "two_factor_required": people.two_factor_required(org),
        "may_audit": can(request.user, Action.AUDIT_VIEW, org),
        "invitations": org.invitations.filter(accepted_at__isnull=True, cancelled_at__isnull=True)
        .select_related("invited_by"),
    }, status=status)


@requires_in_organisation(PEOPLE)
def person_edit(request: HttpRequest, organisation: int, person: int) -> HttpResponse:
    org = request.organisation
    user = _person_or_404(org, person)
    found = people.person(org, user)
    initial = {"roles": [r.value for r in found.roles]}
    for programme, role in found.programme_roles:
        initial.setdefault(f"programme_{programme.pk}", []).append(role.value)
    form = RolesForm(request.POST or None, initial=initial, programmes=people.programmes_of(org))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            roles, programme_roles = form.chosen()
            try:
                people.set_roles(org, user, roles, programme_roles, request.user)
            except people.PeopleError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The roles of %(name)s were saved.") % {"name": _name(user)})
                return redirect("people:list", organisation=org.pk)
        status = 422
    return render(request, "organisations/person.html",
                  {"organisation": org, "person": found, "form": form}, status=status)


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _act(request: HttpRequest, action, success: str) -> HttpResponse:
    try:
        action()
    except people.PeopleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("people:list", organisation=request.organisation.pk)


@requires_in_organisation(PEOPLE)
@require_POST
def person_remove(request: HttpRequest, organisation: int, person: int) -> HttpResponse:
    user = _person_or_404(request.organisation, person)
    return _act(request, lambda: people.remove(request.organisation, user, request.user),
                _("%(name)s no longer has a role in your organisation.") % {"name": _name(user)})


@requires_in_organisation(PEOPLE)
@require_POST
def person_active(request: HttpRequest, organisation: int, person: int) -> HttpResponse:
    user = _person_or_404(request.organisation, person)
    active = request.POST.get("active") == "1"
    done = (_("The account of %(name)s is active again.") if active
            else _("The account of %(name)s is deactivated; its sessions have ended.")) % {"name": _name(user)}
    return _act(request, lambda: people.set_active(request.organisation, user, active, request.user), done)


@requires_in_organisation(PEOPLE)
@require_POST
def person_two_factor_reset(request: HttpRequest, organisation: int, person: int) -> HttpResponse:
    user = _person_or_404(request.organisation, person)
    return _act(request, lambda: people.reset_two_factor(request.organisation, user, request.user),
                _("The two-factor login of %(name)s is reset; they set it up again at their next login.")
                % {"name": _name(user)})


@requires_in_organisation(PEOPLE)
@require_POST
def two_factor_rule(request: HttpRequest, organisation: int) -> HttpResponse:
    required = request.POST.get("required") == "1"
    done = (_("Two-factor login is now required for every role that sees personal data.") if required
            else _("Two-factor login is no longer required."))
    return _act(request, lambda: people.require_two_factor(request.organisation, required, request.user), done)


@requires_in_organisation(PEOPLE)
@require_POST
def invitation_resend(request: HttpRequest, organisation: int, invitation: int) -> HttpResponse:
    found = _invitation_or_404(request.organisation, invitation)
    return _act(request, lambda: people.resend(found, request.user, request.build_absolute_uri),
                _("A new invitation was sent to %(email)s.") % {"email": found.email})


@requires_in_organisation(PEOPLE)
@require_POST
def invitation_cancel(request: HttpRequest, organisation: int, invitation: int) -> HttpResponse:
    found = _invitation_or_404(request.organisation, invitation)
    return _act(request, lambda: people.cancel(found, request.user),
                _("The invitation to %(email)s was cancelled.") % {"email": found.email})


# ------------------------------------------------------------------------------------------- audit trail
AUDIT_PAGE_SIZE = 50


def _audit_filter(request: HttpRequest) -> tuple[AuditFilterForm, object]:
    """The filter form (from the query string) and the organisation's events it selects."""
    org = request.organisation
    form = AuditFilterForm(request.GET or None, usernames=audit_trail.usernames(org),
                           programmes=people.programmes_of(org))
    found = audit_trail.events(org)
    if form.is_bound and form.is_valid():
        found = audit_trail.filtered(found, form.cleaned_data)
    return form, found


def _filters(form: AuditFilterForm) -> dict:
    """The filters in use, for the audit event of reading the trail (user names of colleagues, no free text)."""
    if not (form.is_bound and form.is_valid()):
        return {}
    return {k: v for k, v in form.cleaned_data.items() if v not in (None, "") and k != "object"}


@requires_in_organisation(Action.AUDIT_VIEW)
@require_GET
def audit_list(request: HttpRequest, organisation: int) -> HttpResponse:
    """Who viewed or exported which personal data of the organisation, and who changed whose access."""
    org = request.organisation
    form, found = _audit_filter(request)
    page = Paginator(found, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read before this reading is recorded: the count stays right
    audit.record(request, audit.Action.AUDIT_VIEW, org, detail={"page": page.number, **_filters(form)})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "organisations/audit.html", {
        "organisation": org, "form": form, "page": page, "query": query.urlencode(),
    }, status=422 if form.is_bound and not form.is_valid() else 200)


@requires_in_organisation(Action.AUDIT_VIEW)
@require_GET
def audit_export(request: HttpRequest, organisation: int) -> HttpResponse:
    """The (filtered) trail as CSV; the export is itself written to the trail, before the first row."""
    org = request.organisation
    form, found = _audit_filter(request)
    audit.record(request, audit.Action.AUDIT_EXPORT, org, detail={"rows": found.count(), **_filters(form)})
    response = StreamingHttpResponse(audit_trail.csv_lines(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{org.pk}-{timezone.now():%Y%m%d}.csv"'
    return response


@public
@never_cache
def accept(request: HttpRequest, invite_token: str) -> HttpResponse:
    """The link in the invitation e-mail: a new account, or the logged-in account with the invited address."""
    invitation = people.open_invitation(invite_token)
    if invitation is None:
        return render(request, "organisations/invitation_ended.html",
                      {"state": people.invitation_state(invite_token)}, status=410 if
                      people.invitation_state(invite_token) else 404)
    signed_in = request.user if request.user.is_authenticated else None
    form = None if signed_in else AcceptForm(request.POST or None, email=invitation.email,
                                             initial={"language": invitation.language})
    error = None
    if request.method == "POST" and (signed_in or form.is_valid()):
        account = None if signed_in else {
            "username": form.cleaned_data["username"], "name": form.cleaned_data["name"],
            "language": form.cleaned_data["language"], "password": form.cleaned_data["password1"]}
        try:
            user = people.accept(invite_token, signed_in, account)
        except people.PeopleError as problem:
            error = str(problem)
        else:
            if not signed_in:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to %(organisation)s.") % {"organisation": invitation.organisation})
            return redirect("programmes:home")
    return render(request, "organisations/accept.html", {
        "invitation": invitation, "form": form, "signed_in": signed_in, "error": error,
        "role": Role(invitation.role).label,
    }, status=422 if request.method == "POST" else 200)

"""Partner pages: the lead's Partners tab (invite, codes, end), the administrator's inbox of invitations
(accept, decline, accept by code), and leaving a programme. No page lists other organisations."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from impactlab_web.core.permissions import POLICY, Action, requires
from impactlab_web.programmes import partnerships
from impactlab_web.programmes.forms import LeaveForm, PartnerAnswerForm, PartnerCodeForm, PartnerInviteForm
from impactlab_web.programmes.models import Partnership


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _partners_page(request: HttpRequest, form: PartnerInviteForm | None = None, code: str = "",
                   status: int = 200) -> HttpResponse:
    programme = request.programme
    return render(request, "programmes/partners.html", {
        "programme": programme, "form": form or PartnerInviteForm(), "code": code,
        "partnerships": programme.partnerships.select_related("organisation", "invited_by"),
    }, status=status)


@requires(Action.PARTNERS_MANAGE)
def partner_list(request: HttpRequest, programme: int) -> HttpResponse:
    """The programme's partnerships in every state, with the forms to invite."""
    return _partners_page(request)


@requires(Action.PARTNERS_MANAGE)
@require_POST
def invite(request: HttpRequest, programme: int) -> HttpResponse:
    form = PartnerInviteForm(request.POST)
    if form.is_valid():
        try:
            partnerships.invite(request.programme, form.cleaned_data["email"], request.user, _base(request))
        except partnerships.PartnershipError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, _("The invitation was sent to %(email)s. The organisation takes part once "
                                        "its administrator accepts.") % form.cleaned_data)
            return redirect("partners:list", programme=programme)
    return _partners_page(request, form=form, status=422)


@requires(Action.PARTNERS_MANAGE)
@require_POST
@never_cache
def make_code(request: HttpRequest, programme: int) -> HttpResponse:
    """A new one-time code, shown on this page once (only its hash is kept)."""
    _partnership, code = partnerships.make_code(request.programme, request.user)
    return _partners_page(request, code=code)


@requires(Action.PARTNERS_MANAGE)
@require_POST
def end(request: HttpRequest, programme: int, partnership: int) -> HttpResponse:
    """End an accepted partnership, or withdraw an open invitation."""
    found = get_object_or_404(Partnership, pk=partnership, programme=request.programme)
    try:
        partnerships.end(found, request.user, base_url=_base(request))
    except partnerships.PartnershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The partnership has ended; its data-sharing agreements are withdrawn."))
    return redirect("partners:list", programme=programme)


@requires(Action.PROGRAMME_LEAVE)
def leave(request: HttpRequest, programme: int) -> HttpResponse:
    """A partner organisation's administrator takes their organisation out of the programme."""
    current = request.programme
    mine = POLICY.partner_organisations(request.user, current)
    form = LeaveForm(request.POST or None, organisations=mine, initial={"organisation": mine.first()})
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data["organisation"]
        found = Partnership.objects.accepted().get(programme=current, organisation=organisation)
        partnerships.end(found, request.user, leaving=True, base_url=_base(request))
        messages.success(request, _("%(name)s no longer takes part in %(programme)s; its data-sharing "
                                    "agreements in the programme are withdrawn.")
                         % {"name": organisation.name, "programme": current.name})
        return redirect("programmes:home")
    return render(request, "programmes/partner_leave.html", {"programme": current, "form": form},
                  status=422 if request.method == "POST" else 200)


# ------------------------------------------------------------------------------------------ the inbox
def _administered(request: HttpRequest):
    return POLICY.organisations(request.user, Action.PARTNERSHIP_ANSWER)


@requires(Action.PARTNERSHIP_ANSWER)
def inbox(request: HttpRequest) -> HttpResponse:
    """Invitations sent to this administrator's address, and the programmes their organisations partner in."""
    administered = _administered(request)
    invitations = [(p, PartnerAnswerForm(organisations=administered, prefix=f"p{p.pk}"))
                   for p in partnerships.inbox(request.user)]
    partnered = Partnership.objects.accepted().filter(organisation__in=administered).select_related(
        "programme", "organisation")
    return render(request, "programmes/partner_inbox.html", {
        "invitations": invitations, "partnered": partnered, "code_form": PartnerCodeForm(organisations=administered),
    })


def _addressed(request: HttpRequest, partnership: int) -> Partnership:
    """An open e-mail invitation addressed to this administrator; 404 for any other."""
    found = get_object_or_404(Partnership.objects.select_related("programme", "programme__lead"), pk=partnership,
                              code_sha256__isnull=True)
    if not POLICY.allows(request.user, Action.PARTNERSHIP_ANSWER, found):
        raise Http404("no such invitation")
    return found


def _answered(request: HttpRequest, step, done: str) -> HttpResponse:
    try:
        step()
    except partnerships.PartnershipError as error:
        messages.error(request, str(error))
        return redirect("partners:inbox")
    messages.success(request, done)
    return redirect("partners:inbox")


@requires(Action.PARTNERSHIP_ANSWER)
@require_POST
def accept(request: HttpRequest, partnership: int) -> HttpResponse:
    found = _addressed(request, partnership)
    form = PartnerAnswerForm(request.POST, organisations=_administered(request), prefix=f"p{found.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose which of your organisations takes part."))
        return redirect("partners:inbox")
    organisation = form.cleaned_data["organisation"]
    return _answered(request, lambda: partnerships.accept(found, organisation, request.user, _base(request)),
                     _("%(name)s takes part in %(programme)s. Give your people their roles there on your "
                       "organisation's people page.") % {"name": organisation.name, "programme": found.programme})


@requires(Action.PARTNERSHIP_ANSWER)
@require_POST
def decline(request: HttpRequest, partnership: int) -> HttpResponse:
    found = _addressed(request, partnership)
    return _answered(request, lambda: partnerships.decline(found, request.user, _base(request)),
                     _("You declined the invitation to %(programme)s.") % {"programme": found.programme})


@requires(Action.PARTNERSHIP_ANSWER)
@never_cache
def redeem(request: HttpRequest) -> HttpResponse:
    """Accept with an invitation code: for one of the organisations this user administers."""
    form = PartnerCodeForm(request.POST or None, organisations=_administered(request))
    if request.method == "POST" and form.is_valid():
        found = partnerships.by_code(form.cleaned_data["code"])
        if found is None or not POLICY.allows(request.user, Action.PARTNERSHIP_ANSWER, found):
            form.add_error("code", _("This code is not valid: it is mistyped, used already or expired."))
        else:
            organisation = form.cleaned_data["organisation"]
            try:
                partnerships.accept(found, organisation, request.user, _base(request))
            except partnerships.PartnershipError as error:
                form.add_error("organisation", str(error))
            else:
                messages.success(request, _("%(name)s takes part in %(programme)s.")
                                 % {"name": organisation.name, "programme": found.programme})
                return redirect("programmes:detail", programme=found.programme_id)
    return render(request, "programmes/partner_code.html", {"form": form},
                  status=422 if request.method == "POST" else 200)

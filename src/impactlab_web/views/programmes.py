"""The home page (the user's programmes), creating a programme, its overview and its theory of change."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from impactlab_web import permissions, toc
from impactlab_web.forms import ProgrammeForm
from impactlab_web.models import Membership, Role
from impactlab_web.permissions import any_user, requires


@any_user
def home(request: HttpRequest) -> HttpResponse:
    programmes = permissions.visible_programmes(request.user).select_related("lead").prefetch_related("partners")
    return render(request, "impactlab_web/home.html", {
        "programmes": programmes,
        "may_create": permissions.can(request.user, "programme.create"),
        "administered": permissions.organisations_where(request.user, permissions.Action.ORGANISATION_PEOPLE),
    })


@requires("programme.create")
def create(request: HttpRequest) -> HttpResponse:
    leads = permissions.organisations_where(request.user, permissions.Action.PROGRAMME_CREATE)
    form = ProgrammeForm(request.POST or None, leads=leads)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            programme = form.save(commit=False)
            programme.created_by = request.user
            programme.save()
            form.save_m2m()
            Membership.objects.get_or_create(user=request.user, programme=programme, role=Role.ADMINISTRATOR)
        return redirect("editor:edit", programme=programme.pk)
    return render(request, "impactlab_web/programme_form.html", {"form": form})


@requires("programme.view")
def detail(request: HttpRequest, programme: int) -> HttpResponse:
    current = request.programme
    return render(request, "impactlab_web/programme_detail.html", {
        "programme": current,
        "version": current.latest_version(),
        "roles": sorted(Role(r).label for r in permissions.roles_in(request.user, current)),
        "disputed": _disputed(request.user, current),
    })


def _disputed(user, programme) -> int:
    """Outcomes disputed by reviewers in the reports this user may open (0 when they may open none)."""
    if not permissions.can(user, "reports.view", programme):
        return 0
    from impactlab_web.review import sharing

    return sharing.disputes(sharing.reports_for(user, programme)).count()


@requires("model.view")
def theory_of_change(request: HttpRequest, programme: int) -> HttpResponse:
    """Per stakeholder its own inputs, activities, outputs and outcomes (impactlab_web.toc)."""
    current = request.programme
    version = current.latest_version()
    lanes = []
    if version is not None:
        from impactlab.model import ImpactModel

        lanes = toc.lanes(ImpactModel.model_validate(version.document))
    headings = [("inputs", _("Inputs")), ("activities", _("Activities")), ("outputs", _("Outputs")),
                ("outcomes", _("Outcomes"))]
    lanes = [(lane, [(key, heading, lane.columns[key]) for key, heading in headings]) for lane in lanes]
    return render(request, "impactlab_web/theory_of_change.html",
                  {"programme": current, "version": version, "lanes": lanes})

"""The home page (the user's programmes), creating a programme, its overview and its theory of change."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from impactlab_web.core import evidence, permissions
from impactlab_web.core.permissions import Action, any_user, requires
from impactlab_web.organisations.models import Membership, Role
from impactlab_web.programmes import programme_life, toc
from impactlab_web.programmes.forms import DeleteProgrammeForm, ProgrammeForm, ProgrammeSettingsForm
from impactlab_web.programmes.models import Programme


@any_user
def home(request: HttpRequest) -> HttpResponse:
    """The user's programmes; archived ones only under the archive filter (``?archived=1``)."""
    archived = request.GET.get("archived") == "1"
    programmes = permissions.visible_programmes(request.user).select_related("lead").filter(
        archived_at__isnull=not archived)
    return render(request, "programmes/home.html", {
        "programmes": programmes, "archived": archived,
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
            Membership.objects.get_or_create(user=request.user, programme=programme, role=Role.ADMINISTRATOR)
        return redirect("editor:edit", programme=programme.pk)
    return render(request, "programmes/programme_form.html", {"form": form})


@requires("programme.view")
def detail(request: HttpRequest, programme: int) -> HttpResponse:
    current = request.programme
    return render(request, "programmes/programme_detail.html", {
        "programme": current,
        "version": evidence.version_for(request.user, current),
        "roles": sorted(Role(r).label for r in permissions.roles_in(request.user, current)),
        "disputed": _disputed(request.user, current),
        "may_archive": permissions.can(request.user, Action.PROGRAMME_ARCHIVE, current),
        "may_delete": permissions.can(request.user, Action.PROGRAMME_DELETE, current),
        "may_leave": permissions.can(request.user, Action.PROGRAMME_LEAVE, current),
    })


def _disputed(user, programme) -> int:
    """Outcomes disputed by reviewers in the reports this user may open (0 when they may open none)."""
    if not permissions.can(user, "reports.view", programme):
        return 0
    from impactlab_web.review import sharing

    return sharing.disputes(sharing.reports_for(user, programme)).count()


@requires("model.view")
def theory_of_change(request: HttpRequest, programme: int) -> HttpResponse:
    """Per stakeholder its own inputs, activities, outputs and outcomes (impactlab_web.programmes.toc)."""
    current = request.programme
    version = evidence.version_for(request.user, current)
    lanes = []
    if version is not None:
        from impactlab.model import ImpactModel

        lanes = toc.lanes(ImpactModel.model_validate(version.document))
    headings = [("inputs", _("Inputs")), ("activities", _("Activities")), ("outputs", _("Outputs")),
                ("outcomes", _("Outcomes"))]
    lanes = [(lane, [(key, heading, lane.columns[key]) for key, heading in headings]) for lane in lanes]
    return render(request, "programmes/theory_of_change.html",
                  {"programme": current, "version": version, "lanes": lanes})


@requires(Action.PROGRAMME_SETTINGS)
def settings(request: HttpRequest, programme: int) -> HttpResponse:
    """Rename and describe; links to archiving and deleting."""
    current = request.programme
    form = ProgrammeSettingsForm(request.POST or None, instance=Programme.objects.get(pk=current.pk))
    if request.method == "POST" and form.is_valid():
        programme_life.change(current, form.cleaned_data["name"], form.cleaned_data["description"],
                              request.user)
        messages.success(request, _("The programme is saved."))
        return redirect("programmes:settings", programme=programme)
    return render(request, "programmes/programme_settings.html", {
        "programme": current, "form": form, "deletion_refusal": programme_life.deletion_refusal(current),
    }, status=422 if request.method == "POST" else 200)


@requires(Action.PROGRAMME_ARCHIVE)
@require_POST
def archive(request: HttpRequest, programme: int) -> HttpResponse:
    return _archived(request, programme_life.archive,
                     _("The programme is archived: read-only, and no longer on the home page."))


@requires(Action.PROGRAMME_ARCHIVE)
@require_POST
def unarchive(request: HttpRequest, programme: int) -> HttpResponse:
    return _archived(request, programme_life.unarchive, _("The programme is out of the archive."))


def _archived(request: HttpRequest, step, done: str) -> HttpResponse:
    step(request.programme, request.user)
    messages.success(request, done)
    return redirect("programmes:detail", programme=request.programme.pk)


@requires(Action.PROGRAMME_DELETE)
def delete(request: HttpRequest, programme: int) -> HttpResponse:
    """Delete after typing the programme's name; refused when a learning cycle has finished."""
    current = request.programme
    refusal = programme_life.deletion_refusal(current)
    form = DeleteProgrammeForm(request.POST or None, programme=current)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            programme_life.delete(current, request.user)
        except programme_life.ProgrammeError as error:
            refusal = str(error)
        else:
            messages.success(request, _("The programme %(name)s is deleted.") % {"name": current.name})
            return redirect("programmes:home")
    return render(request, "programmes/programme_delete.html", {
        "programme": current, "form": form, "refusal": refusal,
    }, status=422 if request.method == "POST" else 200)

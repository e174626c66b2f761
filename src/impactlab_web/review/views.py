"""Views of learning cycles, reports and review. Every view is guarded by ``permissions.requires``; the personal
link views are ``public`` and check their signed token themselves (``sharing.share_for_token``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from impactlab.errors import UserError
from impactlab_web.core import audit, permissions
from impactlab_web.core.permissions import Action, public, requires
from impactlab_web.review import cycles as service
from impactlab_web.review import reporting, sharing
from impactlab_web.review.forms import (
    AnswerForm,
    CommentForm,
    CycleForm,
    DatasetsForm,
    NewCycleForm,
    PhaseForm,
    ReportForm,
    ShareForm,
)
from impactlab_web.review.models import Comment, Cycle, Phase, ReportVersion, Share


def _cycle(request: HttpRequest, number: int) -> Cycle:
    return get_object_or_404(Cycle.objects.select_related("model_version"), programme=request.programme,
                             number=number)


def _to_cycle(cycle: Cycle) -> HttpResponse:
    return redirect("review:cycle", programme=cycle.programme_id, cycle=cycle.number)


# --- cycles ---------------------------------------------------------------------------------------------------

@requires("cycles.view")
def cycles(request: HttpRequest, programme: int) -> HttpResponse:
    """The programme's learning cycles with their phases; start a new one; pick two to compare."""
    rows = request.programme.cycles.select_related("model_version").prefetch_related("phases", "reports")
    return render(request, "review/cycles.html", {"programme": request.programme, "cycles": rows,
                                                  "form": NewCycleForm()})


@requires("cycles.manage")
@require_POST
def cycle_create(request: HttpRequest, programme: int) -> HttpResponse:
    form = NewCycleForm(request.POST)
    if not form.is_valid():
        rows = request.programme.cycles.prefetch_related("phases", "reports")
        return render(request, "review/cycles.html", {"programme": request.programme, "cycles": rows,
                                                      "form": form}, status=422)
    cycle = service.create_cycle(request.programme, form.cleaned_data["title"], request.user,
                                 form.cleaned_data["question"])
    messages.success(request, _("Cycle %(number)s started.") % {"number": cycle.number})
    return _to_cycle(cycle)


@requires("cycles.view")
def cycle_detail(request: HttpRequest, programme: int, cycle: int) -> HttpResponse:
    current = _cycle(request, cycle)
    return _render_cycle(request, current)


def _render_cycle(request: HttpRequest, cycle: Cycle, status: int = 200, **forms: Any) -> HttpResponse:
    programme = request.programme
    usable = permissions.usable_datasets(request.user, programme)
    context = {
        "programme": programme, "cycle": cycle, "phases": list(cycle.phases.all()),
        "datasets": list(cycle.datasets.all()),
        "tombstones": list(cycle.tombstones.all()),
        "reports": list(sharing.with_disputes(sharing.reports_for(request.user, programme).filter(cycle=cycle))
                        .select_related("job")),
        "previous": cycle.previous(),
        "latest": programme.published_version(),  # the version a freeze takes (service.freeze)
        "phase_statuses": Phase.Status.choices,
        "datasets_form": forms.get("datasets_form") or DatasetsForm(queryset=usable,
                                                                    initial={"datasets": cycle.datasets.all()}),
        "report_form": forms.get("report_form") or ReportForm(initial={"lang": "nl", "formats": ["pdf", "html"]}),
        "edit_form": forms.get("edit_form") or CycleForm(instance=cycle),
        "locked": cycle.status == Cycle.Status.FINISHED,
    }
    return render(request, "review/cycle.html", context, status=status)


@requires("cycles.manage")
def cycle_edit(request: HttpRequest, programme: int, cycle: int) -> HttpResponse:
    """Title, question, conclusions and the note on what changed since the previous cycle."""
    current = _cycle(request, cycle)
    if not permissions.can(request.user, Action.CYCLES_MANAGE, current):  # finished: read-only
        messages.error(request, _("A finished cycle cannot change."))
        return _to_cycle(current)
    form = CycleForm(request.POST or None, instance=current)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved."))
            return _to_cycle(current)
        return _render_cycle(request, current, status=422, edit_form=form)
    return render(request, "review/cycle_edit.html", {"programme": request.programme, "cycle": current,
                                                      "form": form})


@requires("cycles.manage")
@require_POST
def phase_update(request: HttpRequest, programme: int, cycle: int, phase: str) -> HttpResponse:
    current = _cycle(request, cycle)
    found = get_object_or_404(Phase, cycle=current, kind=phase)
    form = PhaseForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose a status."), status=422)
    try:
        service.update_phase(found, form.cleaned_data["status"], form.cleaned_data["notes"])
    except service.CycleLocked:
        messages.error(request, _("A finished cycle cannot change."))
    return _to_cycle(current)


@requires("cycles.manage")
@require_POST
def cycle_freeze(request: HttpRequest, programme: int, cycle: int) -> HttpResponse:
    """Freeze the programme's published model version for this cycle (a draft is never frozen)."""
    current = _cycle(request, cycle)
    try:
        service.freeze(current)
    except service.CycleLocked:
        if current.status != current.Status.FINISHED and request.programme.published_version() is None:
            messages.error(request, _("Publish a model version first: a cycle works with a published version."))
        else:
            messages.error(request, _("This cycle's model version cannot change now."))
    else:
        messages.success(request, _("Model version %(number)s is frozen for this cycle.")
                         % {"number": current.model_version.number})
    return _to_cycle(current)


@requires("cycles.manage")
@require_POST
def cycle_finish(request: HttpRequest, programme: int, cycle: int) -> HttpResponse:
    current = _cycle(request, cycle)
    try:
        service.finish(current)
    except service.CycleLocked:
        messages.error(request, _("A cycle is finished when its model version is frozen and every phase is done."))
    else:
        messages.success(request, _("Cycle %(number)s is finished.") % {"number": current.number})
    return _to_cycle(current)


@requires("cycles.manage")
@require_POST
def cycle_datasets(request: HttpRequest, programme: int, cycle: int) -> HttpResponse:
    """The dataset snapshots the cycle used (only those this user may use can be chosen)."""
    current = _cycle(request, cycle)
    if not permissions.can(request.user, Action.CYCLES_MANAGE, current):  # finished: read-only
        messages.error(request, _("A finished cycle cannot change."))
        return _to_cycle(current)
    form = DatasetsForm(request.POST, queryset=permissions.usable_datasets(request.user, request.programme))
    if not form.is_valid():
        return _render_cycle(request, current, status=422, datasets_form=form)
    hidden = current.datasets.exclude(pk__in=form.fields["datasets"].queryset.values("pk"))
    current.datasets.set([*hidden, *form.cleaned_data["datasets"]])
    messages.success(request, _("Snapshots saved."))
    return _to_cycle(current)


@requires("cycles.view")
def cycle_compare(request: HttpRequest, programme: int) -> HttpResponse:
    """Two cycles side by side (default: the last two): figures, outcomes, every changed assumption, why."""
    rows = list(request.programme.cycles.select_related("model_version").order_by("number"))
    numbers = {c.number: c for c in rows}
    try:
        a, b = int(request.GET.get("a", 0)), int(request.GET.get("b", 0))
    except ValueError:
        a = b = 0
    old, new = numbers.get(a), numbers.get(b)
    if (old is None or new is None) and len(rows) >= 2:
        old, new = rows[-2], rows[-1]
    comparison = service.compare_cycles(old, new) if old and new and old != new else None
    return render(request, "review/compare.html", {"programme": request.programme, "cycles": rows,
                                                   "comparison": comparison, "old": old, "new": new})


# --- reports ------------------------------------------------------------------------------------------------

@requires("reports.generate")
@require_POST
def report_generate(request: HttpRequest, programme: int, cycle: int) -> HttpResponse:
    """Generate a report version of the cycle in the background (progress on the cycle page)."""
    current = _cycle(request, cycle)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _render_cycle(request, current, status=422, report_form=form)
    try:
        report = reporting.request_report(current, form.cleaned_data["lang"], form.cleaned_data["formats"],
                                          request.user)
    except UserError as error:
        messages.error(request, " ".join(error.messages))
        return _to_cycle(current)
    messages.success(request, _("Report %(number)s is being generated.") % {"number": report.number})
    return _to_cycle(current)


@requires("reports.view")
def reports(request: HttpRequest, programme: int) -> HttpResponse:
    """Every report version this user may open, per cycle."""
    rows = sharing.with_disputes(sharing.reports_for(request.user, request.programme)).order_by(
        "-cycle__number", "-number")
    return render(request, "review/reports.html", {"programme": request.programme, "reports": rows})


def _report(request: HttpRequest, report: int) -> ReportVersion:
    found = sharing.reports_for(request.user, request.programme).filter(pk=report).first()
    if found is None:
        raise Http404("no such report")
    return found


def _targets(report: ReportVersion) -> dict[str, set[str]]:
    summary = report.summary or {}
    return {"section": {s["id"] for s in summary.get("sections", [])},
            "outcome": {o["id"] for o in summary.get("outcomes", [])}}


def _review_context(request: HttpRequest, report: ReportVersion, share: Share | None = None) -> dict[str, Any]:
    summary = report.summary or {}
    found = sharing.threads(report)
    content = {s["id"]: s for s in reporting.content(report).get("sections", [])}
    outcomes = [{**o, "thread": found.get(("outcome", o["id"])) or sharing.Thread("outcome", o["id"])}
                for o in summary.get("outcomes", [])]
    sections = [{**s, "content": content.get(s["id"]),
                 "thread": found.get(("section", s["id"])) or sharing.Thread("section", s["id"])}
                for s in summary.get("sections", []) if s["id"] != "outcomes"]
    if share is None:
        programme = request.programme
        can_comment = permissions.can(request.user, "review.comment", programme)
        can_resolve = permissions.can(request.user, "review.resolve", programme)
        can_share = permissions.can(request.user, "review.share", programme)
        can_verdict = permissions.can(request.user, permissions.Action.REVIEW_VERDICT, programme)
    else:
        programme, can_comment, can_resolve, can_share, can_verdict = None, True, False, False, True
    shares = list(report.shares.all()) if can_share else []
    return {"programme": programme, "report": report, "summary": summary, "figures": summary.get("figures", {}),
            "currency": summary.get("currency", "EUR"),
            "outcomes": outcomes, "sections": sections, "share": share,
            "token": request.resolver_match.kwargs.get("token") if share else None,
            "can_comment": can_comment and report.status == ReportVersion.Status.READY,
            "logged": report.status == ReportVersion.Status.READY and reporting.holds_personal_data(report),
            "can_resolve": can_resolve, "can_verdict": can_verdict, "can_share": can_share, "shares": shares,
            "role_shared": any(s.kind == Share.Kind.ROLE and not s.revoked_at for s in shares),
            "tokens": {s.pk: sharing.token_for(s) for s in shares if s.kind == Share.Kind.LINK},
            "share_form": ShareForm(initial={"days": sharing.DEFAULT_DAYS})}


@requires("reports.view")
def report(request: HttpRequest, programme: int, report: int) -> HttpResponse:
    """The review page of one report version: key figures, outcomes with verification status, sections,
    comments (also those on earlier versions), downloads and, for the team, sharing."""
    found = _report(request, report)
    _audit_reading(request, found, audit.Action.REPORT_VIEW)
    return render(request, "review/report.html", _review_context(request, found))


def _audit_reading(request: HttpRequest, report: ReportVersion, action: audit.Action, share: Share | None = None,
                   **detail: Any) -> None:
    """A report that holds respondent data or quotes: who read it (a personal link: which link) goes in the trail."""
    if report.status == ReportVersion.Status.READY and reporting.holds_personal_data(report):
        audit.record(request, action, report, detail={**detail, **({"share": share.pk} if share else {})})


def _send(request: HttpRequest, report: ReportVersion, fmt: str, share: Share | None = None) -> HttpResponse:
    path = report.path(fmt) if report.status == ReportVersion.Status.READY else None
    if path is None or not path.exists():
        raise Http404("no such file")
    # the data-sharing rights of every dataset the report used, asked again now: a withdrawn agreement stops it
    withdrawn = permissions.POLICY.withdrawn_report_datasets(report, request.user)
    if withdrawn:
        names = ", ".join(sorted({d.name for d in withdrawn}))
        return render(request, "review/download_refused.html", {
            "programme": request.programme if share is None else None, "report": report, "names": names},
            status=403)
    _audit_reading(request, report, audit.Action.REPORT_DOWNLOAD, share, format=fmt)
    name = f"{report.cycle.programme.name}-{report.cycle.number}-{report.number}-{report.lang}.{fmt}"
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name,
                            content_type=reporting.CONTENT_TYPES[fmt])
    return response


@requires("reports.view")
def report_file(request: HttpRequest, programme: int, report: int, fmt: str) -> HttpResponse:
    """Download one file of a report version (audit-logged when the report holds respondent data)."""
    return _send(request, _report(request, report), fmt)


@requires("review.share")
@require_POST
def share_create(request: HttpRequest, programme: int, report: int) -> HttpResponse:
    """Share with the programme's reviewers, or make a personal time-limited link (shown once, here)."""
    found = _report(request, report)
    form = ShareForm(request.POST)
    if not form.is_valid() or found.status != ReportVersion.Status.READY:
        context = _review_context(request, found)
        context["share_form"] = form
        return render(request, "review/report.html", context, status=422)
    try:
        sharing.shareable(found)
    except UserError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("review:report", programme=request.programme.pk, report=found.pk)
    if form.cleaned_data["kind"] == "role":
        sharing.share_with_role(found, request.user)
        messages.success(request, _("Shared with the programme's stakeholder reviewers."))
    else:
        try:
            share, token = sharing.share_link(found, form.cleaned_data["name"], form.cleaned_data["days"] or 30,
                                              request.user)
        except sharing.AlreadyShared as error:
            form.add_error("name", error.messages[0])
            context = _review_context(request, found)
            context["share_form"] = form
            return render(request, "review/report.html", context, status=422)
        link = request.build_absolute_uri(reverse("review:shared", kwargs={"token": token}))
        messages.success(request, _("Personal link for %(name)s: %(link)s") % {"name": share.name, "link": link})
    return redirect("review:report", programme=request.programme.pk, report=found.pk)


@requires("review.share")
@require_POST
def share_revoke(request: HttpRequest, programme: int, share: int) -> HttpResponse:
    found = get_object_or_404(Share, pk=share, report__cycle__programme=request.programme)
    sharing.revoke(found)
    messages.success(request, _("Sharing withdrawn."))
    return redirect("review:report", programme=request.programme.pk, report=found.report_id)


def _thread_response(request: HttpRequest, report: ReportVersion, target: str, target_id: str,
                     share: Share | None = None, form: CommentForm | None = None, status: int = 200) -> HttpResponse:
    context = _review_context(request, report, share)
    items = context["outcomes"] if target == "outcome" else context["sections"]
    item = next((i for i in items if i["id"] == target_id), {"id": target_id, "title": target_id,
                                                             "thread": sharing.thread(report, target, target_id)})
    context.update({"item": item, "target": target, "form": form})
    return render(request, "review/_thread.html", context, status=status)


def _after_comment(request: HttpRequest, report: ReportVersion, form: CommentForm, share: Share | None,
                   back: str) -> HttpResponse:
    if not form.is_valid():
        if request.htmx and form.cleaned_data.get("target_id"):
            return _thread_response(request, report, form.cleaned_data["target"], form.cleaned_data["target_id"],
                                    share, form, status=422)
        return HttpResponse(_("The comment needs a text and a section or outcome."), status=422)
    data = form.cleaned_data
    sharing.add_comment(report, data["target"], data["target_id"], data["text"], data["verdict"],
                        request.user, share)
    if request.htmx:
        return _thread_response(request, report, data["target"], data["target_id"], share)
    return redirect(f"{back}#{data['target']}-{data['target_id']}")


@requires("review.comment")
@require_POST
def comment_create(request: HttpRequest, programme: int, report: int) -> HttpResponse:
    found = _report(request, report)
    if found.status != ReportVersion.Status.READY:
        raise Http404("not ready")
    form = CommentForm(request.POST, targets=_targets(found))
    back = reverse("review:report", kwargs={"programme": request.programme.pk, "report": found.pk})
    return _after_comment(request, found, form, None, back)


@requires("review.resolve")
@require_POST
def comment_answer(request: HttpRequest, programme: int, comment: int) -> HttpResponse:
    """The team answers a comment and/or marks it resolved."""
    found = get_object_or_404(Comment.objects.select_related("report"), pk=comment, parent__isnull=True,
                              report__cycle__programme=request.programme)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return HttpResponse(" ".join(form.non_field_errors()), status=422)
    if form.cleaned_data["text"]:
        sharing.answer(found, form.cleaned_data["text"], request.user, resolve=form.cleaned_data["resolve"])
    elif form.cleaned_data["resolve"]:
        sharing.mark_resolved(found, request.user)
    # answer on the version the team looks at (a newer one shows the comment as "on an earlier version")
    shown = request.POST.get("shown_on")
    report = sharing.reports_for(request.user, request.programme).filter(pk=shown).first() if shown else None
    report = report or found.report
    if request.htmx:
        return _thread_response(request, report, found.target, found.target_id)
    return redirect(reverse("review:report", kwargs={"programme": request.programme.pk, "report": report.pk})
                    + f"#{found.target}-{found.target_id}")


# --- personal links -----------------------------------------------------------------------------------------

def _shared(token: str) -> Share:
    share = sharing.share_for_token(token)
    if share is None:
        raise Http404("this link is not valid: it may have expired or been withdrawn")
    return share


@public
def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    """A report version opened with a personal link: that version only, comments as the link's holder."""
    share = sharing.share_for_token(token)
    if share is None:
        return render(request, "review/link_invalid.html", status=404)
    _audit_reading(request, share.report, audit.Action.REPORT_VIEW, share)
    return render(request, "review/report.html", _review_context(request, share.report, share))


@public
@require_POST
def shared_comment(request: HttpRequest, token: str) -> HttpResponse:
    share = _shared(token)
    if permissions.POLICY.read_only(share.report.cycle.programme):
        raise PermissionDenied("the programme is archived")
    form = CommentForm(request.POST, targets=_targets(share.report))
    return _after_comment(request, share.report, form, share, reverse("review:shared", kwargs={"token": token}))


@public
def shared_file(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    share = _shared(token)
    return _send(request, share.report, fmt, share)

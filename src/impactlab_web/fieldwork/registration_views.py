"""Registrations of support: quick entry and one's own list (a professional sees their own caseload), the
formal/informal balance (the core's `balance`, through disclosure control), and feeding the impact model."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from impactlab.errors import UserError
from impactlab.evidence.disclosure import DisclosurePolicy
from impactlab.fieldwork.registrations import balance as core_balance
from impactlab.model.library import proxy_library
from impactlab_web.core import audit, evidence, permissions
from impactlab_web.core.permissions import requires
from impactlab_web.fieldwork import service
from impactlab_web.fieldwork.forms import FeedForm, RegistrationForm
from impactlab_web.fieldwork.models import Registration
from impactlab_web.jobs import runner
from impactlab_web.jobs.models import Job
from impactlab_web.programmes import modelling

GROUPS = {"team": "team", "neighbourhood": "neighbourhood"}
PERIODS = ("month", "quarter", "week", "year")


def _own(request: HttpRequest) -> Any:
    return Registration.objects.filter(programme=request.programme, recorded_by=request.user)


def _suggestions(request: HttpRequest) -> dict[str, list[str]]:
    rows = Registration.objects.filter(programme=request.programme)
    return {name: sorted({v for v in rows.values_list(name, flat=True).distinct()[:200] if v})
            for name in ("team", "neighbourhood")}


def _list(request: HttpRequest, form: RegistrationForm, status: int = 200) -> HttpResponse:
    own = _own(request)
    audit.record(request, audit.Action.REGISTRATIONS_VIEW, request.programme, detail={"entries": own.count()})
    return render(request, "fieldwork/registrations.html", {
        "programme": request.programme, "form": form, "entries": own[:50], "count": own.count(),
        "suggestions": _suggestions(request)}, status=status)


@requires("registrations.record")
def registrations(request: HttpRequest, programme: int) -> HttpResponse:
    """Enter a registration (a phone-sized form) and see one's own latest entries."""
    if request.method == "POST":
        form = RegistrationForm(request.POST)
        if form.is_valid():
            key = form.cleaned_data.get("submission")
            entry = form.save(commit=False)
            entry.programme, entry.recorded_by, entry.idempotency_key = request.programme, request.user, key
            if key is not None and _own(request).filter(idempotency_key=key).exists():
                return _already_saved(request)
            try:
                with transaction.atomic():
                    entry.save()
            except IntegrityError:  # the same form, sent twice at the same moment: the other one stored it
                return _already_saved(request)
            messages.success(request, _("Registration saved: %(client)s on %(date)s.")
                             % {"client": entry.client, "date": entry.date.isoformat()})
            return redirect("fieldwork:registrations", programme=request.programme.pk)
        return _list(request, form, status=422)
    last = _own(request).first()
    initial = {"team": last.team, "neighbourhood": last.neighbourhood, "support": last.support} if last else {}
    return _list(request, RegistrationForm(initial=initial))


def _already_saved(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("This registration was sent twice; it is saved once."))
    return redirect("fieldwork:registrations", programme=request.programme.pk)


def _entry(request: HttpRequest, registration: int) -> Registration:
    """One's own entry only: another person's entry answers 404 (it is not in one's caseload)."""
    return get_object_or_404(_own(request), pk=registration)


@requires("registrations.record")
def edit(request: HttpRequest, programme: int, registration: int) -> HttpResponse:
    entry = _entry(request, registration)
    form = RegistrationForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Registration changed."))
        return redirect("fieldwork:registrations", programme=request.programme.pk)
    audit.record(request, audit.Action.REGISTRATIONS_VIEW, request.programme, detail={"registration": entry.pk})
    return render(request, "fieldwork/registration_edit.html",
                  {"programme": request.programme, "form": form, "entry": entry, "suggestions": _suggestions(request)},
                  status=422 if request.method == "POST" else 200)


@requires("registrations.record")
@require_POST
def delete(request: HttpRequest, programme: int, registration: int) -> HttpResponse:
    entry = _entry(request, registration)
    entry.delete()
    messages.success(request, _("Registration deleted."))
    return redirect("fieldwork:registrations", programme=request.programme.pk)


def _policy(request: HttpRequest) -> DisclosurePolicy:
    from impactlab_web.core.evidence import policy_for

    return policy_for(request.programme)  # the installation's minimum; a model may raise it, never lower it


@requires("registrations.balance")
def balance(request: HttpRequest, programme: int) -> HttpResponse:
    """Hours formal and informal, share informal, clients reached and volunteers active per period and group.
    Those who may see every registration see all; a professional sees the balance of their own caseload."""
    group = request.GET.get("by") if request.GET.get("by") in GROUPS else "team"
    period = request.GET.get("period") if request.GET.get("period") in PERIODS else "month"
    everything = permissions.can(request.user, "registrations.all", request.programme)
    rows = Registration.objects.filter(programme=request.programme)
    if not everything:
        rows = rows.filter(recorded_by=request.user)
    policy = _policy(request)
    table: list[dict[str, Any]] = []
    error = None
    try:
        frame = service.registrations_frame(rows.order_by("date"))
        if frame.height:
            result = core_balance(frame.with_columns(frame[group].fill_null("—")), by=[group], period=period,
                                  policy=policy)
            table = result.to_dicts()
    except UserError as problem:
        error = problem.messages
    for row in table:
        formal, informal = row.get("hours_formal"), row.get("hours_informal")
        total = (formal or 0) + (informal or 0)
        row["group"] = row[group]
        row["bar_formal"] = round(160 * (formal or 0) / total, 1) if total and not row["suppressed"] else 0
        row["bar_informal"] = round(160 * (informal or 0) / total, 1) if total and not row["suppressed"] else 0
        row["share_percent"] = None if row.get("share_informal") is None else round(100 * row["share_informal"])
    return render(request, "fieldwork/balance.html", {
        "programme": request.programme, "table": table, "group": group, "period": period, "groups": GROUPS,
        "periods": PERIODS, "everything": everything, "min_cell": policy.min_cell, "error": error,
        "export": permissions.can(request.user, "registrations.export", request.programme)})


def _feed_form(request: HttpRequest, data: Any = None) -> FeedForm:
    latest = evidence.version_for(request.user, request.programme)
    stakeholders = [(s["id"], s.get("name", s["id"])) for s in (latest.document.get("stakeholders", []) if latest
                                                                 else [])]
    informal = [s for s in (latest.document.get("stakeholders", []) if latest else []) if s.get("category") ==
                "informal"]
    proxies = [(p.id, f"{p.id}: {p.name} (€ {p.value:.2f}/{p.unit or 'hour'})") for p in proxy_library().values()
               if "volunteer" in p.id]
    initial = {"stakeholder": informal[0]["id"] if informal else None, "proxy": proxies[0][0] if proxies else None,
               "activity": "support"}
    return FeedForm(data, stakeholders=stakeholders, proxies=proxies, initial=initial)


@requires("registrations.export")
def feed(request: HttpRequest, programme: int) -> HttpResponse:
    """Export the registrations to a snapshot and propose inputs and outputs for the model (a background job)."""
    form = _feed_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        params = {"programme": request.programme.pk, "user": request.user.pk, **form.cleaned_data}
        job = runner.enqueue("fieldwork.registrations_snapshot", params, user=request.user,
                             programme=request.programme)
        audit.record(request, audit.Action.REGISTRATIONS_FEED, request.programme, detail={
            "job": str(job.pk), "registrations": Registration.objects.filter(programme=request.programme).count()})
        return redirect("fieldwork:proposal", programme=request.programme.pk, job=job.pk)
    return render(request, "fieldwork/feed.html", {
        "programme": request.programme, "form": form,
        "count": Registration.objects.filter(programme=request.programme).count(),
        "has_model": evidence.version_for(request.user, request.programme) is not None},
        status=422 if request.method == "POST" else 200)


@requires("registrations.export")
def proposal(request: HttpRequest, programme: int, job: str) -> HttpResponse:
    """The proposal of a feed job, naming its snapshot; POST applies it as a new model version."""
    found = get_object_or_404(Job, pk=job, programme=request.programme, kind="fieldwork.registrations_snapshot")
    proposed = found.result.get("proposal") if found.status == Job.Status.DONE else None
    problems: list[str] = []
    if request.method == "POST":
        latest = evidence.version_for(request.user, request.programme)  # an editor's: the latest, draft or not
        if proposed is None or latest is None:
            raise Http404("nothing to apply")
        text = service.apply_proposal(latest.text, proposed)
        try:
            version = modelling.save_version(request.programme, text, request.user,
                                             _("Inputs and outputs from registrations snapshot %(id)s")
                                             % {"id": proposed["snapshot"][:12]})
        except modelling.InvalidModel as invalid:
            problems = invalid.report.errors
        else:
            messages.success(request, _("Saved as version %(number)s.") % {"number": version.number})
            return redirect("editor:edit", programme=request.programme.pk)
    return render(request, "fieldwork/proposal.html", {
        "programme": request.programme, "job": found, "proposal": proposed, "problems": problems},
        status=422 if problems else 200)

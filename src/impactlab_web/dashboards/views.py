"""The programme dashboard: key figures, change per outcome, charts, and its Monte Carlo simulation."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from impactlab.reports.texts import Texts
from impactlab_web.core import evidence, permissions, ratelimits
from impactlab_web.core.permissions import requires
from impactlab_web.core.ratelimits import limited
from impactlab_web.dashboards import charts, figures
from impactlab_web.jobs import runner
from impactlab_web.jobs.models import Job


def _lang() -> str:
    return "nl" if (translation.get_language() or "en").startswith("nl") else "en"


# ------------------------------------------------------------------------------------------- dashboard
def _evidence(request: HttpRequest, version: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Change per instrument and support balances from the datasets this user may use, through the programme's
    disclosure rule."""
    records = list(permissions.usable_datasets(request.user, request.programme).select_related("owner"))
    sets, registrations = figures.evidence_sets(records)
    rule = figures.policy(request.programme, version)
    model = figures.model_of(version)
    lang = _lang()
    changes = []
    for entry in sorted(sets, key=lambda e: (e.name, e.instrument)):
        result = figures.change(entry, model, rule)
        name = result.get("instrument_name", {}).get(lang) or entry.instrument
        stats = result.get("change") or {}
        changes.append({"entry": entry, "result": result, "stats": stats, "title": f"{entry.name} · {name}",
                        "reliably_improved": figures.reliably_improved(stats),
                        "chart": _chart_url(request, f"change-{len(changes)}")})
    balances = [{"record": record, "result": figures.support_balance(record, info, rule),
                 "chart": _chart_url(request, f"balance-{k}")}
                for k, (record, info) in enumerate(sorted(registrations, key=lambda p: (p[0].name, p[0].created_at)))]
    return changes, balances


def _chart_url(request: HttpRequest, name: str) -> str:
    return reverse("dashboards:chart", kwargs={"programme": request.programme.pk, "chart": name})


@requires("results.view")
def index(request: HttpRequest, programme: int) -> HttpResponse:
    """Headline with the Monte Carlo interval, who pays, waterfall, tornado, change per instrument, balance.

    Figures are those of the version this user sees (``evidence.version_for``) with the evidence this user may
    use (``evidence.scope_for``). The body is rendered once per (model text and evidence key, simulation,
    snapshots used, language, minimum cell) and kept in process memory: every part of that key is immutable,
    so the cached body is never stale. A valuation that fails is a message on the page.
    """
    current = request.programme
    version = evidence.version_for(request.user, current)
    context: dict[str, Any] = {"programme": current, "version": version}
    if version is not None:
        lang = _lang()
        scope = evidence.scope_for(request.user, current)
        records = list(permissions.usable_datasets(request.user, current).select_related("owner"))
        if not figures.dashboard_figures(version, scope, lang, records, compute=False):  # some not cached yet
            if not figures.computed_inline(version, records):  # large: a job computes them, the page follows it
                key = figures.figures_job_key(version, scope, lang)
                job = figures.figures_job(version, request.user, key)
                if job is None or job.status == Job.Status.DONE:  # none yet, or the cache lost them since
                    refused = ratelimits.check(request, "dashboard.compute")
                    if refused is not None:
                        return refused
                    job = figures.queue_figures(version, request.user, key, lang)
                if job.status != Job.Status.DONE:
                    return render(request, "dashboards/index.html", context | {"computing": job})
            else:
                refused = ratelimits.check(request, "dashboard.compute")
                if refused is not None:
                    return refused
        valuation = figures.valuation(version, scope)
        rule = figures.policy(current, version)
        changes, balances = _evidence(request, version)
        if valuation.get("error"):
            context |= {"valuation_error": valuation["error"], "changes": changes, "balances": balances,
                        "min_cell": rule.min_cell}
            context["body"] = mark_safe(render_to_string("dashboards/_body.html", context, request=request))
            return render(request, "dashboards/index.html", context)
        sim = figures.ensure_simulation(version, request.user, scope=scope)
        key = None
        if sim.done:
            used = [[*c["entry"].snapshot_ids, c["entry"].instrument] for c in changes]
            used += [[b["record"].snapshot_id] for b in balances]
            key = figures.cache_key("dashboard-body", current.pk, version.pk, figures.figures_key(version, scope),
                                    sim.pk, used, lang, rule.min_cell, translation.get_language())
            body = figures.MEMO.get(key)
            if body is not None:
                return render(request, "dashboards/index.html", context | {"body": body})
        context |= {
            "valuation": valuation, "tornado": figures.tornado(version, lang, scope)["bars"][:12],
            "waterfall": [(Texts(lang)(step), amount) for step, amount in charts.waterfall_totals(valuation)],
            "simulation": sim, "summary": sim.result.get("summary") if sim.done else None,
            "changes": changes, "balances": balances, "min_cell": rule.min_cell,
        }
        body = mark_safe(render_to_string("dashboards/_body.html", context, request=request))
        if key is not None:
            figures.MEMO.put(key, body)
        context["body"] = body
    return render(request, "dashboards/index.html", context)


@never_cache
@requires("results.view")
def progress(request: HttpRequest, programme: int, job: uuid.UUID) -> HttpResponse:
    """HTMX: the progress of this user's figures job; once it is done, the page reloads with the figures."""
    found = get_object_or_404(Job, pk=job, kind=figures.FIGURES_JOB, programme=request.programme,
                              created_by=request.user)
    if runner.recover(found):  # its worker stopped: retried or failed, visibly
        found.refresh_from_db()
    if found.status == Job.Status.DONE:
        if not request.htmx:
            return redirect("dashboards:index", programme=programme)
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "dashboards/_computing.html", {"programme": request.programme, "computing": found})


@requires("results.view")
@limited("dashboard.compute")
def compute(request: HttpRequest, programme: int) -> HttpResponse:
    """Compute the figures again after their job failed."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    version = evidence.version_for(request.user, request.programme)
    if version is not None:
        scope = evidence.scope_for(request.user, request.programme)
        lang = _lang()
        figures.queue_figures(version, request.user, figures.figures_job_key(version, scope, lang), lang)
    return redirect("dashboards:index", programme=programme)


@requires("results.view")
@limited("dashboard.compute")
def simulate(request: HttpRequest, programme: int) -> HttpResponse:
    """Start the simulation again (after a failure)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    version = evidence.version_for(request.user, request.programme)
    if version is not None:
        figures.ensure_simulation(version, request.user, retry=True)
    return redirect("dashboards:index", programme=programme)


def _labels() -> dict[str, str]:
    return {"all": _("All respondents"), "mean": _("Mean score"), "wave": _("Wave"), "group": _("Group"),
            "pairs": _("Pairs"), "formal": _("formal"), "informal": _("informal"), "period": _("Quarter"),
            "hours": _("Hours"), "title": _("Formal and informal support hours")}


@requires("results.view")
def chart(request: HttpRequest, programme: int, chart: str) -> HttpResponse:
    """One chart's Vega-Lite spec (and the number format of the user's language) as JSON."""
    version = evidence.version_for(request.user, request.programme)
    if version is None:
        raise Http404("no model")
    lang = _lang()
    scope = evidence.scope_for(request.user, request.programme)
    records = list(permissions.usable_datasets(request.user, request.programme).select_related("owner"))
    if not figures.computed_inline(version, records) and not figures.dashboard_figures(
            version, scope, lang, records, compute=False):
        raise Http404("no figures yet")  # a large dashboard's figures come from its job, never from a chart request
    valuation = figures.valuation(version, scope)
    if valuation.get("error"):
        raise Http404("no figures")
    texts = Texts(lang, valuation["currency"])
    kind, _sep, number = chart.partition("-")
    spec = None
    if chart == "who-pays":
        spec = charts.who_pays(valuation, texts)
    elif chart == "waterfall":
        spec = charts.waterfall(valuation, texts)
    elif chart == "tornado":
        spec = charts.tornado(figures.tornado(version, lang, scope), texts)
    elif chart == "histogram":
        sim = figures.simulation_for(version, scope)
        spec = charts.histogram(sim.result, lang) if sim and sim.done else None
    elif kind in ("change", "balance") and number.isdigit():
        changes, balances = _evidence(request, version)
        items = changes if kind == "change" else balances
        k = int(number)
        if k < len(items):
            if kind == "change" and items[k]["stats"]:
                spec = charts.change(items[k]["result"], items[k]["title"], _labels())
            elif kind == "balance":
                spec = charts.balance(items[k]["result"], _labels())
    if spec is None:
        raise Http404("no such chart")
    response = JsonResponse({"spec": spec, "locale": charts.format_locale(lang)})
    response["Cache-Control"] = "private, max-age=60"
    return response

"""The impact-model editor: edit with inline checks and a live summary, import, export, versions, compare."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from impactlab.model.examples import example_text
from impactlab.model.library import proxy_library, search_proxies
from impactlab_web.core import evidence
from impactlab_web.core.evidence import scope_for
from impactlab_web.core.permissions import Action, can, requires
from impactlab_web.core.ratelimits import limited
from impactlab_web.jobs import runner
from impactlab_web.jobs.models import Job
from impactlab_web.programmes import model_forms, modelling
from impactlab_web.programmes.forms import CompareForm, ModelTextForm, ModelUploadForm
from impactlab_web.programmes.models import Programme


def _feedback(text: str, request: HttpRequest) -> dict:
    """The core's report on `text` and, if the model is valid, its key figures (evidence: what the user may use).

    A large text (``modelling.checked_in_background``) is checked in a job: the feedback then shows its progress
    and follows it (``check_status``) until the report is there."""
    if modelling.checked_in_background(text) and request.user.is_authenticated:
        return _job_feedback(modelling.background_check(text, request.user, request.programme))
    report = modelling.check(text)
    scope = scope_for(request.user, request.programme)
    figures = modelling.key_figures(report.model, scope) if report.model is not None else None
    return {"report": report, "figures": figures}


def _job_feedback(job: Job) -> dict:
    """The feedback of a background check: its report and figures when done, else the job to follow."""
    if job.status == Job.Status.DONE:
        report = {"errors": job.result.get("errors", []), "warnings": job.result.get("warnings", [])}
        return {"report": report, "figures": job.result.get("figures")}
    if job.status in (Job.Status.FAILED, Job.Status.CANCELLED):
        return {"report": {"errors": [job.error or _("The check did not finish.")], "warnings": []}, "figures": None}
    return {"check_job": job}


def _editor(request: HttpRequest, programme: Programme, form: ModelTextForm, status: int = 200,
            conflict: dict | None = None) -> HttpResponse:
    text = form.data.get("text") if form.is_bound else form.initial.get("text", "")
    shown = evidence.version_for(request.user, programme)
    feedback = _feedback(text or "", request) if text or shown is not None else {}
    context = {"programme": programme, "form": form, "upload": ModelUploadForm(), "conflict": conflict,
               "version": shown, "sections": model_forms.SECTIONS, **feedback}
    return render(request, "programmes/editor.html", context, status=status)


@requires("model.view")
def edit(request: HttpRequest, programme: int) -> HttpResponse:
    """The version this user sees (``evidence.version_for``) in the editor, read-only for those who may not edit.
    Without one: the blank template for those who may edit, nothing for the others (its figures are invented)."""
    current = request.programme
    shown = evidence.version_for(request.user, current)
    template = example_text("template") if can(request.user, Action.MODEL_EDIT, current) else ""
    text = shown.text if shown else template
    return _editor(request, current, ModelTextForm(initial={"text": text, "base": shown.number if shown else 0}))


@requires("model.edit")
@limited("model.save")
@require_POST
def save(request: HttpRequest, programme: int) -> HttpResponse:
    """Save the posted text as a new version; with errors, the editor comes back with the text and messages."""
    current = request.programme
    form = ModelTextForm(request.POST)
    if form.is_valid():
        try:
            version = modelling.save_version(current, form.cleaned_data["text"], request.user,
                                             form.cleaned_data["message"], base=_base(request))
        except modelling.StaleVersion as stale:
            return _stale(request, current, form, stale)
        except modelling.InvalidModel:
            messages.error(request, _("Not saved: the model has errors (see below)."))
            return _editor(request, current, form, status=422)
        messages.success(request, _("Saved as version %(number)s.") % {"number": version.number})
        return redirect("editor:edit", programme=current.pk)
    return _editor(request, current, form, status=422)


def _stale(request: HttpRequest, programme: Programme, form: ModelTextForm, stale) -> HttpResponse:
    """Someone saved meanwhile: show their change; merge it with this one where the two do not overlap
    (a three-way merge of the YAML), else show both so the user can redo theirs on the newer version."""
    from impactlab.model.edit import merge_texts

    base = programme.versions.filter(number=stale.base).first() if stale.base else None
    mine, latest = form.cleaned_data["text"], stale.latest
    theirs_diff = modelling.compare(base, latest).diff if base is not None else latest.text.splitlines()
    merged = merge_texts(base.text, mine, latest.text) if base is not None else None
    who = latest.author.get_username() if latest.author else _("someone")
    names = {"number": latest.number, "who": who, "base": stale.base or 0}
    if merged is not None and merged.clean:
        messages.warning(request, _("Not saved yet: %(who)s saved version %(number)s after version %(base)s, "
                                    "which you started from. Their change and yours do not overlap and are "
                                    "merged below: check the result and save again.") % names)
        text = merged.text
    else:
        messages.error(request, _("Not saved: %(who)s saved version %(number)s after version %(base)s, which you "
                                  "started from, and changed the same lines. Above: their change and the lines you "
                                  "both changed. Below: their other changes with your version of those lines; "
                                  "save to keep yours, or redo your edit on version %(number)s.") % names)
        text = merged.mine_kept if merged is not None else mine
    again = ModelTextForm({"text": text, "message": form.cleaned_data["message"], "base": latest.number})
    again.is_valid()
    conflict = {"latest": latest, "diff": theirs_diff, "mine": mine, "merged": merged is not None and merged.clean,
                "conflicts": merged.conflicts if merged is not None else []}
    return _editor(request, programme, again, status=409, conflict=conflict)


@requires("model.view")
@limited("model.check")
@require_POST
def check(request: HttpRequest, programme: int) -> HttpResponse:
    """HTMX: the inline validation messages and the live valuation summary for the posted text (a large text:
    the progress of its check, which follows itself with ``check_status``)."""
    return render(request, "impactlab_web/_feedback.html", _feedback(request.POST.get("text", ""), request))


@requires("model.view")
def check_status(request: HttpRequest, programme: int, job: str) -> HttpResponse:
    """HTMX: a background check's progress, then its messages and summary (the user's own checks only)."""
    found = get_object_or_404(Job, pk=job, kind=modelling.CHECK_JOB, programme=request.programme,
                              created_by=request.user)
    if runner.recover(found):  # its worker stopped: retried or failed, visibly
        found.refresh_from_db()
    return render(request, "impactlab_web/_feedback.html", _job_feedback(found))


@requires("model.edit")
@limited("model.save")
def upload(request: HttpRequest, programme: int) -> HttpResponse:
    """Import a YAML file as the next version; an invalid file is shown in the editor, unsaved."""
    current = request.programme
    form = ModelUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        name, text = form.cleaned_data["file"]
        try:
            # the version's message is read by the whole programme: never the file's own name
            version = modelling.save_version(current, text, request.user, _("Imported from a YAML file"))
        except modelling.InvalidModel:
            messages.error(request, _("%(file)s was not imported: it has errors (see below).") % {"file": name})
            return _editor(request, current, ModelTextForm({"text": text, "message": ""}), status=422)
        done = _("Imported %(file)s as version %(number)s.") % {"file": name, "number": version.number}
        messages.success(request, done)
        return redirect("editor:edit", programme=current.pk)
    return render(request, "programmes/upload.html", {"programme": current, "upload": form},
                  status=422 if request.method == "POST" else 200)


@requires("model.view")
def export(request: HttpRequest, programme: int) -> HttpResponse:
    """Download a version's YAML exactly as saved (the latest, or `?version=N`)."""
    current = request.programme
    number = request.GET.get("version")
    versions = evidence.versions_for(request.user, current)
    wanted = number and number.isdigit()
    version = get_object_or_404(versions, number=number) if wanted else evidence.version_for(request.user, current)
    if version is None:
        return redirect("editor:edit", programme=current.pk)
    response = HttpResponse(version.text, content_type="application/yaml; charset=utf-8")
    filename = f"{slugify(current.name) or 'model'}-v{version.number}.yaml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires("model.view")
def versions(request: HttpRequest, programme: int) -> HttpResponse:
    """The versions this user may open (``evidence.versions_for``), each marked draft or published."""
    current = request.programme
    items = list(evidence.versions_for(request.user, current).select_related("author", "published_by"))
    numbers = [v.number for v in items]
    form = CompareForm(initial={"a": numbers[1] if len(numbers) > 1 else None, "b": numbers[0] if numbers else None})
    return render(request, "programmes/versions.html", {
        "programme": current, "versions": items, "form": form, "published": current.published_version(),
        "may_publish": can(request.user, Action.MODEL_PUBLISH, current)})


@requires("model.view")
def version(request: HttpRequest, programme: int, number: int) -> HttpResponse:
    current = request.programme
    item = get_object_or_404(evidence.versions_for(request.user, current), number=number)
    return render(request, "programmes/version.html", {
        "programme": current, "version": item, "published": current.published_version(),
        "may_publish": can(request.user, Action.MODEL_PUBLISH, current)})


@requires("model.publish")
@require_POST
def publish(request: HttpRequest, programme: int, number: int) -> HttpResponse:
    """Publish a version (``modelling.publish``, audited): its figures become what everyone sees."""
    current = request.programme
    item = get_object_or_404(current.versions, number=number)
    modelling.publish(item, request.user, request)
    messages.success(request, _("Version %(number)s is published: everyone in the programme now sees its "
                                "figures.") % {"number": item.number})
    return redirect("editor:versions", programme=current.pk)


@requires("model.view")
def compare(request: HttpRequest, programme: int) -> HttpResponse:
    """Compare two versions (`?a=1&b=2`): the YAML diff and the key figures side by side."""
    current = request.programme
    form = CompareForm(request.GET or None)
    comparison = None
    if form.is_valid():
        versions = evidence.versions_for(request.user, current)
        old = versions.filter(number=form.cleaned_data["a"]).first()
        new = versions.filter(number=form.cleaned_data["b"]).first()
        if old is None or new is None:
            form.add_error(None, _("Choose two existing versions."))
        else:
            comparison = modelling.compare(old, new)
    return render(request, "programmes/compare.html",
                  {"programme": current, "form": form, "comparison": comparison},
                  status=200 if comparison or not form.is_bound else 422)


# --- the structured editor: forms on the same document as the YAML ------------------------------------------


def _side(programme: Programme, request: HttpRequest) -> dict:
    """The live summary of the version this user sees, for the structured pages' side column."""
    shown = evidence.version_for(request.user, programme)
    return {"version": shown, **(_feedback(shown.text, request) if shown else {})}


def _references(document: dict) -> dict[str, list[str]]:
    library = sorted(proxy_library())
    return {
        "stakeholder_ids": [s.get("id") for s in document.get("stakeholders", [])],
        "proxy_ids": [p.get("id") for p in document.get("proxies", [])] + library,
        "index_ids": sorted({"cpi", *document.get("indices", {})}),
        "categories": ["client", "informal", "formal", "funder"],
    }


def _part_page(request: HttpRequest, programme: Programme, template: str, context: dict, status: int = 200):
    _model, document, _text = model_forms.latest_document(programme, request.user)
    context = {"programme": programme, "sections": model_forms.SECTIONS, "document": document,
               **_references(document), **_side(programme, request),
               **context}
    return render(request, template, context, status=status)


def _structured_save(request: HttpRequest, programme: Programme, form, text: str, document: dict,
                     where: list[tuple], message: str) -> bool:
    """Write the changed document into `text` in place, check it with the core and save it as a new version;
    errors go onto `form`."""
    checked = model_forms.check_document(text, document)
    if checked.report.model is None:
        model_forms.attach_problems(form, checked.report, where)
        return False
    try:
        version = modelling.save_version(programme, checked.text, request.user, message, base=_base(request))
    except modelling.InvalidModel as error:  # pragma: no cover - the same check as above
        model_forms.attach_problems(form, error.report, where)
        return False
    except modelling.StaleVersion as stale:
        form.add_error(None, _stale_message(stale))
        return False
    messages.success(request, _("Saved as version %(number)s: %(message)s.") % {"number": version.number,
                                                                             "message": message})
    return True


def _base(request: HttpRequest):
    """The version a form's save started from (its hidden `base` field); absent: not checked."""
    value = request.POST.get("base")
    return int(value) if value and value.isdigit() else (0 if value == "" else ...)


def _stale_message(stale) -> str:
    who = stale.latest.author.get_username() if stale.latest.author else _("someone")
    return _("Not saved: %(who)s saved version %(number)s after version %(base)s, which you started from "
             "(see Versions for their change). The form now starts from version %(number)s: check it and "
             "save again.") % {"who": who, "number": stale.latest.number, "base": stale.base or 0}


def _section(section: str) -> model_forms.Section:
    if section not in model_forms.SECTIONS:
        raise Http404
    return model_forms.SECTIONS[section]


def _stakeholder_filter(request: HttpRequest, document: dict) -> str | None:
    """The stakeholder whose own parts a list shows (`?stakeholder=ID`), when the model has it."""
    wanted = request.GET.get("stakeholder")
    return wanted if wanted in {s.get("id") for s in document.get("stakeholders", [])} else None


@requires("model.view")
def parts(request: HttpRequest, programme: int, section: str) -> HttpResponse:
    """A part of the model as a list (stakeholders, inputs, activities, outputs, outcomes, proxies) with edit
    and remove; the parts that belong to stakeholders can be listed per stakeholder (`?stakeholder=ID`)."""
    current = request.programme
    part = _section(section)
    _model, document, _text = model_forms.latest_document(current, request.user)
    per_stakeholder = section in PER_STAKEHOLDER
    chosen = _stakeholder_filter(request, document) if per_stakeholder else None
    rows = [{"cells": part.cells(item), "id": item.get("id")}
            for item in document.get(section, []) if chosen is None or model_forms.belongs(item, chosen)]
    return _part_page(request, current, "programmes/editor_parts.html",
                      {"section": part, "rows": rows, "valid": _model is not None, "chosen": chosen,
                       "filters": model_forms.references(document)["stakeholders"] if per_stakeholder else []})


PER_STAKEHOLDER = ("inputs", "activities", "outputs", "outcomes")


@requires("model.edit")
@limited("model.save")
def settings(request: HttpRequest, programme: int) -> HttpResponse:
    """Programme settings: name, price year, discount rate (with an optional range), first year, index."""
    current = request.programme
    _model, document, text = model_forms.latest_document(current, request.user)
    if _model is None:
        return redirect("editor:edit", programme=current.pk)
    initial = model_forms.SettingsForm.initial_from_document(document)
    form = model_forms.SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = form.apply(document)
        if _structured_save(request, current, form, text, changed, [("programme",), ("valuation",)],
                            _("edited the programme settings")):
            return redirect("editor:settings", programme=current.pk)
    status = 422 if request.method == "POST" else 200
    return _part_page(request, current, "programmes/editor_form.html",
                      {"form": form, "section": None, "item": None, "title": _("Programme settings")}, status)


def _find(document: dict, section: str, item: str) -> int | None:
    return next((i for i, x in enumerate(document.get(section, [])) if x.get("id") == item), None)


def _part_form(request: HttpRequest, programme: Programme, section: str, item: str | None) -> HttpResponse:
    part = _section(section)
    _model, document, text = model_forms.latest_document(programme, request.user)
    if _model is None:
        return redirect("editor:edit", programme=programme.pk)
    items = list(document.get(section, []))
    index = _find(document, section, item) if item is not None else len(items)
    latest = programme.latest_version()
    if index is None and request.method == "POST" and latest and _base(request) not in (..., latest.number):
        messages.error(request, _("Not saved: %(id)s was removed in version %(number)s, after you opened it.")
                       % {"id": item, "number": latest.number})
        return redirect("editor:parts", programme=programme.pk, section=section)
    if index is None:
        raise Http404
    old = items[index] if item is not None else {}
    chosen = _stakeholder_filter(request, document)
    initial = part.form.initial_from(old) if item is not None else (
        model_forms.for_stakeholder(part.form, chosen) if chosen else {})
    references = model_forms.references(document)
    form = part.form(request.POST or None, initial=initial, references=references)
    back = reverse("editor:parts", kwargs={"programme": programme.pk, "section": section}) + (
        f"?stakeholder={chosen}" if chosen else "")
    conflict = None
    if request.method == "POST" and form.is_valid():
        conflict = _part_conflict(request, programme, part, item, form, old)
        if conflict is None:
            new = form.to_item(old)
            if item is None:
                items.append(new)
            else:
                items[index] = new
            verb = _("added %(part)s %(id)s") if item is None else _("edited %(part)s %(id)s")
            message = verb % {"part": part.singular, "id": new.get("id", "")}
            if _structured_save(request, programme, form, text, {**document, section: items}, [(section, index)],
                                message):
                return redirect(back)
        else:
            form = part.form(initial=part.form.initial_from(conflict["merged"]), references=references)
    title = (_("Edit %(part)s %(id)s") % {"part": part.singular, "id": item} if item is not None
             else _("Add %(part)s") % {"part": part.singular})
    status = 409 if conflict else 422 if request.method == "POST" else 200
    return _part_page(request, programme, "programmes/editor_form.html",
                      {"form": form, "section": part, "item": item, "title": title, "back": back,
                       "conflict": conflict}, status)


def _part_conflict(request: HttpRequest, programme: Programme, part: model_forms.Section, item: str | None,
                   form: model_forms.PartForm, theirs: dict) -> dict | None:
    """When someone saved after the version this form started from: their change and a field-by-field merge
    of it with this form's (shown, not saved: the user checks the merge and saves again, or redoes the edit on
    the newer version); None when the form started from the latest version."""
    base = _base(request)
    latest = programme.latest_version()
    if base is ... or latest is None or (base or 0) == latest.number:
        return None
    started = programme.versions.filter(number=base).first() if base else None
    before = model_forms.plain_document(started.text) if started is not None else {}
    at = _find(before, part.key, item) if item is not None else None
    mine_before = before[part.key][at] if at is not None else {}
    merged, both = model_forms.merge_part(mine_before, form.to_item(mine_before), theirs)
    labels = {name: form.fields[name].label for name in form.fields}
    who = latest.author.get_username() if latest.author else _("someone")
    names = {"who": who, "number": latest.number, "base": base or 0}
    if both:
        messages.error(request, _("Not saved: %(who)s saved version %(number)s after version %(base)s, which you "
                                  "started from, and changed the same fields. Below: their change, and the form "
                                  "with your values. Save to keep yours, or redo your edit on version "
                                  "%(number)s.") % names)
    else:
        messages.warning(request, _("Not saved yet: %(who)s saved version %(number)s after version %(base)s, "
                                    "which you started from. Their change and yours are merged in the form below: "
                                    "check it and save again, or redo your edit on version %(number)s.") % names)
    return {"latest": latest, "merged": merged,
            "diff": modelling.compare(started, latest).diff if started is not None else latest.text.splitlines(),
            "fields": [{"label": labels.get(k, k), "theirs": model_forms.show(theirs.get(k)),
                        "mine": model_forms.show(merged.get(k))} for k in both]}


@requires("model.edit")
@limited("model.save")
def part_new(request: HttpRequest, programme: int, section: str) -> HttpResponse:
    return _part_form(request, request.programme, section, None)


@requires("model.edit")
@limited("model.save")
def part_edit(request: HttpRequest, programme: int, section: str, item: str) -> HttpResponse:
    return _part_form(request, request.programme, section, item)


@requires("model.edit")
@limited("model.save")
@require_POST
def part_remove(request: HttpRequest, programme: int, section: str, item: str) -> HttpResponse:
    """Remove a part; when something still refers to it, the core's messages say what and nothing is saved."""
    current = request.programme
    part = _section(section)
    _model, document, text = model_forms.latest_document(current, request.user)
    index = _find(document, section, item) if _model is not None else None
    if index is None:
        messages.error(request, _("There is no %(part)s %(id)s.") % {"part": part.singular, "id": item})
        return redirect("editor:parts", programme=current.pk, section=section)
    items = [x for i, x in enumerate(document[section]) if i != index]
    checked = model_forms.check_document(text, {**document, section: items})
    if checked.report.model is None:
        messages.error(request, _("%(id)s was not removed:") % {"id": item} + " " + "; ".join(
            model_forms.LINE.sub("", m.removeprefix(f"{modelling.SOURCE}: ")) for m in checked.report.errors))
        return redirect("editor:parts", programme=current.pk, section=section)
    message = _("removed %(part)s %(id)s") % {"part": part.singular, "id": item}
    try:
        version = modelling.save_version(current, checked.text, request.user, message, base=_base(request))
    except modelling.StaleVersion as stale:
        messages.error(request, _stale_message(stale))
        return redirect("editor:parts", programme=current.pk, section=section)
    messages.success(request, _("Saved as version %(number)s: %(message)s.") % {"number": version.number,
                                                                             "message": message})
    return redirect("editor:parts", programme=current.pk, section=section)


@requires("model.view")
def proxy_search(request: HttpRequest, programme: int) -> HttpResponse:
    """HTMX: library proxies matching the typed words, with value, unit, price year and source."""
    words = request.GET.get("q", "").split()[:8]
    found = search_proxies(words)[:20] if words else []
    return render(request, "programmes/_proxy_results.html",
                  {"proxies": found, "words": words, "target": request.GET.get("target", "id_proxy")})

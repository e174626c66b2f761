"""The impact-model editor: edit with inline checks and a live summary, import, export, versions, compare."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from impactlab.model.examples import example_text
from impactlab_web import modelling
from impactlab_web.forms import CompareForm, ModelTextForm, ModelUploadForm
from impactlab_web.models import Programme
from impactlab_web.permissions import requires


def _feedback(text: str) -> dict:
    """The core's report on `text` and, if the model is valid, its key figures."""
    report = modelling.check(text)
    figures = modelling.key_figures(report.model) if report.model is not None else None
    return {"report": report, "figures": figures}


def _editor(request: HttpRequest, programme: Programme, form: ModelTextForm, status: int = 200) -> HttpResponse:
    text = form.data.get("text") if form.is_bound else form.initial.get("text", "")
    context = {"programme": programme, "form": form, "upload": ModelUploadForm(),
               "version": programme.latest_version(), **_feedback(text or "")}
    return render(request, "impactlab_web/editor.html", context, status=status)


@requires("model.view")
def edit(request: HttpRequest, programme: int) -> HttpResponse:
    """The latest version (or the blank template) in the editor; read-only for those who may not edit."""
    current = request.programme
    latest = current.latest_version()
    text = latest.text if latest else example_text("template")
    return _editor(request, current, ModelTextForm(initial={"text": text}))


@requires("model.edit")
@require_POST
def save(request: HttpRequest, programme: int) -> HttpResponse:
    """Save the posted text as a new version; with errors, the editor comes back with the text and messages."""
    current = request.programme
    form = ModelTextForm(request.POST)
    if form.is_valid():
        try:
            version = modelling.save_version(current, form.cleaned_data["text"], request.user,
                                             form.cleaned_data["message"])
        except modelling.InvalidModel:
            messages.error(request, _("Not saved: the model has errors (see below)."))
            return _editor(request, current, form, status=422)
        messages.success(request, _("Saved as version %(number)s.") % {"number": version.number})
        return redirect("editor:edit", programme=current.pk)
    return _editor(request, current, form, status=422)


@requires("model.view")
@require_POST
def check(request: HttpRequest, programme: int) -> HttpResponse:
    """HTMX: the inline validation messages and the live valuation summary for the posted text."""
    return render(request, "impactlab_web/_feedback.html", _feedback(request.POST.get("text", "")))


@requires("model.edit")
def upload(request: HttpRequest, programme: int) -> HttpResponse:
    """Import a YAML file as the next version; an invalid file is shown in the editor, unsaved."""
    current = request.programme
    form = ModelUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        name, text = form.cleaned_data["file"]
        try:
            version = modelling.save_version(current, text, request.user, _("Imported %(file)s") % {"file": name})
        except modelling.InvalidModel:
            messages.error(request, _("%(file)s was not imported: it has errors (see below).") % {"file": name})
            return _editor(request, current, ModelTextForm({"text": text, "message": ""}), status=422)
        done = _("Imported %(file)s as version %(number)s.") % {"file": name, "number": version.number}
        messages.success(request, done)
        return redirect("editor:edit", programme=current.pk)
    return render(request, "impactlab_web/upload.html", {"programme": current, "upload": form},
                  status=422 if request.method == "POST" else 200)


@requires("model.view")
def export(request: HttpRequest, programme: int) -> HttpResponse:
    """Download a version's YAML exactly as saved (the latest, or `?version=N`)."""
    current = request.programme
    number = request.GET.get("version")
    versions = current.versions.all()
    version = get_object_or_404(versions, number=number) if number and number.isdigit() else versions.first()
    if version is None:
        return redirect("editor:edit", programme=current.pk)
    response = HttpResponse(version.text, content_type="application/yaml; charset=utf-8")
    filename = f"{slugify(current.name) or 'model'}-v{version.number}.yaml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires("model.view")
def versions(request: HttpRequest, programme: int) -> HttpResponse:
    current = request.programme
    items = current.versions.select_related("author")
    numbers = [v.number for v in items]
    form = CompareForm(initial={"a": numbers[1] if len(numbers) > 1 else None, "b": numbers[0] if numbers else None})
    return render(request, "impactlab_web/versions.html", {"programme": current, "versions": items, "form": form})


@requires("model.view")
def version(request: HttpRequest, programme: int, number: int) -> HttpResponse:
    current = request.programme
    item = get_object_or_404(current.versions, number=number)
    return render(request, "impactlab_web/version.html", {"programme": current, "version": item})


@requires("model.view")
def compare(request: HttpRequest, programme: int) -> HttpResponse:
    """Compare two versions (`?a=1&b=2`): the YAML diff and the key figures side by side."""
    current = request.programme
    form = CompareForm(request.GET or None)
    comparison = None
    if form.is_valid():
        old = current.versions.filter(number=form.cleaned_data["a"]).first()
        new = current.versions.filter(number=form.cleaned_data["b"]).first()
        if old is None or new is None:
            form.add_error(None, _("Choose two existing versions."))
        else:
            comparison = modelling.compare(old, new)
    return render(request, "impactlab_web/compare.html",
                  {"programme": current, "form": form, "comparison": comparison},
                  status=200 if comparison or not form.is_bound else 422)

"""Questionnaire pages for the programme team: list, build (instruments plus own questions), import an
XLSForm, waves, wave links, fill in during a visit, export a wave's responses to a dataset snapshot."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from impactlab.errors import UserError
from impactlab.exports import SafeCsvWriter
from impactlab.fieldwork.questionnaire import questionnaire_to_yaml
from impactlab.fieldwork.tokens import new_respondent_key
from impactlab.fieldwork.xlsform import read_xlsform
from impactlab_web.core import audit, permissions
from impactlab_web.core.permissions import Action, requires
from impactlab_web.fieldwork import service
from impactlab_web.fieldwork.forms import (
    InstrumentForm,
    LinksForm,
    NewQuestionnaireForm,
    QuestionForm,
    RevokeForm,
    VisitForm,
    WaveForm,
    XLSFormUploadForm,
)
from impactlab_web.fieldwork.models import Questionnaire, Wave
from impactlab_web.jobs import runner
from impactlab_web.jobs.models import Job
from impactlab_web.jobs.views import may_see as may_see_job


def _language() -> str:
    return "nl" if (translation.get_language() or "").startswith("nl") else "en"


def _questionnaire(request: HttpRequest, questionnaire: int) -> Questionnaire:
    return get_object_or_404(Questionnaire, pk=questionnaire, programme=request.programme)


def _wave(request: HttpRequest, questionnaire: int, wave: int) -> Wave:
    return get_object_or_404(Wave.objects.select_related("questionnaire"), pk=wave, questionnaire_id=questionnaire,
                             questionnaire__programme=request.programme)


@requires("questionnaire.view")
def questionnaires(request: HttpRequest, programme: int) -> HttpResponse:
    current = request.programme
    items = current.questionnaires.prefetch_related("waves")
    language = _language()
    rows = [{"q": q, "title": q.title(language), "waves": list(q.waves.all()), "responses": q.responses.count()}
            for q in items]
    manage = permissions.can(request.user, "questionnaire.manage", current)
    return render(request, "fieldwork/questionnaires.html", {
        "programme": current, "rows": rows, "manage": manage,
        "new_form": NewQuestionnaireForm() if manage else None, "upload": XLSFormUploadForm() if manage else None})


@requires("questionnaire.manage")
def create(request: HttpRequest, programme: int) -> HttpResponse:
    current = request.programme
    form = NewQuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = service.new_document(data["slug"], data["title_nl"], data["title_en"],
                                            data["instrument"] or None)
        except UserError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            item = service.add_questionnaire(current, document, request.user)
            if item is None:
                form.add_error("slug", _("This programme already has a questionnaire with this id."))
            else:
                messages.success(request, _("Questionnaire created with wave T0."))
                return redirect("fieldwork:questionnaire", programme=current.pk, questionnaire=item.pk)
    return render(request, "fieldwork/create.html", {"programme": current, "form": form},
                  status=422 if request.method == "POST" else 200)


@requires("questionnaire.manage")
def import_xlsform(request: HttpRequest, programme: int) -> HttpResponse:
    """Read an XLSForm with the core's reader; every problem (sheet, row, column) is shown, nothing stored."""
    current = request.programme
    form = XLSFormUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as folder:
            # a neutral name: without form_id or form_title the reader names the questionnaire after its file,
            # and the file's own name may name a client
            path = Path(folder) / "questionnaire.xlsx"
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            try:  # the same reader as `impactlab forms check|convert`; messages name the upload, not the path
                core = read_xlsform(path, name=upload.name)
            except UserError as error:
                problems = [m.replace(str(path), upload.name).replace(path.name, upload.name) for m in error.messages]
        if not problems:
            try:
                item = service.add_questionnaire(current, service._document(core), request.user)
            except UserError as error:
                item, problems = None, error.messages
            else:
                if item is None:
                    problems = [_("This programme already has a questionnaire with the id %(id)s (form_id in the "
                                  "settings sheet).") % {"id": core.id}]
            if item is not None:
                messages.success(request, _("Imported %(file)s: %(n)s questions, wave T0 added.")
                                 % {"file": upload.name, "n": len(core.questions)})
                return redirect("fieldwork:questionnaire", programme=current.pk, questionnaire=item.pk)
    return render(request, "fieldwork/import.html", {"programme": current, "form": form, "problems": problems},
                  status=422 if request.method == "POST" else 200)


def _detail(request: HttpRequest, item: Questionnaire, question_form: QuestionForm | None = None,
            instrument_form: InstrumentForm | None = None, wave_form: WaveForm | None = None,
            problems: list[str] | None = None, status: int = 200) -> HttpResponse:
    current = request.programme
    language = _language()
    manage = permissions.can(request.user, "questionnaire.manage", current)
    waves = [{"wave": w, "responses": w.responses.count(), "drafts": w.drafts.count()} for w in item.waves.all()]
    wanted = request.GET.get("job", "")
    job = (Job.objects.filter(pk=wanted, programme=current, kind="fieldwork.responses_snapshot",
                              params__questionnaire=item.pk).first() if _uuid(wanted) else None)
    if job is not None and not may_see_job(request.user, job):
        job = None
    return render(request, "fieldwork/questionnaire.html", {
        "programme": current, "item": item, "title": item.title(language), "manage": manage,
        "locked": item.locked(), "items": [service.item_summary(i, language) for i in item.core.items],
        "questions": len(item.core.questions), "waves": waves, "job": job, "problems": problems or [],
        "close_waves": permissions.can(request.user, Action.WAVE_CLOSE, current),
        "question_form": question_form or QuestionForm(), "instrument_form": instrument_form or InstrumentForm(),
        "wave_form": wave_form or WaveForm(),
    }, status=status)


def _uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@requires("questionnaire.view")
def detail(request: HttpRequest, programme: int, questionnaire: int) -> HttpResponse:
    return _detail(request, _questionnaire(request, questionnaire))


def _change(request: HttpRequest, item: Questionnaire, items: list[dict], done: str, **forms: object) -> HttpResponse:
    try:
        service.change_items(item, items)
    except UserError as error:
        return _detail(request, item, problems=error.messages, status=422, **forms)  # type: ignore[arg-type]
    messages.success(request, done)
    return redirect("fieldwork:questionnaire", programme=request.programme.pk, questionnaire=item.pk)


def _items(item: Questionnaire) -> list[dict]:
    return [i.model_dump(mode="json", exclude_none=True, exclude_defaults=True) | (
        {"instrument": i.instrument} if hasattr(i, "instrument") else {"id": i.id, "type": i.type})
        for i in item.core.items]


@requires("questionnaire.manage")
@require_POST
def add_question(request: HttpRequest, programme: int, questionnaire: int) -> HttpResponse:
    item = _questionnaire(request, questionnaire)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        return _detail(request, item, question_form=form, status=422)
    try:
        question = service.question_from_form(form.cleaned_data)
    except UserError as error:
        return _detail(request, item, question_form=form, problems=error.messages, status=422)
    new = question.model_dump(mode="json", exclude_none=True, exclude_defaults=True) | {
        "id": question.id, "type": question.type}
    return _change(request, item, [*_items(item), new], _("Question %(id)s added.") % {"id": question.id},
                   question_form=form)


@requires("questionnaire.manage")
@require_POST
def add_instrument(request: HttpRequest, programme: int, questionnaire: int) -> HttpResponse:
    item = _questionnaire(request, questionnaire)
    form = InstrumentForm(request.POST)
    if not form.is_valid():
        return _detail(request, item, instrument_form=form, status=422)
    data = form.cleaned_data
    block = {"instrument": data["instrument"], "prefix": data["prefix"] or "", "required": data["required"]}
    return _change(request, item, [*_items(item), block],
                   _("Instrument %(id)s added.") % {"id": data["instrument"]}, instrument_form=form)


@requires("questionnaire.manage")
@require_POST
def remove_item(request: HttpRequest, programme: int, questionnaire: int) -> HttpResponse:
    item = _questionnaire(request, questionnaire)
    items = _items(item)
    position = request.POST.get("item", "")
    if not position.isdigit() or int(position) >= len(items):
        return _detail(request, item, problems=[_("Choose an item to remove.")], status=422)
    removed = items.pop(int(position))
    if not items:
        return _detail(request, item, problems=[_("A questionnaire needs at least one item.")], status=422)
    name = removed.get("id") or removed.get("instrument")
    return _change(request, item, items, _("%(id)s removed.") % {"id": name})


@requires("questionnaire.view")
def export_yaml(request: HttpRequest, programme: int, questionnaire: int) -> HttpResponse:
    item = _questionnaire(request, questionnaire)
    response = HttpResponse(questionnaire_to_yaml(item.core), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{item.slug}.yaml"'
    return response


@requires("questionnaire.manage")
@require_POST
def add_wave(request: HttpRequest, programme: int, questionnaire: int) -> HttpResponse:
    item = _questionnaire(request, questionnaire)
    form = WaveForm(request.POST)
    if not form.is_valid():
        return _detail(request, item, wave_form=form, status=422)
    try:
        with transaction.atomic():
            Wave.objects.create(questionnaire=item, **form.cleaned_data)
    except IntegrityError:
        form.add_error("name", _("This wave exists already."))
        return _detail(request, item, wave_form=form, status=422)
    messages.success(request, _("Wave %(name)s added.") % {"name": form.cleaned_data["name"]})
    return redirect("fieldwork:questionnaire", programme=request.programme.pk, questionnaire=item.pk)


def _absolute(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("fieldwork:respond", kwargs={"wave_link": token}))


@requires("questionnaire.manage")
def links(request: HttpRequest, programme: int, questionnaire: int, wave: int) -> HttpResponse:
    """Make wave links: N personal links (CSV), one anonymous link, or follow-up links for earlier links.
    Links are not stored: whoever hands them out keeps the list (and knows whose each one is)."""
    found = _wave(request, questionnaire, wave)
    form = LinksForm(request.POST or None)
    context = _links_context(request, found, form)
    if request.method != "POST":
        return render(request, "fieldwork/links.html", context)
    if not form.is_valid():
        return render(request, "fieldwork/links.html", context, status=422)
    kind = form.cleaned_data["kind"]
    if kind == "anonymous":
        context["anonymous"] = _absolute(request, service.link_for(found, anonymous=True))
        return render(request, "fieldwork/links.html", context)
    if kind == "personal":
        tokens = [service.link_for(found, respondent=new_respondent_key()) for _ in range(form.cleaned_data["count"])]
    else:
        try:
            tokens = service.next_wave_links(form.cleaned_data["earlier"].split(), found)
        except UserError as error:
            form.add_error("earlier", error.messages[0])
            return render(request, "fieldwork/links.html", context, status=422)
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(["number", "wave", "link"])
    for number, token in enumerate(tokens, start=1):
        writer.writerow([number, found.name, _absolute(request, token)])
    audit.record(request, audit.Action.LINKS_EXPORT, found, detail={"kind": kind, "links": len(tokens)})
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found.questionnaire.slug}-{found.name}-links.csv"'
    return response


def _links_context(request: HttpRequest, wave: Wave, form: LinksForm | None = None,
                   revoke_form: RevokeForm | None = None) -> dict:
    revoke = permissions.can(request.user, Action.LINKS_REVOKE, request.programme)
    return {"programme": request.programme, "item": wave.questionnaire, "wave": wave, "form": form or LinksForm(),
            "revoke_form": (revoke_form or RevokeForm()) if revoke else None,
            "revoked": wave.revoked_links.count(),
            "close": permissions.can(request.user, Action.WAVE_CLOSE, request.programme)}


@requires(Action.LINKS_REVOKE)
@require_POST
def revoke_links(request: HttpRequest, programme: int, questionnaire: int, wave: int) -> HttpResponse:
    """Revoke wave links one by one (pasted): each then answers 410 and accepts no answers (audited)."""
    found = _wave(request, questionnaire, wave)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                made = service.revoke_links(found, form.cleaned_data["links"].splitlines(), request.user)
                if made:
                    kinds = ", ".join(sorted({r.kind for r in made}))
                    audit.record(request, audit.Action.LINKS_REVOKE, found, detail={
                        "links": len(made), "kinds": kinds, "ids": " ".join(r.link_id[:6] for r in made)[:200]})
        except UserError as error:
            form.add_error("links", error.messages[0])
        else:
            messages.success(request, _("%(n)s link(s) revoked; they accept no answers any more.") % {"n": len(made)}
                             if made else _("These links were revoked already."))
            return redirect("fieldwork:links", programme=request.programme.pk, questionnaire=found.questionnaire_id,
                            wave=found.pk)
    return render(request, "fieldwork/links.html", _links_context(request, found, revoke_form=form), status=422)


@requires(Action.WAVE_CLOSE)
@require_POST
def close_wave(request: HttpRequest, programme: int, questionnaire: int, wave: int) -> HttpResponse:
    """Close a wave (every link of it answers 410, no answers are taken) or, with ``open=1``, open it again."""
    found = _wave(request, questionnaire, wave)
    closing = request.POST.get("open") != "1"
    with transaction.atomic():
        if service.close_wave(found, closing):
            audit.record(request, audit.Action.WAVE_CLOSE if closing else audit.Action.WAVE_REOPEN, found)
    messages.success(request, (_("Wave %(name)s is closed: its links take no more answers.") if closing else
                               _("Wave %(name)s is open again.")) % {"name": found.name})
    return redirect("fieldwork:questionnaire", programme=request.programme.pk, questionnaire=found.questionnaire_id)


@requires("questionnaire.view")
def start_visit(request: HttpRequest, programme: int, questionnaire: int, wave: int) -> HttpResponse:
    """Start filling in with a client: a new respondent, or the client's earlier link (same key, this wave)."""
    found = _wave(request, questionnaire, wave)
    form = VisitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        earlier = form.cleaned_data["earlier"].strip()
        try:
            token = (service.next_wave_links([earlier], found)[0] if earlier
                     else service.link_for(found, respondent=new_respondent_key()))
        except UserError as error:
            form.add_error("earlier", error.messages[0])
        else:
            return redirect("fieldwork:visit", programme=request.programme.pk, wave_link=token)
    return render(request, "fieldwork/start_visit.html",
                  {"programme": request.programme, "item": found.questionnaire, "wave": found, "form": form},
                  status=422 if request.method == "POST" else 200)


@requires("questionnaire.manage")
@require_POST
def export_wave(request: HttpRequest, programme: int, questionnaire: int, wave: int) -> HttpResponse:
    """Queue the export of this wave's responses (or all waves with `all=1`) as a dataset snapshot."""
    found = _wave(request, questionnaire, wave)
    params = {"programme": request.programme.pk, "questionnaire": found.questionnaire_id,
              "wave": None if request.POST.get("all") else found.pk, "user": request.user.pk}
    job = runner.enqueue("fieldwork.responses_snapshot", params, user=request.user, programme=request.programme)
    audit.record(request, audit.Action.RESPONSES_EXPORT, found if params["wave"] else found.questionnaire,
                 detail={"job": str(job.pk)})
    url = reverse("fieldwork:questionnaire", kwargs={"programme": request.programme.pk,
                                                      "questionnaire": found.questionnaire_id})
    return redirect(f"{url}?job={job.pk}")

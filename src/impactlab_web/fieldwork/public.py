"""Filling in a questionnaire: the public pages behind a wave link (no login), and the same form for a
professional who fills it in with a client during a visit (logged in).

A personal link is the respondent's key to save-and-resume. An anonymous link hands each visitor a
personal link of their own (a fresh random key, nothing stored until they save), so that resuming and
idempotent submission work the same way. Validation and skip logic are the core's, server-side; with HTMX
the form refreshes its visible questions on change (progressive enhancement, no inline script).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation

from impactlab.fieldwork.answers import AnswerError
from impactlab.fieldwork.questionnaire import Question, default_answers, localise, visible_questions
from impactlab.fieldwork.tokens import make_token
from impactlab_web.core import audit
from impactlab_web.core.client import client_ip
from impactlab_web.core.permissions import public, requires
from impactlab_web.fieldwork import ratelimit, service
from impactlab_web.fieldwork.models import Response, Wave

LANGUAGES = ("nl", "en")


def _language(request: HttpRequest) -> str:
    chosen = request.GET.get("lang") or request.POST.get("lang")
    if chosen in LANGUAGES:
        return chosen
    current = (translation.get_language() or "nl")[:2]
    return current if current in LANGUAGES else "nl"


def _question(question: Question, raw: Any, error: AnswerError | None, language: str) -> dict[str, Any]:
    """What the template needs for one question: texts, state of every option, ids for labels and errors."""
    qid = question.id
    hint = localise(question.hint, language)
    described = " ".join(x for x, on in ((f"h-{qid}", bool(hint)), (f"e-{qid}", error is not None)) if on)
    item: dict[str, Any] = {
        "id": qid, "type": question.type, "text": localise(question.text, language), "hint": hint,
        "required": question.required, "error": error.text(language) if error else "", "describedby": described,
        "group": question.type in {"single_choice", "multiple_choice", "scale"}, "anchor": f"a-{qid}",
    }
    if item["group"]:
        chosen = {str(v) for v in (raw if isinstance(raw, list) else [raw] if raw not in (None, "") else [])}
        if question.type == "scale":
            options = [(str(v), str(v)) for v in range(int(question.min or 0), int(question.max or 0) + 1)]
            item["min_label"] = localise(question.min_label, language)
            item["max_label"] = localise(question.max_label, language)
        else:
            options = [(str(c.code), localise(c.label, language) or str(c.code)) for c in question.choices]
        item["choices"] = [{"code": code, "label": label, "id": f"a-{qid}-{n}", "checked": code in chosen}
                           for n, (code, label) in enumerate(options)]
        item["anchor"] = item["choices"][0]["id"] if item["choices"] else item["anchor"]
        item["input"] = "checkbox" if question.type == "multiple_choice" else "radio"
    else:
        item["value"] = "" if raw is None else str(raw)
        item["inputmode"] = {"integer": "numeric", "decimal": "decimal"}.get(question.type, "")
        item["min"], item["max"] = question.min, question.max
        item["max_length"] = question.max_length
        if question.type == "date":
            item["earliest"] = question.earliest.isoformat() if question.earliest else ""
            item["latest"] = question.latest.isoformat() if question.latest else ""
    return item


def form_context(wave: Wave, raw: dict[str, Any], errors: list[AnswerError], language: str) -> dict[str, Any]:
    core = wave.questionnaire.core
    by_question = {e.question: e for e in errors}
    questions = [_question(q, raw.get(q.id), by_question.get(q.id), language)
                 for q in visible_questions(core, raw)]
    summary = [{"anchor": q["anchor"], "text": q["text"], "error": q["error"]} for q in questions if q["error"]]
    return {"wave": wave, "questionnaire": wave.questionnaire, "title": localise(core.title, language),
            "description": localise(core.description, language), "questions": questions, "summary": summary,
            "language": language, "other_language": "en" if language == "nl" else "nl"}


def _problem(request: HttpRequest, problem: service.LinkProblem, language: str) -> HttpResponse:
    return render(request, "fieldwork/problem.html", {"message": problem.text(language), "language": language},
                  status=problem.status)


def _too_many(request: HttpRequest, language: str) -> HttpResponse:
    return render(request, "fieldwork/problem.html", {"language": language, "message": translation.gettext(
        "Too many attempts in a short time. Please wait a minute and try again.")}, status=429)


def _personal(token_link: Any) -> str:
    """A personal link (fresh random key) for a visitor of an anonymous link, valid as long as that link."""
    left = max(token_link.expires - timezone.now(), dt.timedelta(hours=1))
    return make_token(service.secret(), token_link.questionnaire, token_link.wave, origin=token_link.link_id,
                      valid_for=left)


def _fill(request: HttpRequest, wave: Wave, link: Any, channel: str, language: str, template: str,
          extra: dict[str, Any]) -> HttpResponse:
    key = link.respondent
    here = request.path + "?" + urlencode({"lang": language})
    context = {**extra, "action": here, "channel": channel}
    if request.method == "POST":
        if not ratelimit.allow("post_per_link", key) or (
                link.origin and not ratelimit.allow("post_per_anonymous_link", link.origin)):
            return _too_many(request, language)
        core = wave.questionnaire.core
        raw = service.raw_answers(core, request.POST)
        action = request.POST.get("action", "submit")
        if action == "submit":
            submission = service.submit(wave, key, raw, channel)
            if not submission.errors:
                return redirect(here)  # post/redirect/get: a reload cannot submit again
            if not Response.objects.filter(wave=wave, respondent_key=key).exists():
                page = {**context, **form_context(wave, raw, submission.errors, language)}
                return render(request, template, page, status=422)
        elif not Response.objects.filter(wave=wave, respondent_key=key).exists():
            service.save_draft(wave, key, raw)
            page = {**context, **form_context(wave, raw, [], language), "saved": action == "save",
                    "resume": request.build_absolute_uri(here)}
            if request.htmx and action == "refresh":
                return render(request, "fieldwork/_questions.html", page)
            return render(request, template, page)
        return redirect(here)
    if Response.objects.filter(wave=wave, respondent_key=key).exists():
        return _done(request, wave, key, context, language, template)
    raw = service.draft_answers(wave, key)
    resumed = bool(raw)  # a blank form starts with the questionnaire's default answers (XLSForm `default`)
    raw = raw or default_answers(wave.questionnaire.core)
    return render(request, template, {**context, **form_context(wave, raw, [], language), "resumed": resumed})


def _done(request: HttpRequest, wave: Wave, key: str, context: dict[str, Any], language: str,
          template: str) -> HttpResponse:
    core = wave.questionnaire.core
    return render(request, template, {**context, "done": True, "wave": wave, "language": language,
                                      "title": localise(core.title, language), "questionnaire": wave.questionnaire})


@public
def respond(request: HttpRequest, wave_link: str) -> HttpResponse:
    """The questionnaire behind a wave link: show, save a draft, submit (stored once); a clear page otherwise."""
    language = _language(request)
    with translation.override(language):
        address = client_ip(request)
        try:
            link, wave = service.resolve(wave_link)
        except service.LinkProblem as problem:
            if problem.status == 400 and not ratelimit.allow("bad_link_per_address", address):
                return _too_many(request, language)
            return _problem(request, problem, language)
        if link.anonymous:
            if not (ratelimit.allow("anonymous_per_address", address)
                    and ratelimit.allow("anonymous_per_link", link.link_id)):
                return _too_many(request, language)
            target = reverse("fieldwork:respond", kwargs={"wave_link": _personal(link)}) + "?" + urlencode(
                {"lang": language})
            return redirect(target, status=303) if request.method == "POST" else redirect(target)
        response = _fill(request, wave, link, Response.Channel.LINK, language, "fieldwork/fill.html", {})
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response


@requires("questionnaire.view")
def visit(request: HttpRequest, programme: int, wave_link: str) -> HttpResponse:
    """The same questionnaire, filled in by a professional with a client during a visit (channel `visit`)."""
    language = _language(request)
    with translation.override(language):
        try:
            link, wave = service.resolve(wave_link)
        except service.LinkProblem as problem:
            return render(request, "fieldwork/problem.html", {"message": problem.text(language),
                          "programme": request.programme, "inside": True}, status=problem.status)
        if wave.questionnaire.programme_id != request.programme.pk:
            raise Http404("not a questionnaire of this programme")
        if link.anonymous:
            return redirect("fieldwork:visit", programme=programme, wave_link=_personal(link))
        extra = {"programme": request.programme, "inside": True}
        if request.method == "GET":  # the client's answers so far are shown: who opened them goes in the trail
            audit.record(request, audit.Action.VISIT_VIEW, wave)
        return _fill(request, wave, link, Response.Channel.VISIT, language, "fieldwork/visit.html", extra)

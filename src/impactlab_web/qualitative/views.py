"""Pages of the qualitative area: documents and coding, codebook, analyses, quotes under outcomes, export.

Every view checks its action with `permissions.requires`; objects are always looked up inside the programme
of the URL, so another programme's document or code answers 404.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from io import BytesIO
from itertools import pairwise
from pathlib import Path

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from impactlab.deidentify import deidentify
from impactlab.qualitative.refiqda import export_qdpx
from impactlab_web.core import audit, permissions
from impactlab_web.core.permissions import requires
from impactlab_web.data import uploads
from impactlab_web.jobs import runner
from impactlab_web.jobs.models import Job
from impactlab_web.programmes.models import Programme
from impactlab_web.qualitative import project as bridge
from impactlab_web.qualitative.forms import (
    CodeForm,
    CodingForm,
    CodingIdForm,
    CodingMemoForm,
    LinkForm,
    MemoForm,
    MergeForm,
    UnlinkForm,
    UploadForm,
)
from impactlab_web.qualitative.jobs import KIND as JOB_KIND
from impactlab_web.qualitative.models import Code, Coding, Document, OutcomeLink

SENTENCE = re.compile(r"[^.!?\u2026]+(?:[.!?\u2026]+[\"'\u201d\u2019)]*|$)")
SPEAKER = re.compile(r"[^\W\d][\w .'-]{0,30}: ")  # "Interviewer: ", "Deelnemer: " before a turn


def _may(request: HttpRequest, action: str) -> bool:
    return permissions.can(request.user, action, request.programme)


def _base(request: HttpRequest, **extra) -> dict:
    programme = request.programme
    return {"programme": programme, "may_code": _may(request, "qualitative.code"),
            "may_read": _may(request, "qualitative.view"), "may_edit_codebook": _may(request, "qualitative.codebook"),
            "may_export": _may(request, "qualitative.export"),
            "colours_url": reverse("qualitative:colours", kwargs={"programme": programme.pk}), **extra}


# ---------------------------------------------------------------------------------------------- index
@requires("qualitative.analyse")
def index(request: HttpRequest, programme: int) -> HttpResponse:
    """The documents (for those who may read them) and the ways into codebook, analyses and quotes."""
    current = request.programme
    documents = []
    if _may(request, "qualitative.view"):
        documents = list(Document.objects.filter(programme=current))
        counts = {}
        for row in Coding.objects.filter(document__programme=current).values("document", "coder__username"):
            counts.setdefault(row["document"], set()).add(row["coder__username"])
        groups = bridge.stakeholders(current, request.user)
        for d in documents:
            d.coders = sorted(counts.get(d.pk, ()))
            d.group_name = groups.get(d.group, d.group)
    return render(request, "qualitative/index.html", _base(
        request, documents=documents,
        n_codes=Code.objects.filter(programme=current).count(),
        n_codings=Coding.objects.filter(document__programme=current).count()))


@requires("qualitative.analyse")
def colours(request: HttpRequest, programme: int) -> HttpResponse:
    """The codebook's colours as a stylesheet (the CSP forbids inline styles)."""
    rules = [f".code-{pk}{{--code:{colour}}}" for pk, colour in
             Code.objects.filter(programme=request.programme).values_list("pk", "colour")]
    return HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")


# --------------------------------------------------------------------------------------------- upload
def _next_label(programme: Programme) -> str:
    taken = set(Document.objects.filter(programme=programme).values_list("label", flat=True))
    n = 1
    while f"D-{n:03d}" in taken:
        n += 1
    return f"D-{n:03d}"


def _scrubbed(memo: str | None) -> str:
    """A memo as stored: trimmed, identifiers replaced by tags (the core's one free-text scrubber)."""
    memo = (memo or "").strip()
    return deidentify(memo) if memo else ""


@requires("qualitative.code")
def upload(request: HttpRequest, programme: int) -> HttpResponse:
    """Upload a transcript or story: the file is stored privately and read in a job (``qualitative.extract``:
    type by content, text extracted and scrubbed, the file deleted); this page then follows that job."""
    current = request.programme
    groups = bridge.stakeholders(current, request.user)
    form = UploadForm(request.POST or None, request.FILES or None, groups=groups)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            label = form.cleaned_data["label"] or _next_label(current)
            if Document.objects.filter(programme=current, label=label).exists():
                form.add_error("label", _("Another document already has this label."))
            else:
                key = uuid.uuid4().hex
                suffix = Path(form.cleaned_data["file"].name or "").suffix.lower()[:10]
                raw = uploads.store_raw(form.cleaned_data["file"], key, f"document{suffix}")
                job = runner.enqueue(JOB_KIND, {"programme": current.pk, "path": str(raw), "suffix": suffix,
                                                "label": label, "group": form.cleaned_data["group"],
                                                "user": request.user.pk}, request.user, current)
                audit.record(request, audit.Action.TRANSCRIPT_UPLOAD, current, detail={"job": str(job.pk)})
                return redirect(f"{reverse('qualitative:upload', kwargs={'programme': current.pk})}?job={job.pk}")
    context = _base(request, form=form)
    context["job"] = _my_extraction(request)
    return render(request, "qualitative/upload.html", context, status=status)


def _my_extraction(request: HttpRequest) -> Job | None:
    """The extraction job named by ``?job=``, if this user started it in this programme."""
    try:
        key = uuid.UUID(request.GET.get("job", ""))
    except ValueError:
        return None
    return Job.objects.filter(pk=key, kind=JOB_KIND, programme=request.programme, created_by=request.user).first()


# ------------------------------------------------------------------------------------------- document
def passages(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Paragraphs (non-empty lines) and their sentences as `start:end` choices, grouped per paragraph."""
    def short(s: str) -> str:
        s = " ".join(s.split())
        return s if len(s) <= 90 else s[:87] + "…"

    groups, position, n = [], 0, 0
    for line in text.split("\n"):
        if line.strip():
            n += 1
            start = position + len(line) - len(line.lstrip())
            end = position + len(line.rstrip())
            options = [(f"{start}:{end}", _("Whole paragraph: %(text)s") % {"text": short(text[start:end])})]
            sentences = []
            speaker = SPEAKER.match(text, start, end)
            for match in SENTENCE.finditer(text, speaker.end() if speaker else start, end):
                piece = match.group()
                a = match.start() + len(piece) - len(piece.lstrip())
                b = match.end() - (len(piece) - len(piece.rstrip()))
                if b > a:
                    sentences.append((f"{a}:{b}", short(text[a:b])))
            if len(sentences) > 1:
                options += sentences
            groups.append((_("Paragraph %(n)s") % {"n": n}, options))
        position += len(line) + 1
    return groups


def highlighted(text: str, codings: list[Coding]) -> SafeString:
    """The text as spans that carry their start offset (code points), coded stretches as <mark>s."""
    bounds = sorted({0, len(text), *(c.start for c in codings), *(c.end for c in codings)})
    parts = []
    for a, b in pairwise(bounds):
        cover = [c for c in codings if c.start <= a and c.end >= b]
        if not cover:
            parts.append(format_html('<span data-start="{}">{}</span>', a, text[a:b]))
            continue
        codes = sorted({c.code_id: c.code for c in cover}.values(), key=lambda c: c.name)
        classes = f"hl code-{codes[0].pk}" + (" multi" if len(codes) > 1 else "")
        parts.append(format_html('<mark class="{}" data-start="{}" title="{}">{}</mark>', classes, a,
                                 ", ".join(c.name for c in codes), text[a:b]))
    return mark_safe("".join(parts))  # every part is built by format_html


def _document_context(request: HttpRequest, document: Document, form: CodingForm | None = None) -> dict:
    current = request.programme
    me = request.user.get_username()
    coders = sorted({*Coding.objects.filter(document=document).values_list("coder__username", flat=True)}
                    | ({me} if _may(request, "qualitative.code") else set()))
    show = request.GET.get("show") or request.POST.get("show") or (me if me in coders else "all")
    if show != "all" and show not in coders:
        show = "all"
    codings = Coding.objects.filter(document=document).select_related("code", "coder")
    if show != "all":
        codings = codings.filter(coder__username=show)
    codings = list(codings)
    tree = bridge.tree(current)
    outcomes = bridge.outcomes(current, request.user)
    links: dict[int, list[str]] = {}
    for link in OutcomeLink.objects.filter(coding__document=document):
        links.setdefault(link.coding_id, []).append(link.outcome)
    names = {o["id"]: o["description"] for o in outcomes}
    for coding in codings:
        coding.own = coding.coder_id == request.user.pk
        coding.path = " / ".join([*(a.name for a in _ancestors(coding.code)), coding.code.name])
        coding.outcomes = [names.get(o, o) for o in links.get(coding.pk, [])]
    return _base(
        request, document=document, codings=codings, show=show, coders=coders, me=me,
        text=highlighted(document.text, codings), length=len(document.text),
        group_name=bridge.stakeholders(current, request.user).get(document.group, document.group),
        form=form or CodingForm(tree=tree, passages=passages(document.text)),
        memo_form=MemoForm(initial={"memo": document.memo}), outcomes=outcomes, tree=tree,
        editable=show == me and _may(request, "qualitative.code"))


def _ancestors(code: Code) -> list[Code]:
    out, node = [], code.parent
    while node is not None:
        out.insert(0, node)
        node = node.parent
    return out


def _document(request: HttpRequest, qdoc: int) -> Document:
    return get_object_or_404(Document, pk=qdoc, programme=request.programme)


@requires("qualitative.view")
def document(request: HttpRequest, programme: int, qdoc: int) -> HttpResponse:
    """A document with the codings of one coder (the user's own by default) or of all, and the coding form."""
    found = _document(request, qdoc)
    audit.record(request, audit.Action.TRANSCRIPT_VIEW, found)  # not its label: one may have typed a name
    return render(request, "qualitative/document.html", _document_context(request, found))


def _workspace(request: HttpRequest, document: Document, form: CodingForm | None = None,
               status: int = 200) -> HttpResponse:
    """After a coding change: the workspace partial for the script, the whole page (or a redirect) without."""
    if request.headers.get("X-Requested-With") == "fetch":
        return render(request, "qualitative/_workspace.html",
                      {**_document_context(request, document, form), "partial": True}, status=status)
    if status >= 400:
        return render(request, "qualitative/document.html", _document_context(request, document, form),
                      status=status)
    url = reverse("qualitative:document", kwargs={"programme": document.programme_id, "qdoc": document.pk})
    return redirect(f"{url}?show={request.user.get_username()}#workspace")


@requires("qualitative.code")
@require_POST
def code_passage(request: HttpRequest, programme: int, qdoc: int) -> HttpResponse:
    """Code a passage: offsets from a selection (checked against the stored text) or a chosen passage."""
    found = _document(request, qdoc)
    text = found.text
    form = CodingForm(request.POST, tree=bridge.tree(request.programme), passages=passages(text))
    if not form.is_valid():
        return _workspace(request, found, form, status=422)
    data = form.cleaned_data
    if data["passage"]:
        start, end = (int(x) for x in data["passage"].split(":"))
    elif data["start"] is not None and data["end"] is not None:
        start, end = data["start"], data["end"]
        if data["quote"] and " ".join(data["quote"].split()) != " ".join(text[start:end].split()):
            form.add_error(None, _("The selection does not match the stored text; reload the page and select "
                                   "the passage again."))
            return _workspace(request, found, form, status=422)
    else:
        form.add_error("passage", _("Select a passage in the text, or choose one from the list."))
        return _workspace(request, found, form, status=422)
    if end <= start:
        form.add_error(None, _("The end of the passage must come after its start."))
        return _workspace(request, found, form, status=422)
    if not 0 <= start < end <= len(text):
        form.add_error(None, _("The passage %(start)s–%(end)s is outside the text (%(n)s characters).")
                       % {"start": start, "end": end, "n": len(text)})
        return _workspace(request, found, form, status=422)
    piece = text[start:end]
    start, end = start + len(piece) - len(piece.lstrip()), end - (len(piece) - len(piece.rstrip()))
    if end <= start:
        form.add_error(None, _("The selection holds only white space."))
        return _workspace(request, found, form, status=422)
    code = get_object_or_404(Code, pk=data["code"], programme=request.programme)
    _coding, created = Coding.objects.get_or_create(document=found, code=code, coder=request.user, start=start, end=end,
                                              defaults={"memo": _scrubbed(data["memo"])})
    if created:
        messages.success(request, _("Coded with %(code)s.") % {"code": code.name})
    else:
        messages.info(request, _("You had already coded this passage with %(code)s.") % {"code": code.name})
    fresh = CodingForm(tree=bridge.tree(request.programme), passages=passages(text), initial={"code": code.pk})
    return _workspace(request, found, fresh)


@requires("qualitative.code")
@require_POST
def uncode(request: HttpRequest, programme: int, qdoc: int) -> HttpResponse:
    """Remove one of the user's own codings (another coder's codings are theirs: 404)."""
    found = _document(request, qdoc)
    form = CodingIdForm(request.POST)
    if not form.is_valid():
        return _workspace(request, found, status=422)
    coding = get_object_or_404(Coding, pk=form.cleaned_data["coding"], document=found, coder=request.user)
    coding.delete()
    messages.success(request, _("Coding removed."))
    return _workspace(request, found)


@requires("qualitative.code")
@require_POST
def coding_memo(request: HttpRequest, programme: int, qdoc: int) -> HttpResponse:
    found = _document(request, qdoc)
    form = CodingMemoForm(request.POST)
    if not form.is_valid():
        return _workspace(request, found, status=422)
    coding = get_object_or_404(Coding, pk=form.cleaned_data["coding"], document=found, coder=request.user)
    coding.memo = _scrubbed(form.cleaned_data["memo"])
    coding.save(update_fields=["memo"])
    messages.success(request, _("Memo saved."))
    return _workspace(request, found)


@requires("qualitative.code")
@require_POST
def document_memo(request: HttpRequest, programme: int, qdoc: int) -> HttpResponse:
    found = _document(request, qdoc)
    form = MemoForm(request.POST)
    form.is_valid()
    found.memo = _scrubbed(form.cleaned_data.get("memo", ""))
    found.save(update_fields=["memo"])
    messages.success(request, _("Memo saved."))
    return redirect("qualitative:document", programme=found.programme_id, qdoc=found.pk)


# ------------------------------------------------------------------------------------------- codebook
def _codebook_page(request: HttpRequest, form: CodeForm | None = None, status: int = 200) -> HttpResponse:
    current = request.programme
    tree = bridge.tree(current)
    counts: dict[int, int] = {}
    for code_id in Coding.objects.filter(document__programme=current).values_list("code", flat=True):
        counts[code_id] = counts.get(code_id, 0) + 1
    for code, _depth in tree:
        code.n = counts.get(code.pk, 0)
    return render(request, "qualitative/codebook.html",
                  _base(request, tree=tree, form=form or CodeForm(tree=tree)), status=status)


@requires("qualitative.analyse")
def codebook(request: HttpRequest, programme: int) -> HttpResponse:
    return _codebook_page(request)


def _check_tree(programme: Programme, changed: Code) -> None:
    """The core validates the codebook as it would be after the change (unique ids, parents, no cycles)."""
    codes = [changed if c.pk == changed.pk else c for c in Code.objects.filter(programme=programme)]
    if changed.pk is None:
        changed.pk = -1
        codes.append(changed)
    try:
        bridge.core_codebook(codes)
    finally:
        if changed.pk == -1:
            changed.pk = None


@requires("qualitative.codebook")
@require_POST
def code_new(request: HttpRequest, programme: int) -> HttpResponse:
    current = request.programme
    form = CodeForm(request.POST, tree=bridge.tree(current))
    if not form.is_valid():
        return _codebook_page(request, form, status=422)
    data = form.cleaned_data
    parent = Code.objects.filter(programme=current, pk=data["parent"]).first() if data["parent"] else None
    code = Code.objects.create(programme=current, parent=parent, name=data["name"].strip(),
                               definition=data["definition"].strip(), colour=data["colour"].lower())
    messages.success(request, _("Code %(name)s added.") % {"name": code.name})
    return redirect("qualitative:codebook", programme=current.pk)


@requires("qualitative.codebook")
def code_edit(request: HttpRequest, programme: int, qcode: int) -> HttpResponse:
    """Rename, redefine, recolour or move a code (the core refuses a parent that would make a cycle)."""
    current = request.programme
    code = get_object_or_404(Code, pk=qcode, programme=current)
    tree = bridge.tree(current)
    others = [(c, d) for c, d in tree if c.pk != code.pk]
    initial = {"name": code.name, "parent": code.parent_id or "", "colour": code.colour, "definition": code.definition}
    form = CodeForm(request.POST or None, tree=others, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            code.name, code.definition, code.colour = data["name"].strip(), data["definition"].strip(), data["colour"]
            code.parent = Code.objects.filter(programme=current, pk=data["parent"]).first() if data["parent"] else None
            try:
                _check_tree(current, code)
            except ValueError:
                form.add_error("parent", _("A code cannot be nested under itself or one of its own sub-codes."))
            else:
                code.save()
                messages.success(request, _("Code %(name)s saved.") % {"name": code.name})
                return redirect("qualitative:codebook", programme=current.pk)
    descendants = _descendants(code)
    merge = MergeForm(tree=[(c, d) for c, d in tree if c.pk != code.pk and c.pk not in descendants])
    return render(request, "qualitative/code.html", _base(request, code=code, form=form, merge=merge), status=status)


def _descendants(code: Code) -> set[int]:
    out, frontier = set(), [code.pk]
    while frontier:
        children = list(Code.objects.filter(parent__in=frontier).values_list("pk", flat=True))
        out.update(children)
        frontier = children
    return out


@requires("qualitative.codebook")
@require_POST
def code_merge(request: HttpRequest, programme: int, qcode: int) -> HttpResponse:
    """Merge a code into another: its codings, sub-codes and outcome links move; the code goes."""
    current = request.programme
    code = get_object_or_404(Code, pk=qcode, programme=current)
    tree = bridge.tree(current)
    excluded = _descendants(code) | {code.pk}
    form = MergeForm(request.POST, tree=[(c, d) for c, d in tree if c.pk not in excluded])
    if not form.is_valid():
        form_edit = CodeForm(tree=[(c, d) for c, d in tree if c.pk != code.pk],
                             initial={"name": code.name, "parent": code.parent_id or "", "colour": code.colour,
                                      "definition": code.definition})
        return render(request, "qualitative/code.html", _base(request, code=code, form=form_edit, merge=form),
                      status=422)
    target = get_object_or_404(Code, pk=form.cleaned_data["target"], programme=current)
    with transaction.atomic():
        for coding in Coding.objects.select_for_update().filter(code=code):
            duplicate = Coding.objects.filter(document=coding.document_id, code=target, coder=coding.coder_id,
                                              start=coding.start, end=coding.end).first()
            if duplicate:
                OutcomeLink.objects.filter(coding=coding).exclude(
                    outcome__in=duplicate.outcome_links.values("outcome")).update(coding=duplicate)
                if coding.memo and not duplicate.memo:
                    duplicate.memo = coding.memo
                    duplicate.save(update_fields=["memo"])
                coding.delete()
            else:
                coding.code = target
                coding.save(update_fields=["code"])
        OutcomeLink.objects.filter(code=code).exclude(outcome__in=target.outcome_links.values("outcome")).update(
            code=target)
        OutcomeLink.objects.filter(code=code).delete()
        Code.objects.filter(parent=code).update(parent=target)
        name = code.name
        code.delete()
    messages.success(request, _("%(old)s merged into %(new)s.") % {"old": name, "new": target.name})
    return redirect("qualitative:codebook", programme=current.pk)


# ------------------------------------------------------------------------------------------- analyses
@requires("qualitative.analyse")
def analysis(request: HttpRequest, programme: int) -> HttpResponse:
    """Code frequencies and co-occurrence, overall and per stakeholder group (disclosure-controlled)."""
    result = bridge.analyse(request.programme, request.user)
    return render(request, "qualitative/analysis.html", _base(request, result=result))


@requires("qualitative.analyse")
def agreement(request: HttpRequest, programme: int) -> HttpResponse:
    """Agreement between coders on the double-coded documents: Cohen's kappa and Krippendorff's alpha."""
    unit = request.GET.get("unit", "character")
    if unit not in ("character", "segment"):
        unit = "character"
    return render(request, "qualitative/agreement.html",
                  _base(request, result=bridge.agreement(request.programme, unit)))


# ---------------------------------------------------------------------------------------------- quotes
def _quotes_page(request: HttpRequest, form: LinkForm | None = None, status: int = 200) -> HttpResponse:
    current = request.programme
    outcomes = bridge.outcomes(current, request.user)
    quotes = bridge.linked_quotes(current, request.user)
    stakeholders = bridge.stakeholders(current, request.user)
    rows = [{**o, "stakeholder_name": stakeholders.get(o["stakeholder"], o["stakeholder"]),
             "quotes": quotes.get(o["id"], []),
             "code_links": OutcomeLink.objects.filter(programme=current, outcome=o["id"], code__isnull=False)
             .select_related("code")} for o in outcomes]
    tree = bridge.tree(current)
    audit.record(request, audit.Action.QUOTES_VIEW, current,
                 detail={"quotes": sum(len(row["quotes"]) for row in rows)})
    return render(request, "qualitative/quotes.html", _base(
        request, rows=rows, form=form or LinkForm(outcomes=outcomes, tree=tree), has_model=bool(outcomes)),
        status=status)


@requires("qualitative.analyse")
def quotes(request: HttpRequest, programme: int) -> HttpResponse:
    """Each outcome of the model version this user sees (``evidence.version_for``) with the coded quotes that
    support it."""
    return _quotes_page(request)


@requires("qualitative.codebook")
@require_POST
def link(request: HttpRequest, programme: int) -> HttpResponse:
    """Link a code (all its quotes, sub-codes included) or a single coding to an outcome."""
    current = request.programme
    form = LinkForm(request.POST, outcomes=bridge.outcomes(current, request.user), tree=bridge.tree(current))
    if not form.is_valid():
        return _quotes_page(request, form, status=422)
    data = form.cleaned_data
    if data["coding"]:
        coding = get_object_or_404(Coding, pk=data["coding"], document__programme=current)
        OutcomeLink.objects.get_or_create(programme=current, outcome=data["outcome"], coding=coding,
                                          defaults={"created_by": request.user})
        messages.success(request, _("The quote now supports the outcome."))
        url = reverse("qualitative:document", kwargs={"programme": current.pk, "qdoc": coding.document_id})
        return redirect(f"{url}?show={coding.coder.get_username()}")
    code = get_object_or_404(Code, pk=data["code"], programme=current)
    OutcomeLink.objects.get_or_create(programme=current, outcome=data["outcome"], code=code,
                                      defaults={"created_by": request.user})
    messages.success(request, _("The quotes of %(code)s now support the outcome.") % {"code": code.name})
    return redirect(reverse("qualitative:quotes", kwargs={"programme": current.pk}) + f"#outcome-{data['outcome']}")


@requires("qualitative.codebook")
@require_POST
def unlink(request: HttpRequest, programme: int) -> HttpResponse:
    current = request.programme
    form = UnlinkForm(request.POST)
    if not form.is_valid():
        return _quotes_page(request, status=422)
    deleted, _n = OutcomeLink.objects.filter(programme=current, pk=form.cleaned_data["link"]).delete()
    if not deleted:
        raise Http404("no such link")
    messages.success(request, _("Link removed."))
    return redirect("qualitative:quotes", programme=current.pk)


# ---------------------------------------------------------------------------------------------- export
@requires("qualitative.export")
def export(request: HttpRequest, programme: int) -> HttpResponse:
    """The coded project as a REFI-QDA .qdpx (core `export_qdpx`); the export is written to the audit trail."""
    current = request.programme
    proj = bridge.project(current)
    folder = Path(tempfile.mkdtemp(prefix="qdpx-"))
    path = export_qdpx(proj, folder / "project.qdpx")
    data = path.read_bytes()
    path.unlink()
    folder.rmdir()
    audit.record(request, audit.Action.QUALITATIVE_EXPORT, current,
                 detail={"format": "qdpx", "documents": len(proj.documents), "codings": len(proj.codings)})
    name = f"{slugify(current.name) or 'project'}.qdpx"
    return FileResponse(BytesIO(data), as_attachment=True, filename=name, content_type="application/zip")

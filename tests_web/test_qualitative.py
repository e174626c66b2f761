"""Qualitative coding in the web app: upload, codebook, coding with offsets, analyses equal to the core's,
quotes under outcomes, REFI-QDA export, demo part."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document as WordDocument

from impactlab.model.examples import example_text
from impactlab.qualitative import codebook as core
from impactlab.qualitative.refiqda import import_qdpx
from impactlab.reports.blocks import Quote
from impactlab_web.core.models import AuditEvent
from impactlab_web.jobs.models import Job
from impactlab_web.jobs.runner import run_pending
from impactlab_web.organisations.models import Role
from impactlab_web.programmes import modelling
from impactlab_web.qualitative import demo
from impactlab_web.qualitative import project as bridge
from impactlab_web.qualitative.models import Code, Coding, Document, OutcomeLink
from tests_web.conftest import World

TEXT = ("Interviewer: Hoe gaat het?\n"
        "Deelnemer: Ik voel me minder alleen. Ik ken nu de buren.\n"
        "Deelnemer: Ik ga minder vaak naar de huisarts. Café één keer per week ☕.")
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def url(name: str, world: World, **kwargs) -> str:
    return reverse(f"qualitative:{name}", kwargs={"programme": world.programme.pk, **kwargs})


def client_for(world: World, role: Role = Role.RESEARCHER, scope: str = "own") -> Client:
    client = Client()
    client.force_login(world.user(role, scope))
    return client


def make_document(world: World, label: str = "R-01", text: str = TEXT, group: str = "residents") -> Document:
    return Document.objects.create(programme=world.programme, label=label, group=group, kind="text",
                                   sha256=label.ljust(64, "0"), text=text)


def code(world: World, name: str, parent: Code | None = None, colour: str = "#34d399") -> Code:
    return Code.objects.create(programme=world.programme, name=name, parent=parent, colour=colour)


def coding(document: Document, code_: Code, user, phrase: str) -> Coding:
    start = document.text.index(phrase)
    return Coding.objects.create(document=document, code=code_, coder=user, start=start, end=start + len(phrase))


# ------------------------------------------------------------------------------------------------ upload
def _docx() -> bytes:
    word = WordDocument()
    word.add_paragraph("Interview met een vrijwilliger.")
    word.add_paragraph("Mail me op jan@voorbeeld.nl, ik vind het werk fijn.")
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _pdf(tmp_path: Path, body: str) -> bytes:
    typst = pytest.importorskip("typst")
    source = tmp_path / "doc.typ"
    source.write_text(body, encoding="utf-8")
    return typst.compile(str(source))


def _upload(client: Client, world: World, name: str, data: bytes, **fields):
    """Post the file; the file is read in a job (never in the request), which runs here before returning."""
    upload = io.BytesIO(data)
    upload.name = name
    response = client.post(url("upload", world), {"file": upload, "group": "residents", **fields})
    if response.status_code == 302:
        run_pending()
    return response


def _job(response) -> Job:
    return Job.objects.get(pk=response["Location"].split("job=")[1])


def test_upload_text_docx_and_pdf_keep_only_scrubbed_text(world: World, tmp_path: Path, var_dir: Path) -> None:
    modelling.publish(world.programme.latest_version(), None)  # a professional's groups: the published model's
    client = client_for(world, Role.PROFESSIONAL)
    text = b"Ik ben blij met de cirkel. Bel me op 06-12345678."
    response = _upload(client, world, "interview-mevrouw-jansen.txt", text, label="R-07")
    assert response.status_code == 302
    document = Document.objects.get(label="R-07")
    assert document.kind == "text" and document.group == "residents"
    assert "06-12345678" not in document.text and "Ik ben blij met de cirkel." in document.text
    job = _job(response)
    assert job.status == "done" and job.result["link"] == url("document", world, qdoc=document.pk)
    page = client.get(response["Location"]).content.decode()
    assert url("document", world, qdoc=document.pk) in page and "hx-trigger" not in page
    assert "jansen" not in json.dumps(job.params).lower()  # the file's own name is not kept, not even there
    assert not any((var_dir / "uploads").rglob("*.*"))  # the uploaded file is gone

    assert _upload(client, world, "verhaal.docx", _docx()).status_code == 302
    word = Document.objects.get(kind="docx")
    assert word.label == "D-001"  # the next free pseudonym
    assert "jan@voorbeeld.nl" not in word.text and "ik vind het werk fijn" in word.text

    assert _upload(client, world, "story.pdf", _pdf(tmp_path, "Een verhaal over de buurt.")).status_code == 302
    assert "Een verhaal over de buurt." in Document.objects.get(kind="pdf").text
    assert not any("jansen" in d.label.lower() for d in Document.objects.all())  # the file name is not kept


@pytest.mark.parametrize(("name", "data", "message"), [
    ("story.docx", b"%PDF-1.7 pretending", "not a Word .docx file"),
    ("story.pdf", b"PK\x03\x04 a zip, not a PDF", "not a PDF file"),
    ("story.txt", b"%PDF-1.4 binary \x00\x01\x02", "not a plain text file"),
    ("story.txt", b"   \n\n  ", "contains no text"),
    ("story.doc", b"\xd0\xcf\x11\xe0 old word", "unsupported file type"),
])
def test_a_document_that_is_not_what_it_claims_stores_nothing(world: World, name: str, data: bytes,
                                                              message: str, var_dir: Path) -> None:
    client = client_for(world)
    response = _upload(client, world, name, data)
    assert response.status_code == 302
    job = _job(response)
    assert job.status == "failed" and message in job.error and job.error.startswith("D-001.")
    assert message in client.get(response["Location"]).content.decode()
    assert not Document.objects.exists()
    assert not any((var_dir / "uploads").rglob("*.*"))


def test_pdf_without_text_layer_and_bad_labels(world: World, tmp_path: Path) -> None:
    client = client_for(world)
    response = _upload(client, world, "scan.pdf", _pdf(tmp_path, "#rect(width: 2cm, height: 1cm)"))
    assert response.status_code == 302 and "no text layer" in _job(response).error
    response = _upload(client, world, "a.txt", b"Tekst", label="Jan Jansen")
    assert response.status_code == 422 and "pseudonym" in response.content.decode()
    assert _upload(client, world, "a.txt", b"Tekst", label="R-01").status_code == 302
    response = _upload(client, world, "b.txt", b"Tekst")
    assert response.status_code == 302 and "uploaded before, as R-01" in _job(response).error
    assert Document.objects.count() == 1


# ---------------------------------------------------------------------------------------------- codebook
def test_codebook_hierarchy_edit_and_merge(world: World) -> None:
    client = client_for(world)
    assert client.post(url("code_new", world), {"name": "Sociaal", "colour": "#60a5fa"}).status_code == 302
    parent = Code.objects.get(name="Sociaal")
    assert client.post(url("code_new", world), {"name": "Minder eenzaam", "parent": parent.pk,
                                                "colour": "#34d399", "definition": "Zich minder alleen voelen"}
                       ).status_code == 302
    child = Code.objects.get(name="Minder eenzaam")
    assert child.parent == parent and child.definition == "Zich minder alleen voelen"
    assert [(c.name, depth) for c, depth in bridge.tree(world.programme)] == [("Sociaal", 0), ("Minder eenzaam", 1)]
    assert bridge.core_codebook([parent, child]).path(child.core_id) == "Sociaal / Minder eenzaam"

    # nesting a code under its own sub-code: the core's codebook check refuses the cycle
    grandchild = code(world, "Buren", parent=child)
    response = client.post(url("code_edit", world, qcode=parent.pk),
                           {"name": "Sociaal", "parent": grandchild.pk, "colour": "#60a5fa"})
    assert response.status_code == 422 and "sub-codes" in response.content.decode()
    assert Code.objects.get(pk=parent.pk).parent is None
    # moving is fine
    assert client.post(url("code_edit", world, qcode=grandchild.pk),
                       {"name": "Buren", "parent": parent.pk, "colour": "#a78bfa"}).status_code == 302
    assert Code.objects.get(pk=grandchild.pk).parent == parent

    # merge: codings (duplicates once), sub-codes and outcome links move to the target
    document = make_document(world)
    user = world.user(Role.RESEARCHER, "own")
    coding(document, child, user, "Ik voel me minder alleen.")
    coding(document, grandchild, user, "Ik voel me minder alleen.")
    coding(document, grandchild, user, "Ik ken nu de buren.")
    OutcomeLink.objects.create(programme=world.programme, outcome="less_lonely", code=grandchild)
    extra = code(world, "Onder buren", parent=grandchild)
    response = client.post(url("code_merge", world, qcode=grandchild.pk), {"target": child.pk})
    assert response.status_code == 302
    assert not Code.objects.filter(pk=grandchild.pk).exists()
    assert Coding.objects.filter(code=child).count() == 2
    assert Code.objects.get(pk=extra.pk).parent == child
    assert OutcomeLink.objects.get().code == child
    # a code cannot be merged into its own sub-code
    response = client.post(url("code_merge", world, qcode=parent.pk), {"target": child.pk})
    assert response.status_code == 422


def test_codebook_is_read_only_for_professionals(world: World) -> None:
    parent = code(world, "Sociaal")
    page = client_for(world, Role.PROFESSIONAL).get(url("codebook", world)).content.decode()
    assert "Sociaal" in page and url("code_edit", world, qcode=parent.pk) not in page
    css = client_for(world, Role.VIEWER).get(url("colours", world))
    assert css["Content-Type"].startswith("text/css") and f".code-{parent.pk}{{--code:#34d399}}" in css.content.decode()


# ------------------------------------------------------------------------------------------------ coding
def test_coding_with_offsets_from_a_selection(world: World) -> None:
    document = make_document(world)
    eenzaam = code(world, "Minder eenzaam")
    client = client_for(world)
    phrase = "Café één keer per week ☕"
    start = TEXT.index(phrase)  # code points, as Python and the script count them
    response = client.post(url("code", world, qdoc=document.pk),
                           {"code": eenzaam.pk, "start": start, "end": start + len(phrase), "quote": phrase}, **FETCH)
    assert response.status_code == 200
    saved = Coding.objects.get()
    assert (saved.start, saved.end, saved.text) == (start, start + len(phrase), phrase)
    assert saved.coder == world.user(Role.RESEARCHER, "own")
    body = response.content.decode()
    assert 'id="workspace"' in body and f'class="hl code-{eenzaam.pk}"' in body and "Coded with" in body

    # surrounding white space is trimmed; the same passage again is stored once
    padded = " Ik voel me minder alleen. "
    at = TEXT.index(padded)
    client.post(url("code", world, qdoc=document.pk),
                {"code": eenzaam.pk, "start": at, "end": at + len(padded), "quote": padded}, **FETCH)
    client.post(url("code", world, qdoc=document.pk),
                {"code": eenzaam.pk, "start": at + 1, "end": at + len(padded) - 1}, **FETCH)
    assert Coding.objects.filter(start=at + 1, end=at + len(padded) - 1).count() == 1

    # keyboard: a paragraph or sentence from the list
    sentence = "Ik ga minder vaak naar de huisarts."
    s = TEXT.index(sentence)
    assert client.post(url("code", world, qdoc=document.pk),
                       {"code": eenzaam.pk, "passage": f"{s}:{s + len(sentence)}"}).status_code == 302
    assert Coding.objects.filter(start=s, end=s + len(sentence)).exists()


@pytest.mark.parametrize(("fields", "message"), [
    ({"start": 5, "end": 5000}, "outside the text"),
    ({"start": 9, "end": 4}, "must come after its start"),
    ({"start": 0, "end": 11, "quote": "Deelnemer: Ik"}, "does not match the stored text"),
    ({"passage": "0:9999"}, "Select a valid choice"),
    ({}, "Select a passage"),
])
def test_invalid_offsets_are_refused(world: World, fields: dict, message: str) -> None:
    document = make_document(world)
    eenzaam = code(world, "Minder eenzaam")
    response = client_for(world).post(url("code", world, qdoc=document.pk), {"code": eenzaam.pk, **fields}, **FETCH)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Coding.objects.exists()


def test_code_of_another_programme_and_document_of_another_programme(world: World) -> None:
    document = make_document(world)
    foreign_code = Code.objects.create(programme=world.other, name="Elders")
    response = client_for(world).post(url("code", world, qdoc=document.pk),
                                      {"code": foreign_code.pk, "start": 0, "end": 5}, **FETCH)
    assert response.status_code == 422  # not among the choices
    other_doc = Document.objects.create(programme=world.other, label="X-1", kind="text", sha256="x" * 64, text="abc")
    assert client_for(world).get(url("document", world, qdoc=other_doc.pk)).status_code == 404


def test_each_coder_codings_are_kept_apart(world: World) -> None:
    document = make_document(world)
    eenzaam = code(world, "Minder eenzaam")
    researcher, professional = world.user(Role.RESEARCHER, "own"), world.user(Role.PROFESSIONAL, "own")
    mine = coding(document, eenzaam, researcher, "Ik voel me minder alleen.")
    theirs = coding(document, eenzaam, professional, "Ik ken nu de buren.")
    client = client_for(world)
    page = client.get(url("document", world, qdoc=document.pk))
    assert [c.pk for c in page.context["codings"]] == [mine.pk]  # your own codings by default
    page = client.get(url("document", world, qdoc=document.pk) + f"?show={professional.username}")
    assert [c.pk for c in page.context["codings"]] == [theirs.pk] and not page.context["editable"]
    assert len(client.get(url("document", world, qdoc=document.pk) + "?show=all").context["codings"]) == 2
    # another coder's coding cannot be removed or given a memo
    assert client.post(url("uncode", world, qdoc=document.pk), {"coding": theirs.pk}).status_code == 404
    assert client.post(url("coding_memo", world, qdoc=document.pk), {"coding": theirs.pk, "memo": "x"}
                       ).status_code == 404
    assert client.post(url("coding_memo", world, qdoc=document.pk), {"coding": mine.pk, "memo": "Sterk citaat"},
                       **FETCH).status_code == 200
    assert Coding.objects.get(pk=mine.pk).memo == "Sterk citaat"
    assert client.post(url("document_memo", world, qdoc=document.pk), {"memo": "Rustig gesprek"}).status_code == 302
    assert Document.objects.get().memo == "Rustig gesprek"
    assert client.post(url("uncode", world, qdoc=document.pk), {"coding": mine.pk}).status_code == 302
    assert list(Coding.objects.all()) == [theirs]
    assert AuditEvent.objects.filter(object_type="transcript", object_id=str(document.pk)).exists()


# -------------------------------------------------------------------------------------------- analyses
def _coded_world(world: World) -> tuple[Document, Document, Code, Code]:
    d1 = make_document(world, "R-01")
    d2 = make_document(world, "V-01", TEXT.replace("Hoe gaat het?", "Hoe gaat het met u?"), group="volunteers")
    eenzaam, buren = code(world, "Minder eenzaam"), code(world, "Buren", colour="#a78bfa")
    researcher, professional = world.user(Role.RESEARCHER, "own"), world.user(Role.PROFESSIONAL, "own")
    coding(d1, eenzaam, researcher, "Ik voel me minder alleen. Ik ken nu de buren.")
    coding(d1, buren, researcher, "Ik ken nu de buren.")
    coding(d1, eenzaam, professional, "Ik voel me minder alleen.")
    coding(d1, buren, professional, "Ik ken nu de buren.")
    coding(d2, eenzaam, researcher, "Ik voel me minder alleen.")
    return d1, d2, eenzaam, buren


def _strip(rows: list[dict], keys: list[str]) -> list[dict]:
    return [{k: r[k] for k in keys} for r in rows]


def test_frequencies_and_co_occurrence_equal_the_core(world: World, settings) -> None:
    _coded_world(world)
    proj = bridge.project(world.programme)
    response = client_for(world, Role.VIEWER).get(url("analysis", world))
    assert response.status_code == 200
    result = response.context["result"]
    keys = ["code", "codings", "coders", "characters"]
    assert _strip(result.frequencies, keys) == _strip(core.code_frequencies(proj.codings).to_dicts(), keys)
    grouped = core.code_frequencies(proj.codings, proj.groups).to_dicts()
    assert sorted(_strip(result.by_group, ["group", *keys]), key=str) == sorted(
        _strip(grouped, ["group", *keys]), key=str)
    pair_keys = ["code_a", "code_b", "count"]
    assert _strip(result.pairs, pair_keys) == _strip(core.co_occurrence(proj.codings).to_dicts(), pair_keys)
    # documents are people: fewer than the model's min_cell (10) are not shown
    assert all(r["suppressed"] and r["documents"] is None for r in result.frequencies + result.by_group)
    assert "&lt; 10" in response.content.decode()

    settings.IMPACTLAB_MIN_CELL = 1  # the model may lower the rule only as far as the installation allows
    text = example_text("buurtcirkels").replace("min_cell: 10", "min_cell: 1")
    if "min_cell: 1\n" not in text:
        text = text.replace("valuation:\n", "valuation:\n  min_cell: 1\n", 1)
    modelling.save_version(world.programme, text, None, "min_cell 1")
    result = client_for(world, Role.VIEWER).get(url("analysis", world)).context["result"]
    assert _strip(result.frequencies, [*keys, "documents"]) == _strip(
        core.code_frequencies(proj.codings).to_dicts(), [*keys, "documents"])


def test_agreement_equals_the_core(world: World) -> None:
    d1, _d2, _eenzaam, _buren = _coded_world(world)
    proj = bridge.project(world.programme)
    for unit in ("character", "segment"):
        response = client_for(world, Role.REVIEWER).get(url("agreement", world) + f"?unit={unit}")
        result = response.context["result"]
        expected = core.agreement_per_code(proj.codings, [proj.document(d1.core_id)], unit=unit).to_dicts()
        keys = ["code", "units", "coded_by_all", "percent_agreement", "cohen_kappa", "krippendorff_alpha"]
        assert _strip(result.rows, keys) == _strip(expected, keys)
        assert [d.pk for d in result.documents] == [d1.pk]
    buren_row = next(r for r in result.rows if r["code_name"] == "Buren")
    assert buren_row["cohen_kappa"] == pytest.approx(1.0)
    assert "Krippendorff" in response.content.decode()


# ---------------------------------------------------------------------------------------------- quotes
def test_quotes_linked_to_outcomes_are_shown_under_the_outcome(world: World) -> None:
    _d1, _d2, eenzaam, buren = _coded_world(world)
    client = client_for(world)
    assert client.post(url("link", world), {"outcome": "less_lonely", "code": eenzaam.pk}).status_code == 302
    single = Coding.objects.get(code=buren, coder=world.user(Role.RESEARCHER, "own"))
    assert client.post(url("link", world), {"outcome": "self_reliance", "coding": single.pk}).status_code == 302
    assert client.post(url("link", world), {"outcome": "no_such_outcome", "code": eenzaam.pk}).status_code == 422
    assert client.post(url("link", world), {"outcome": "less_lonely"}).status_code == 422

    quotes = bridge.quotes_for(world.programme, world.programme.latest_version())
    assert quotes["less_lonely"] == [
        Quote("Ik voel me minder alleen. Ik ken nu de buren.", "R-01, Participating residents"),
        Quote("Ik voel me minder alleen.", "V-01, Volunteers and neighbours"),
    ]  # the second coder's overlapping passage of R-01 once
    assert quotes["self_reliance"] == [Quote("Ik ken nu de buren.", "R-01, Participating residents")]

    assert 'id="outcome-less_lonely"' not in client_for(world, Role.VIEWER).get(url("quotes", world)).content.decode()
    modelling.publish(world.programme.latest_version(), None)  # a viewer sees the outcomes of the published model
    page = client_for(world, Role.VIEWER).get(url("quotes", world)).content.decode()
    section = page[page.index('id="outcome-less_lonely"'):]
    section = section[:section.index("</section>")]
    assert "Ik voel me minder alleen. Ik ken nu de buren." in section and "R-01, Participating residents" in section
    link = OutcomeLink.objects.get(outcome="self_reliance")
    assert client.post(url("unlink", world), {"link": link.pk}).status_code == 302
    assert "self_reliance" not in bridge.quotes_for(world.programme, world.programme.latest_version())


# ---------------------------------------------------------------------------------------------- export
def test_qdpx_export_reimports_with_the_core(world: World, tmp_path: Path) -> None:
    _coded_world(world)
    Document.objects.filter(label="R-01").update(memo="Rustig gesprek")
    response = client_for(world).get(url("export", world))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.qdpx"')
    path = tmp_path / "export.qdpx"
    path.write_bytes(b"".join(response.streaming_content))
    assert zipfile.is_zipfile(path)
    back = import_qdpx(path)
    original = bridge.project(world.programme)
    assert sorted(d.text for d in back.documents) == sorted(d.text for d in original.documents)
    assert sorted((d.name, d.group, d.memo) for d in back.documents) == sorted(
        (d.name, d.group, d.memo) for d in original.documents)
    assert sorted(c.name for c in back.codebook.codes) == sorted(c.name for c in original.codebook.codes)
    names = {c.id: c.name for c in back.codebook.codes}
    original_names = {c.id: c.name for c in original.codebook.codes}
    assert sorted((c.start, c.end, names[c.code], c.coder) for c in back.codings) == sorted(
        (c.start, c.end, original_names[c.code], c.coder) for c in original.codings)
    event = AuditEvent.objects.get(action="qualitative.export", object_type="programme")
    assert event.user == world.user(Role.RESEARCHER, "own") and '"codings": 5' in event.detail
    assert client_for(world, Role.PROFESSIONAL).get(url("export", world)).status_code == 403


# ------------------------------------------------------------------------------------------------ demo
def test_demo_part_is_idempotent(world: World, tmp_path: Path) -> None:
    from impactlab_web.core.demo import DemoContext

    users = {"researcher": world.user(Role.RESEARCHER, "own"), "professional": world.user(Role.PROFESSIONAL, "own")}
    context = DemoContext(world.programme, world.other, {}, users, None, tmp_path, lambda message: None)
    demo.seed(context)
    counts = (Document.objects.count(), Code.objects.count(), Coding.objects.count(), OutcomeLink.objects.count())
    demo.seed(context)
    assert counts == (Document.objects.count(), Code.objects.count(), Coding.objects.count(),
                      OutcomeLink.objects.count())
    assert counts[0] == 4 and counts[3] >= 5
    assert bridge.agreement(world.programme).documents[0].label == "R-01"
    quotes = bridge.quotes_for(world.programme, world.programme.latest_version())
    assert any("minder alleen" in q.text for q in quotes["less_lonely"])
    assert all(q.source and q.source.startswith(("R-", "V-", "P-")) for items in quotes.values() for q in items)


def test_pages_in_dutch(world: World) -> None:
    from impactlab_web.organisations.models import Profile

    _coded_world(world)
    user = world.user(Role.RESEARCHER, "own")
    Profile.objects.filter(user=user).update(language="nl")
    page = client_for(world).get(url("quotes", world)).content.decode()
    assert "Citaten per uitkomst" in page and "Koppel een code aan een uitkomst" in page
    page = client_for(world).get(url("analysis", world)).content.decode()
    assert "Codefrequenties en samenhang" in page and "Documenten (personen)" in page

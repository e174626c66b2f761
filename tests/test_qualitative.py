"""Qualitative coding: text extraction, codebook rules, frequencies, co-occurrence, agreement, REFI-QDA."""

from __future__ import annotations

import io
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile

import pytest
from docx import Document

from impactlab.errors import UserError
from impactlab.qualitative.codebook import (
    Code,
    Codebook,
    Coding,
    CodingProject,
    SourceDocument,
    agreement_per_code,
    co_occurrence,
    code_frequencies,
    double_coded,
    iter_quotes,
)
from impactlab.qualitative.documents import extract_text
from impactlab.qualitative.refiqda import NS, export_qdpx, import_qdpx

typst = pytest.importorskip("typst")


# ------------------------------------------------------------------------------------- documents
def _docx_bytes() -> bytes:
    document = Document()
    document.add_paragraph("Interview met een mantelzorger.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "vraag"
    table.cell(0, 1).text = "antwoord"
    document.add_paragraph("Bel me op 06-12345678 of mail jan@voorbeeld.nl")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf_bytes(tmp_path, body: str) -> bytes:
    source = tmp_path / "doc.typ"
    source.write_text(body, encoding="utf-8")
    return typst.compile(str(source))


def test_docx_text_in_document_order_and_scrubbed(tmp_path):
    path = tmp_path / "interview.docx"
    path.write_bytes(_docx_bytes())
    result = extract_text(path)
    assert result.kind == "docx"
    assert result.text == "Interview met een mantelzorger.\nvraag | antwoord\nBel me op [telefoon] of mail [e-mail]"
    assert "06-12345678" in extract_text(path, scrub=False).text


def test_pdf_with_text_layer(tmp_path):
    data = _pdf_bytes(tmp_path, "Eerste pagina over eenzaamheid.\n#pagebreak()\nTweede pagina: café.")
    result = extract_text(data, "verhaal.pdf")
    assert result.kind == "pdf" and len(result.sha256) == 64
    assert result.text == "Eerste pagina over eenzaamheid.\n\nTweede pagina: café."


def test_pdf_without_text_layer(tmp_path):
    data = _pdf_bytes(tmp_path, "#rect(width: 3cm, height: 2cm, fill: gray)")
    with pytest.raises(UserError, match=r"scan\.pdf: the PDF has no text layer"):
        extract_text(data, "scan.pdf")


def test_plain_text_encodings_and_line_ends():
    assert extract_text("café\r\nregel twee\r".encode(), "a.txt").text == "café\nregel twee"
    assert extract_text("\ufeffmet BOM".encode(), "a.txt").text == "met BOM"
    assert extract_text("café – “quote”".encode("cp1252"), "a.txt").text == "café – “quote”"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.7 but actually nothing", "a.docx", "not a Word .docx file"),
        (b"PK\x03\x04" + b"\x00" * 40, "a.docx", "damaged"),
        (b"just text", "a.pdf", "not a PDF file"),
        (b"%PDF-1.4\n%%garbage without objects\n%%EOF", "a.pdf", "a.pdf: the PDF"),
        (b"PK\x03\x04 zip pretending", "a.txt", "not a plain text file"),
        (b"\x81\x8d\x8f", "a.txt", "neither UTF-8 nor Windows-1252"),
        (b"   \n  ", "a.txt", "contains no text"),
        (b"data", "a.doc", "unsupported file type"),
    ],
)
def test_files_that_are_not_what_they_claim(data, name, message):
    with pytest.raises(UserError, match=message):
        extract_text(data, name)


def test_zip_that_is_not_a_word_document():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(UserError, match="not a Word document"):
        extract_text(buffer.getvalue(), "a.docx")


def test_truncated_docx():
    with pytest.raises(UserError, match="damaged"):
        extract_text(_docx_bytes()[:2000], "a.docx")


def test_missing_file(tmp_path):
    with pytest.raises(UserError, match="file not found"):
        extract_text(tmp_path / "nope.txt")


# -------------------------------------------------------------------------------------- codebook
TEXT = "abcdefghijklmnopqrst"  # 20 characters
CODEBOOK = Codebook(codes=[
    Code(id="support", name="Steun", definition="Alle vormen van steun", colour="#336699"),
    Code(id="x", name="Praktische hulp", parent="support"),
    Code(id="y", name="Eenzaamheid"),
    Code(id="z", name="Mantelzorg", parent="x", colour="#aabbcc"),
])


def _project() -> CodingProject:
    documents = [
        SourceDocument(id="d1", name="Interview 1", text=TEXT, group="clients", memo="Lang gesprek"),
        SourceDocument(id="d2", name="Interview 2", text="line one\nline two\n\nline three", group="volunteers"),
    ]
    codings = [
        Coding(document="d1", start=0, end=10, code="x", coder="ann"),
        Coding(document="d1", start=12, end=16, code="y", coder="ann", memo="duidelijk"),
        Coding(document="d1", start=8, end=12, code="z", coder="ann"),
        Coding(document="d1", start=0, end=8, code="x", coder="bob"),
        Coding(document="d1", start=0, end=8, code="z", coder="bob"),
        Coding(document="d2", start=0, end=4, code="x", coder="ann"),
        Coding(document="d2", start=20, end=25, code="x", coder="ann"),
        Coding(document="d2", start=5, end=8, code="x", coder="bob"),
    ]
    return CodingProject(name="Buurtzorg 2025", codebook=CODEBOOK, documents=documents, codings=codings)


def test_codebook_hierarchy():
    assert CODEBOOK.ancestors("z") == ["x", "support"]
    assert CODEBOOK.path("z") == "Steun / Praktische hulp / Mantelzorg"
    assert [c.id for c in CODEBOOK.children(None)] == ["support", "y"]


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ([Code(id="a", name="A"), Code(id="a", name="B")], "code id 'a' is used more than once"),
        ([Code(id="a", name="A", parent="nope")], "parent 'nope' is not in the codebook"),
        ([Code(id="a", name="A", parent="b"), Code(id="b", name="B", parent="a")], "cycle"),
    ],
)
def test_bad_codebooks(codes, message):
    with pytest.raises(ValueError, match=message):
        Codebook(codes=codes)


def test_codings_must_fit_the_project():
    with pytest.raises(ValueError, match="end 30 is beyond the text of 'd1'"):
        CodingProject(name="p", codebook=CODEBOOK, documents=[SourceDocument(id="d1", name="d", text=TEXT)],
                      codings=[Coding(document="d1", start=0, end=30, code="x", coder="a")])
    with pytest.raises(ValueError, match="unknown code 'q'"):
        CodingProject(name="p", codebook=CODEBOOK, documents=[SourceDocument(id="d1", name="d", text=TEXT)],
                      codings=[Coding(document="d1", start=0, end=3, code="q", coder="a")])
    with pytest.raises(ValueError, match="end \\(3\\) must be after start \\(3\\)"):
        Coding(document="d1", start=3, end=3, code="x", coder="a")


def test_quotes_include_child_codes():
    project = _project()
    quotes = [text for _, text in iter_quotes(project, "x") if _.document == "d1"]
    assert quotes == ["abcdefghij", "ijkl", "abcdefgh", "abcdefgh"]  # x by ann, z by ann, x and z by bob


def test_code_frequencies_by_hand():
    project = _project()
    overall = code_frequencies(project.codings)
    assert overall.rows() == [("x", 5, 2, 2, 10 + 8 + 4 + 5 + 3), ("z", 2, 1, 2, 4 + 8), ("y", 1, 1, 1, 4)]
    by_group = code_frequencies(project.codings, project.groups)
    assert by_group.columns == ["group", "code", "codings", "documents", "coders", "characters"]
    assert by_group.rows() == [
        ("clients", "x", 2, 1, 2, 18), ("clients", "z", 2, 1, 2, 12), ("clients", "y", 1, 1, 1, 4),
        ("volunteers", "x", 3, 1, 2, 12),
    ]


def test_co_occurrence_by_hand():
    project = _project()
    # ann: x[0,10) overlaps z[8,12); y[12,16) only touches z. bob: x and z on the same segment [0,8).
    assert co_occurrence(project.codings).rows() == [("x", "z", 2, 1)]
    assert co_occurrence(project.codings, project.groups).rows() == [("clients", "x", "z", 2, 1)]
    assert co_occurrence([]).height == 0


def test_kappa_and_alpha_per_code_by_hand():
    project = _project()
    table = agreement_per_code(project.codings, project.document("d1"))
    rows = {r["code"]: r for r in table.iter_rows(named=True)}
    # x: ann 0-9, bob 0-7 -> 8 both, 2 ann only, 10 neither. p_o = .9, p_e = .5*.4 + .5*.6 = .5, kappa = .8.
    assert rows["x"]["units"] == 20 and rows["x"]["coded_by_ann"] == 10 and rows["x"]["coded_by_bob"] == 8
    assert rows["x"]["percent_agreement"] == pytest.approx(90.0)
    assert rows["x"]["cohen_kappa"] == pytest.approx(0.8)
    # alpha: coincidences o00 = 20, o11 = 16, o01 = o10 = 2; n0 = 22, n1 = 18, n = 40.
    assert rows["x"]["krippendorff_alpha"] == pytest.approx(1 - 39 * 4 / (2 * 22 * 18))
    # y: only ann (4 characters): p_o = .8, p_e = .8 -> kappa 0
    assert rows["y"]["cohen_kappa"] == pytest.approx(0.0) and rows["y"]["percent_agreement"] == pytest.approx(80)
    # z: ann 8-11, bob 0-7 -> no overlap: 8 neither... p_o = 8/20, pA = .2, pB = .4, p_e = .08 + .48 = .56
    assert rows["z"]["cohen_kappa"] == pytest.approx((0.4 - 0.56) / (1 - 0.56))


def test_segment_units_by_hand():
    project = _project()
    # d2 lines: 'line one' [0,8), 'line two' [9,17), 'line three' [19,29). ann codes lines 1 and 3, bob line 1.
    table = agreement_per_code(project.codings, project.document("d2"), unit="segment")
    row = table.row(0, named=True)
    assert row["units"] == 3 and row["coded_by_all"] == 1
    assert row["cohen_kappa"] == pytest.approx(0.4)  # p_o = 2/3, p_e = 4/9


def test_pooled_documents_and_three_coders():
    project = _project()
    pooled = agreement_per_code(project.codings, project.documents, unit="segment")
    assert pooled.filter(code="x")["units"].item() == 1 + 3  # d1 is one line
    extra = [*project.codings, Coding(document="d1", start=0, end=10, code="x", coder="cas")]
    three = agreement_per_code(extra, project.document("d1"))
    row = three.filter(code="x").row(0, named=True)
    assert row["cohen_kappa"] is None and row["krippendorff_alpha"] is not None and row["coded_by_cas"] == 10
    assert double_coded(project.codings) == ["d1", "d2"]


# ------------------------------------------------------------------------------------- REFI-QDA
def _guid_project() -> CodingProject:
    ids = {name: str(uuid.uuid4()).upper() for name in ["support", "x", "y", "z", "d1", "d2"]}
    project = _project()
    codes = [c.model_copy(update={"id": ids[c.id], "parent": ids.get(c.parent) if c.parent else None})
             for c in project.codebook.codes]
    docs = [d.model_copy(update={"id": ids[d.id]}) for d in project.documents]
    codings = [c.model_copy(update={"document": ids[c.document], "code": ids[c.code]}) for c in project.codings]
    return CodingProject(name=project.name, codebook=Codebook(codes=codes), documents=docs, codings=codings)


def test_qdpx_round_trip_is_exact_with_guid_ids(tmp_path):
    project = _guid_project()
    back = import_qdpx(export_qdpx(project, tmp_path / "project.qdpx"))
    expected = [c.model_copy(update={"colour": c.colour.upper() if c.colour else None}) for c in project.codebook.codes]
    assert sorted(back.codebook.codes, key=repr) == sorted(expected, key=repr)  # they come back in tree order
    assert back.documents == project.documents
    assert sorted(back.codings, key=repr) == sorted(project.codings, key=repr)


def test_qdpx_round_trip_keeps_structure_with_other_ids(tmp_path):
    project = _project()
    back = import_qdpx(export_qdpx(project, tmp_path / "p.qdpx"))
    paths = sorted(back.codebook.path(c.id) for c in back.codebook.codes)
    assert paths == sorted(CODEBOOK.path(c.id) for c in CODEBOOK.codes)
    names = {d.id: d.name for d in back.documents}
    code_names = {c.id: c.name for c in back.codebook.codes}

    def key(coding, docs, codes):
        return docs[coding.document], coding.start, coding.end, codes[coding.code], coding.coder, coding.memo

    original = sorted(key(c, {d.id: d.name for d in project.documents}, {c.id: c.name for c in CODEBOOK.codes})
                      for c in project.codings)
    assert sorted(key(c, names, code_names) for c in back.codings) == original
    assert [(d.text, d.group, d.memo) for d in back.documents] == [(d.text, d.group, d.memo) for d in project.documents]
    # exporting the imported project again is a fixed point
    again = import_qdpx(export_qdpx(back, tmp_path / "again.qdpx"))
    assert again.codebook == back.codebook and again.documents == back.documents


def test_qdpx_is_well_formed_refi_qda(tmp_path):
    path = export_qdpx(_project(), tmp_path / "p.qdpx")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        root = ET.fromstring(archive.read("project.qde"))
        assert archive.read("project.qde").startswith(b"<?xml version='1.0' encoding='utf-8'?>")
        texts = {n: archive.read(n).decode("utf-8") for n in names if n.startswith("Sources/")}
    q = f"{{{NS}}}"
    assert root.tag == f"{q}Project" and root.get("name") == "Buurtzorg 2025"
    order = ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs", "Description"]
    children = [child.tag.removeprefix(q) for child in root]
    assert children == sorted(children, key=order.index) == ["Users", "CodeBook", "Variables", "Sources", "Notes"]
    guid = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
    guids = [e.get("guid") for e in root.iter() if e.get("guid") is not None]
    assert all(guid.match(g) for g in guids) and len(guids) == len(set(guids))
    code_guids = {e.get("guid") for e in root.iter(f"{q}Code")}
    assert all(code.get("isCodable") == "true" and code.get("name") for code in root.iter(f"{q}Code"))
    assert {r.get("targetGUID") for r in root.iter(f"{q}CodeRef")} <= code_guids
    note_guids = {e.get("guid") for e in root.iter(f"{q}Note")}
    assert {r.get("targetGUID") for r in root.iter(f"{q}NoteRef")} == note_guids and len(note_guids) == 2
    users = {u.get("guid") for u in root.iter(f"{q}User")}
    assert {c.get("creatingUser") for c in root.iter(f"{q}Coding")} <= users
    for source in root.iter(f"{q}TextSource"):
        member = "Sources/" + source.get("plainTextPath").removeprefix("internal://")
        assert member in texts
        for selection in source.iter(f"{q}PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert 0 <= start < end <= len(texts[member])
        tags = [child.tag.removeprefix(q) for child in source]
        allowed = ["Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef", "VariableValue"]
        assert tags == sorted(tags, key=allowed.index)
    # the same project gives the same archive bytes apart from the creation time
    assert sorted(names) == sorted(["project.qde", *texts])


def _qdpx(tmp_path, files: dict[str, bytes]) -> str:
    path = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return str(path)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"other.xml": b"<x/>"}, "project.qde is missing"),
        ({"project.qde": b"<Project name='p'><unclosed></Project>"}, "not well-formed XML"),
        ({"project.qde": b"<Project name='p'/>"}, "not a QDA-XML project"),
        ({"project.qde": f"<Project xmlns='{NS}' name='p'><Sources><TextSource guid='{uuid.uuid4()}' name='t' "
          "plainTextPath='internal://missing.txt'/></Sources></Project>".encode()}, "missing from the archive"),
        ({"project.qde": f"<Project xmlns='{NS}' name='p'><Sources><TextSource guid='{uuid.uuid4()}' name='t'>"
          "<PlainTextContent>hello</PlainTextContent><PlainTextSelection guid='{uuid.uuid4()}' startPosition='0' "
          f"endPosition='3'><Coding guid='{uuid.uuid4()}'><CodeRef targetGUID='{uuid.uuid4()}'/></Coding>"
          "</PlainTextSelection></TextSource></Sources></Project>".encode()}, "unknown code"),
    ],
)
def test_broken_qdpx(tmp_path, files, message):
    with pytest.raises(UserError, match=message):
        import_qdpx(_qdpx(tmp_path, files))


def test_not_a_zip(tmp_path):
    path = tmp_path / "x.qdpx"
    path.write_bytes(b"not a zip")
    with pytest.raises(UserError, match=r"not a \.qdpx file"):
        import_qdpx(path)

"""Limits on every input: zip bombs, cell bombs, long texts, deep YAML and XML with a DOCTYPE are refused before
a parser builds anything big, with a message naming the file and the limit (English and Dutch)."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from impactlab import limits
from impactlab.errors import UserError
from impactlab.fieldwork.questionnaire import questionnaire_from_yaml
from impactlab.fieldwork.xlsform import read_xlsform
from impactlab.io.readers import read_table
from impactlab.limits import LimitExceeded, Limits, check_zip, sheet_extent
from impactlab.model.document import check_text
from impactlab.qualitative.documents import extract_text
from impactlab.qualitative.refiqda import import_qdpx

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 b'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
WORKBOOK = (b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            b'<sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>')
RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
        b' Target="worksheets/sheet1.xml"/></Relationships>')

ROOT_RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
             b'officeDocument" Target="xl/workbook.xml"/></Relationships>')


@pytest.fixture(autouse=True)
def default_limits():
    limits.configure(**dataclasses.asdict(Limits()))
    yield
    limits.configure(**dataclasses.asdict(Limits()))


def workbook_with_sheet(path: Path, sheet: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def sheet_xml(rows: int, columns: int, refs: bool = True) -> bytes:
    out = [b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<dimension ref="A1:B2"/><sheetData>']
    for r in range(1, rows + 1):
        cells = b"".join((f'<c r="{get_column_letter(c)}{r}"><v>1</v></c>' if refs else "<c><v>1</v></c>").encode()
                         for c in range(1, columns + 1))
        out.append(f'<row r="{r}">'.encode() + cells + b"</row>")
    return b"".join(out) + b"</sheetData></worksheet>"


# ---------------------------------------------------------------------------------------------- xlsx
def test_too_many_cells_are_refused_while_streaming(tmp_path: Path) -> None:
    """The review's xlsx of 1M x 10 cells, scaled down (bench/ times the real size): refused while streaming."""
    path = workbook_with_sheet(tmp_path / "bom.xlsx", sheet_xml(3_000, 10))
    limits.configure(cells=20_000)
    with pytest.raises(LimitExceeded) as caught:
        read_table(path)
    assert caught.value.text("en") == ("bom.xlsx: the number of cells (2,001 rows × 10 columns) is more than the "
                                       "limit of 20,000.")
    assert caught.value.text("nl") == ("bom.xlsx: het aantal cellen (2,001 rijen × 10 kolommen) is meer dan de "
                                       "grens van 20,000.")
    limits.configure(cells=30_000)
    assert read_table(path).data.shape == (2_999, 10)  # the first row is the header


def test_two_far_apart_cells_are_a_dense_block_and_refused(tmp_path: Path) -> None:
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
             b"</sheetData></worksheet>")
    path = workbook_with_sheet(tmp_path / "sparse.xlsx", sheet)
    with pytest.raises(LimitExceeded, match=r"sparse.xlsx: the number of columns \(16,384 or more\)"):
        read_table(path)


def test_cells_without_references_are_counted_in_order(tmp_path: Path) -> None:
    path = workbook_with_sheet(tmp_path / "plain.xlsx", sheet_xml(30, 7, refs=False))
    with zipfile.ZipFile(path) as archive:
        assert sheet_extent(archive, "xl/worksheets/sheet1.xml", "plain.xlsx") == (30, 7)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 300), st.integers(1, 60)), min_size=1, max_size=40))
def test_extent_matches_what_openpyxl_wrote(tmp_path: Path, cells: list[tuple[int, int]]) -> None:
    book = Workbook()
    for row, column in cells:
        book.active.cell(row=row, column=column, value=row * column)
    path = tmp_path / "w.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sheet_extent(archive, limits.worksheets(archive)[0], "w.xlsx") == (
            max(r for r, _ in cells), max(c for _, c in cells))


def test_an_accepted_workbook_reads_as_before(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["id", "score"])
    for i in range(1, 51):
        book.active.append([i, i % 5])
    book.save(tmp_path / "ok.xlsx")
    table = read_table(tmp_path / "ok.xlsx")
    assert table.data.shape == (50, 2) and table.data["score"].sum() == sum(i % 5 for i in range(1, 51))
    limits.configure(cells=100)
    with pytest.raises(LimitExceeded, match=r"limit of 100"):
        read_table(tmp_path / "ok.xlsx")


def test_a_zip_that_lies_about_its_sizes_is_damaged(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", b"x" * 100_000)
    data = bytearray(buffer.getvalue())
    central = data.rfind(b"PK\x01\x02")  # declared size in the central directory: 10 bytes instead of 100,000
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(UserError, match=r"damaged"):
        check_zip(bytes(data), "lie.zip")


def test_the_unpacked_size_and_member_count_are_bounded() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(5):
            archive.writestr(f"part{i}.xml", b"<a/>" * 250_000)
    limits.configure(unzipped_bytes=4_000_000)
    with pytest.raises(LimitExceeded, match=r"unpacked size \(5 MB or more\) is more than the limit of 4 MB"):
        check_zip(buffer.getvalue(), "big.zip")
    limits.configure(unzipped_bytes=100_000_000, zip_members=3)
    with pytest.raises(LimitExceeded, match=r"number of parts in the archive \(5\)"):
        check_zip(buffer.getvalue(), "many.zip")


# ----------------------------------------------------------------------------------------------- CSV
def test_csv_columns_and_cells_are_bounded(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(1_001)) + "\n" + ",".join("1" * 1_001) + "\n")
    with pytest.raises(LimitExceeded, match=r"wide.csv: the number of columns \(1,001\)"):
        read_table(wide)
    long = tmp_path / "long.csv"
    long.write_text("id;score\n" + "".join(f"{i};1\n" for i in range(600)))
    limits.configure(cells=1_000)
    with pytest.raises(LimitExceeded, match=r"long.csv: the number of cells \(601 rows × 2 columns\)"):
        read_table(long)
    limits.configure(cells=1_202)
    assert read_table(long).data.height == 600


def test_quoted_line_breaks_do_not_count_as_rows(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("id,note\n" + "".join(f'{i},"line one\nline two\nline three"\n' for i in range(100)))
    limits.configure(cells=250)  # 101 records x 2 columns fit; 301 lines x 2 would not
    assert read_table(path).data.height == 100


# ------------------------------------------------------------------------------------------ documents
def docx_bytes(paragraphs: list[str]) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_docx_bomb_is_refused_before_python_docx_reads_it() -> None:
    """A small .docx whose body unpacks to more than xml_part_bytes (the review's unpacked to 193 MB)."""
    normal = docx_bytes(["Gesprek met de deelnemer."])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(normal)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b"<w:p><w:r><w:t>bla</w:t></w:r></w:p>" * 500_000)
            out.writestr(info.filename, data)
    bomb = buffer.getvalue()
    assert len(bomb) < 1024 * 1024
    with pytest.raises(LimitExceeded) as caught:
        extract_text(bomb, "verhaal.docx")
    assert caught.value.text("en") == \
        "verhaal.docx: the part word/document.xml (17 MB) is more than the limit of 16 MB."
    assert caught.value.text("nl") == \
        "verhaal.docx: het onderdeel word/document.xml (17 MB) is meer dan de grens van 16 MB."
    assert extract_text(normal, "gewoon.docx").text == "Gesprek met de deelnemer."


def test_document_text_is_bounded() -> None:
    limits.configure(text_chars=1_000)
    with pytest.raises(LimitExceeded, match=r"lang.txt: the text \(1,200 characters or more\)"):
        extract_text(("woord " * 200).encode(), "lang.txt")
    with pytest.raises(LimitExceeded, match=r"lang\.docx: the text"):
        extract_text(docx_bytes(["woord " * 100] * 3), "lang.docx")
    with pytest.raises(LimitExceeded, match=r"huge\.txt: the text"):
        extract_text(b"a" * 5_000, "huge.txt")
    assert extract_text(("woord " * 100).encode(), "kort.txt").text.startswith("woord")
    with pytest.raises(LimitExceeded) as caught:
        extract_text(("woord " * 200).encode(), "gesprek.txt")
    assert caught.value.text("en") == (
        "gesprek.txt: the text (1,200 characters or more) is more than the limit of 1,000 characters. "
        "Split it into separate documents, one per interview or story.")
    assert caught.value.text("nl") == ("gesprek.txt: de tekst (1,200 tekens of meer) is meer dan de grens van 1,000 "
                                       "tekens. Splits hem in losse documenten, één per gesprek of verhaal.")


def test_by_default_a_document_of_eight_long_interviews_is_accepted_and_ten_are_refused() -> None:
    interview = 120_000  # characters of a two-hour interview, about 20,000 words
    limits.check_length("acht.docx", 8 * interview, Limits())
    with pytest.raises(LimitExceeded, match=r"tien.docx: the text \(1,200,000 characters or more\) .* 1,000,000 char"):
        limits.check_length("tien.docx", 10 * interview, Limits())


def test_pdf_text_and_pages_are_bounded(tmp_path: Path) -> None:
    pytest.importorskip("typst")
    from impactlab import load_model
    from impactlab.reports import build_report, render_pdf

    model = load_model(Path(__file__).resolve().parents[1] / "examples" / "buurtcirkels.yaml")
    path = render_pdf(build_report(model, lang="nl", draws=200, seed=1), tmp_path / "r.pdf")
    data = path.read_bytes()
    assert len(extract_text(data, "r.pdf").text) > 1_000
    limits.configure(text_chars=1_000)
    with pytest.raises(LimitExceeded, match=r"r\.pdf: the text"):
        extract_text(data, "r.pdf")
    limits.configure(text_chars=10_000_000, pdf_pages=1)
    with pytest.raises(LimitExceeded, match=r"r.pdf: the number of pages"):
        extract_text(data, "r.pdf")


# ------------------------------------------------------------------------------------------------- YAML
def nested(depth: int) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "end: 1\n"


def test_yaml_nested_a_thousand_levels_is_a_clear_error_not_a_crash() -> None:
    report = check_text("impactlab: 1\nprogramme:\n" + nested(1_000).replace("\n", "\n  ", 1), "deep.yaml")
    assert report.errors == ["deep.yaml: the nesting depth is more than the limit of 50."]
    flow = check_text("impactlab: 1\nx: " + "[" * 1_000 + "]" * 1_000 + "\n", "flow.yaml")
    assert flow.errors == ["flow.yaml: the nesting depth is more than the limit of 50."]
    with pytest.raises(LimitExceeded, match=r"q\.yaml: the nesting depth"):
        questionnaire_from_yaml(nested(1_000), "q.yaml")
    assert check_text(nested(20), "ok.yaml").errors[0] != "ok.yaml: the nesting depth is more than the limit of 50."


def test_yaml_alias_bombs_and_size_are_refused() -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(20))
    with pytest.raises(LimitExceeded, match=r"laughs\.yaml: the number of YAML aliases"):
        questionnaire_from_yaml(laughs, "laughs.yaml")
    limits.configure(yaml_bytes=100)
    with pytest.raises(LimitExceeded, match=r"big.yaml: the YAML text \(201 bytes\) is more than the limit of 100"):
        questionnaire_from_yaml("a: " + "x" * 198, "big.yaml")


def test_model_size_and_outcome_count_are_bounded() -> None:
    text = (Path(__file__).resolve().parents[1] / "examples" / "buurtcirkels.yaml").read_text(encoding="utf-8")
    assert check_text(text, "m.yaml").ok
    limits.configure(model_outcomes=1)
    report = check_text(text, "m.yaml")
    assert len(report.errors) == 1 and "m.yaml: the number of outcomes" in report.errors[0]
    limits.configure(model_outcomes=500, model_bytes=1_000)
    assert check_text(text, "m.yaml").errors[0].startswith("m.yaml: the model text (")


# -------------------------------------------------------------------------------------- XML with a DOCTYPE
def test_xlsform_with_a_doctype_is_refused_not_expanded(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "survey"
    book.active.append(["type", "name", "label"])
    book.active.append(["text", "q1", "Vraag"])
    book.save(tmp_path / "form.xlsx")
    hostile = tmp_path / "doctype.xlsx"
    with zipfile.ZipFile(tmp_path / "form.xlsx") as source, zipfile.ZipFile(hostile, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "lol"><!ENTITY f "&e;&e;&e;&e;">]>' + data
            out.writestr(info, data)
    with pytest.raises(UserError) as caught:
        read_xlsform(hostile)
    assert str(hostile) in caught.value.messages[0]
    assert read_xlsform(tmp_path / "form.xlsx").questions[0].id == "q1"


def test_qdpx_with_entities_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", '<?xml version="1.0"?><!DOCTYPE P [<!ENTITY e "x">]>'
                                        '<Project xmlns="urn:QDA-XML:project:1.0" name="&e;"/>')
    with pytest.raises(UserError, match=r"project\.qde uses XML features that are not allowed"):
        import_qdpx(path)

"""Reports: Excel formulas recompute to the engine, PDF sections and page numbers, self-contained HTML,
Dutch and English texts, and disclosure control in every format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from impactlab import load_model, value
from impactlab.cli import app
from impactlab.evidence.disclosure import DisclosurePolicy
from impactlab.reports import (
    Quote,
    build_report,
    render_appendix,
    render_html,
    render_pdf,
    render_xlsx,
    source_from_frame,
)
from impactlab.reports.document import SECTION_ORDER
from impactlab.reports.texts import TEXTS, Texts

ROOT = Path(__file__).resolve().parents[1]
BUURT = ROOT / "examples" / "buurtcirkels.yaml"
DRAWS = 4_000
CODES = ["lone3", "lone4", "lone7", "lone8", "lone9", "lone10"]  # djg-6 items, answers 1-3

formulas = pytest.importorskip("formulas")
pypdf = pytest.importorskip("pypdf")


@pytest.fixture(scope="module")
def model():
    return load_model(BUURT)


@pytest.fixture(scope="module")
def doc_en(model):
    return build_report(model, lang="en", draws=DRAWS, seed=3, date="2025-06-01")


# ------------------------------------------------------------------------------------------- Excel
class Workbook:
    """A written workbook evaluated by the `formulas` package."""

    def __init__(self, path: Path):
        self.name = path.name
        self.model = formulas.ExcelModel().loads(str(path)).finish()

    def key(self, address: str) -> str:
        sheet, cell = address.rsplit("!", 1)
        return f"'[{self.name}]{sheet.strip(chr(39)).upper()}'!{cell.replace('$', '')}"

    def values(self, addresses: list[str], inputs: dict[str, float] | None = None) -> list[float]:
        keys = [self.key(a) for a in addresses]
        solution = self.model.calculate(inputs={self.key(k): v for k, v in (inputs or {}).items()}, outputs=keys)
        return [float(solution[k].value[0][0]) for k in keys]


def test_excel_formulas_recompute_to_the_engine(model, tmp_path: Path) -> None:
    layout = render_xlsx(model, tmp_path / "valuemap.xlsx", lang="en")
    book = Workbook(layout.path)
    result = value(model)
    ids = [o.id for o in result.outcomes]
    got = book.values([layout.outcome_pv[i] for i in ids] + [layout.total_pv, layout.investment, layout.ratio])
    expected = [o.present_value for o in result.outcomes] + [result.present_value, result.investment,
                                                             result.sroi_ratio]
    np.testing.assert_allclose(got, expected, rtol=1e-9)

    # a reader raises one deadweight: the sheet's ratio moves exactly as the engine says
    changed = model.model_copy(deep=True)
    changed.outcomes[0].deadweight = 0.6
    engine = value(changed)
    (ratio,) = book.values([layout.ratio], {layout.deadweight[ids[0]]: 0.6})
    assert ratio == pytest.approx(engine.sroi_ratio, rel=1e-9)
    assert ratio < result.sroi_ratio

    # and a new discount rate flows through outcomes and inputs alike
    changed.outcomes[0].deadweight = model.outcomes[0].deadweight
    changed.valuation.discount_rate = 0.04
    (ratio,) = book.values([layout.ratio], {layout.discount_rate: 0.04})
    assert ratio == pytest.approx(value(changed).sroi_ratio, rel=1e-9)


def test_excel_cells_hold_formulas(model, tmp_path: Path) -> None:
    import openpyxl

    layout = render_xlsx(model, tmp_path / "v.xlsx", lang="nl")
    sheet = openpyxl.load_workbook(layout.path)[layout.sheet]
    cell = layout.ratio.split("!")[1]
    assert str(sheet[cell].value).startswith("=")
    assert layout.sheet == "Waardekaart"


# --------------------------------------------------------------------------------------------- PDF
def test_pdf_sections_in_order_with_page_numbers(doc_en, tmp_path: Path) -> None:
    path = render_pdf(doc_en, tmp_path / "report.pdf")
    reader = pypdf.PdfReader(path)
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    titles = [doc_en.section(key).title for key in SECTION_ORDER]
    body = text[text.index("\n1 " + titles[0], len(pages[0])):]  # after the table of contents
    positions = [body.find(title) for title in titles]
    assert all(p >= 0 for p in positions), dict(zip(titles, positions, strict=True))
    assert positions == sorted(positions)
    assert all(title in pages[0] for title in titles)  # the table of contents
    n = len(pages)
    assert n >= 5
    for k, page in enumerate(pages, 1):
        assert f"Page {k} / {n}" in page


# -------------------------------------------------------------------------------------------- HTML
def test_html_is_self_contained_with_chart_specs(doc_en) -> None:
    html = render_html(doc_en)
    assert not re.search(r"""<(script|link|img|iframe)[^>]*\s(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert not re.search(r"""url\(\s*["']?(https?:)?//""", html, re.I)
    assert "vegaEmbed" in html
    specs = json.loads(re.search(r'<script type="application/json" id="chart-specs">(.*?)</script>', html,
                                 re.S).group(1).replace("<\\/", "</"))
    assert set(specs) == {"waterfall", "who_pays", "tornado", "histogram"}
    for chart in doc_en.charts():
        assert specs[chart.id] == json.loads(json.dumps(chart.spec))
        assert f'id="chart-{chart.id}"' in html
    assert "@media print" in html


# ----------------------------------------------------------------------------------------- language
def test_dutch_and_english_texts(model) -> None:
    nl = build_report(model, lang="nl", draws=DRAWS, seed=1)
    en = build_report(model, lang="en", draws=DRAWS, seed=1)
    assert [s.title for s in nl.sections][:2] == ["Samenvatting", "Veranderingstheorie"]
    assert [s.title for s in en.sections][:2] == ["Summary", "Theory of change"]
    assert "Elke geïnvesteerde € 1" in nl.sections[0].blocks[0].text
    assert "Every € 1 invested" in en.sections[0].blocks[0].text
    assert Texts("nl").money(1234.5) == "€ 1.234" and Texts("en").money(1234.5) == "€ 1,234"
    assert all(len(pair) == 2 and all(pair) for key, pair in TEXTS.items() if key != "also")
    with pytest.raises(Exception, match="not available"):
        Texts("de")


def test_limitations_from_the_model(doc_en) -> None:
    items = doc_en.section("limitations").blocks[0].items
    assert any(i.startswith("Displacement is set to zero for 7 of 7") for i in items)
    assert any(i.startswith("No source given for") for i in items)
    assert any("No outcome is backed by respondent data" in i for i in items)


def test_report_names_the_proxy_library_version(doc_en) -> None:
    from impactlab.model.library import library_version

    texts = [getattr(b, "text", "") for b in doc_en.section("assumptions").blocks]
    assert any(f"impactlab proxy library version {library_version()}" in t and "wellby" in t for t in texts)


def test_limitations_name_unverified_library_proxies_not_derived_ones(model) -> None:
    from impactlab.reports.limitations import _unverified_proxies

    texts = Texts("en")
    assert not any("wellby" in line for line in _unverified_proxies(model, texts))  # derived from verified figures
    outcomes = [o.model_copy(update={"proxy": "qaly_reference_value_low_burden"}) if o.proxy == "wellby" else o
                for o in model.outcomes]
    lines = _unverified_proxies(model.model_copy(update={"outcomes": outcomes}), texts)
    assert any("qaly_reference_value_low_burden" in line and "not verified" in line for line in lines)


# -------------------------------------------------------------------------------------- disclosure
def _survey(min_small: int) -> pl.DataFrame:
    """Long data for djg-6: 60 respondents in district Noord, ``min_small`` in district Zuid, two waves."""
    rng = np.random.default_rng(7)
    rows = []
    n = 60 + min_small
    for k in range(n):
        district = "Noord" if k < 60 else "Zuid"
        pre = rng.integers(1, 4, size=6)
        post = np.clip(pre - rng.integers(0, 2, size=6), 1, 3) if district == "Noord" else pre
        for wave, answers in (("T0", pre), ("T1", post)):
            rows.append({"respondent": f"r{k}", "wave": wave, "district": district,
                         **{code: int(a) for code, a in zip(CODES, answers, strict=True)}})
    return pl.DataFrame(rows)


def test_small_cells_never_appear_in_any_format(model, tmp_path: Path) -> None:
    policy = DisclosurePolicy(model.valuation.min_cell)
    frame = _survey(min_small=7)
    source = source_from_frame(frame, dataset="buurt", snapshot_id="ab" * 32, source_name="enquete.sav",
                               instrument_id="djg-6", model=model, policy=policy, outcome="less_lonely",
                               by="district")
    groups = {g.group: g for g in source.change.groups}
    assert groups["Zuid"].suppressed and groups["Zuid"].result.n_pairs is None
    assert groups["Noord"].suppressed  # secondary suppression: Noord would reveal Zuid from the total
    quote = Quote("Ik voel me minder alleen sinds de koffieochtend.", "deelnemer, T1")
    doc = build_report(model, lang="en", sources=[source], quotes={"less_lonely": [quote]}, draws=DRAWS, seed=2)
    outcome = next(s for s in doc.section("outcomes").subsections if s.id == "outcome-less_lonely")
    assert quote in outcome.blocks
    text = json.dumps(doc.to_dict(), ensure_ascii=False)
    assert "Change: mean" in text and "suppressed" in text

    # the small group's own figures, in every way a renderer could print them
    zuid = frame.filter(pl.col("district") == "Zuid")
    forbidden = {"7", "7.0", "14"}  # its n (respondents) and its row count
    render_pdf(doc, tmp_path / "r.pdf")
    render_xlsx(doc, tmp_path / "r.xlsx")
    csv_path, json_path = render_appendix(doc, tmp_path / "r")
    appendix = json.loads(json_path.read_text())
    for figure in appendix["figures"]:
        if ".groups.Zuid." in figure["key"]:
            assert figure["value"] is None
    html = render_html(doc)
    sections = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    for row in re.findall(r"<tr>.*?</tr>", sections):
        if "Zuid" in row:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
            assert cells[1:] == ["suppressed", "suppressed"], cells
            assert not forbidden & set(cells)
    pdf_text = "\n".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "r.pdf").pages)
    zuid_line = next(line for line in pdf_text.splitlines() if line.startswith("Zuid"))
    assert zuid_line.split()[1:] == ["suppressed", "suppressed"]
    assert zuid.height == 14
    for line in csv_path.read_text().splitlines():
        if ".groups.Zuid." in line:
            assert line.split(",")[-3:-2] == [""], line
    import openpyxl

    cells = [c.value for ws in openpyxl.load_workbook(tmp_path / "r.xlsx") for row in ws.iter_rows() for c in row]
    assert "Zuid" not in cells


def test_whole_sample_below_min_cell_is_suppressed(model) -> None:
    policy = DisclosurePolicy(10)
    frame = _survey(min_small=7).filter(pl.col("district") == "Zuid")
    source = source_from_frame(frame, dataset="tiny", snapshot_id="cd" * 32, source_name="tiny.csv",
                               instrument_id="djg-6", model=model, policy=policy, outcome="less_lonely")
    assert source.suppressed and source.rows is None and source.change.n_pre is None
    doc = build_report(model, lang="nl", sources=[source], draws=DRAWS, seed=2)
    methods = doc.section("methods")
    table = next(b for b in methods.blocks if getattr(b, "kind", "") == "table")
    assert table.rows[0][4:7] == ["onderdrukt"] * 3
    for figure in doc.figures:
        if figure.key.startswith(("methods.tiny.n", "outcomes.less_lonely.evidence")):
            assert figure.value is None, figure
    limits = doc.section("limitations").blocks[0].items
    assert any("tiny" in item for item in limits)


# --------------------------------------------------------------------------------------------- CLI
def test_cli_report_formats(tmp_path: Path) -> None:
    runner = CliRunner()
    for fmt in ("html", "xlsx", "pdf"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(app, ["report", str(BUURT), "--format", fmt, "--lang", "en", "--out", str(out),
                                     "--draws", "2000", "--seed", "1", "--appendix"])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    assert (tmp_path / "report.csv").exists() and (tmp_path / "report.json").exists()
    bad = runner.invoke(app, ["report", str(BUURT), "--out", str(tmp_path / "x.html"), "--data", "nope",
                              "--workspace", str(tmp_path / "ws")])
    assert bad.exit_code == 2
    missing = runner.invoke(app, ["report", str(tmp_path / "none.yaml"), "--out", str(tmp_path / "x.html")])
    assert missing.exit_code == 2

"""The Excel value map: the SROI practitioner's layout, every derived cell a working formula.

Impact in year 1 = quantity × unit value × (1 − DW) × (1 − DS) × (1 − AT); a later year t of an outcome
active from its start year for its duration = impact year 1 × (1 − DO)^(t − start); present value =
SUMPRODUCT(impact per year, discount factors), the factors computed from the discount rate cell;
SROI ratio = total present value / investment (inputs discounted by their year).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter as col
from openpyxl.worksheet.worksheet import Worksheet

from impactlab.errors import UserError
from impactlab.exports import safe_cell
from impactlab.model.document import available_proxies
from impactlab.model.schema import ImpactModel, Input, base_of
from impactlab.reports.blocks import ReportDocument
from impactlab.reports.texts import Texts
from impactlab.valuation import ValuationResult, value
from impactlab.valuation.compiled import CompiledModel, compile_model
from impactlab.valuation.formula import excel_first_year

SPARE_YEARS = 3
INPUT_FONT = Font(color="1F4E9A")
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EDF2")
MONEY = "#,##0.00"
PERCENT = "0%"


@dataclass
class XlsxLayout:
    """Where the key cells are (sheet!cell), for readers and tests."""

    path: Path
    sheet: str
    discount_rate: str
    investment: str
    total_pv: str
    ratio: str
    outcome_pv: dict[str, str] = field(default_factory=dict)
    deadweight: dict[str, str] = field(default_factory=dict)


class _Writer:
    """Writes rows to a sheet; literal numbers that a reader may change are coloured as inputs."""

    def __init__(self, sheet: Worksheet):
        self.sheet = sheet

    def put(self, row: int, column: int, content: object, fmt: str | None = None, editable: bool = False,
            bold: bool = False) -> str:
        """A literal value; text from the model (names, sources) can never become a formula (`safe_cell`)."""
        return self._write(row, column, safe_cell(content), fmt, editable, bold)

    def formula(self, row: int, column: int, expression: str, fmt: str | None = None, bold: bool = False) -> str:
        """One of the value map's own formulas (always built here from cell addresses, never from user text)."""
        if not expression.startswith("="):
            raise ValueError(f"not a formula: {expression!r}")
        return self._write(row, column, expression, fmt, False, bold)

    def _write(self, row: int, column: int, content: object, fmt: str | None, editable: bool, bold: bool) -> str:
        cell = self.sheet.cell(row=row, column=column, value=content)
        if fmt:
            cell.number_format = fmt
        if editable:
            cell.font = INPUT_FONT
        if bold:
            cell.font = BOLD
        return f"{col(column)}{row}"

    def header(self, row: int, labels: list[str], start: int = 1) -> None:
        for k, label in enumerate(labels):
            cell = self.sheet.cell(row=row, column=start + k, value=safe_cell(label))
            cell.font, cell.fill = BOLD, HEADER_FILL


def _proxies_sheet(book: Workbook, model: ImpactModel, compiled: CompiledModel, texts: Texts) -> dict[str, str]:
    """One row per proxy used; returns proxy id -> the cell holding its value in programme prices."""
    sheet = book.create_sheet("Proxies")
    w = _Writer(sheet)
    w.header(1, ["id", texts("proxy"), texts("value"), texts("price_year"), texts("index_factor"),
                 f"{texts('value')} {model.programme.price_year}", "unit", texts("source")])
    proxies = available_proxies(model)
    cells = {}
    for r, pid in enumerate(sorted(compiled.index_factors), start=2):
        p = proxies[pid]
        base = next(q.base for q in compiled.params if q.name == f"proxies.{pid}.value")
        w.put(r, 1, pid)
        w.put(r, 2, p.name)
        w.put(r, 3, base, MONEY, editable=True)
        w.put(r, 4, p.price_year)
        w.put(r, 5, compiled.index_factors[pid], "0.000000", editable=True)
        cells[pid] = f"'{sheet.title}'!" + w.formula(r, 6, f"=C{r}*E{r}", MONEY)
        w.put(r, 7, p.unit or "")
        w.put(r, 8, p.source)
    for letter, width in zip("ABCDEFGH", (22, 40, 12, 10, 12, 14, 14, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    return cells


def _inputs(w: _Writer, row: int, model: ImpactModel, result: ValuationResult, proxy_cells: dict[str, str],
            texts: Texts, rate: str) -> tuple[int, str, tuple[str, str, str]]:
    """The inputs table from ``row``; returns the next free row, the investment cell and SUMIF ranges."""
    names = {s.id: s.name for s in model.stakeholders}
    w.put(row, 1, texts("inputs"), bold=True)
    w.header(row + 1, [texts("stakeholder"), texts("inputs"), texts("support"), texts("quantity"),
                       texts("unit_value"), texts("value"), texts("year"), texts("present_value")])
    first = r = row + 2
    for item, valued in zip(model.inputs, result.inputs, strict=True):
        w.put(r, 1, names[item.stakeholder])
        w.put(r, 2, item.description or item.id)
        w.put(r, 3, item.support or "")
        if item.amount is not None:
            w.put(r, 6, valued.value, MONEY, editable=True)
        else:
            w.put(r, 4, _input_quantity(item), "#,##0.##", editable=True)
            w.formula(r, 5, f"={proxy_cells[item.proxy]}", MONEY)
            w.formula(r, 6, f"=D{r}*E{r}", MONEY)
        w.put(r, 7, item.year, editable=True)
        w.formula(r, 8, f"=F{r}/(1+{rate})^G{r}", MONEY)
        r += 1
    last = max(r - 1, first)
    w.put(r, 1, texts("total"), bold=True)
    investment = w.formula(r, 8, f"=SUM(H{first}:H{last})", MONEY, bold=True)
    return r + 2, investment, (f"$A${first}:$A${last}", f"$H${first}:$H${last}", "")


def _input_quantity(item: Input) -> float:
    """The base quantity of an input valued by quantity × proxy."""
    return float(base_of(item.quantity) or 0.0)


def render_xlsx(doc_or_model: ReportDocument | ImpactModel, path: str | Path, lang: str | None = None) -> XlsxLayout:
    """Write the value map workbook; a reader changes a blue cell and every total and the ratio follow."""
    if isinstance(doc_or_model, ReportDocument):
        model, result, lang = doc_or_model.model, doc_or_model.result, lang or doc_or_model.lang
    else:
        model, result, lang = doc_or_model, value(doc_or_model), lang or "nl"
    texts = Texts(lang, model.programme.currency)
    compiled = compile_model(model)
    book = Workbook()
    sheet = book.active
    sheet.title = texts("value_map")
    w = _Writer(sheet)
    proxy_cells = _proxies_sheet(book, model, compiled, texts)
    w.put(1, 1, f"{texts('value_map')}: {model.programme.name}", bold=True)
    w.put(2, 1, texts("price_basis", year=model.programme.price_year, rate="", index=model.valuation.index or "–"))
    w.put(4, 1, texts("discount_rate"))
    rate = "$B$4"
    w.put(4, 2, result.discount_rate, "0.00%", editable=True)
    w.put(5, 1, "first year discounted (1/0)" if lang == "en" else "eerste jaar verdisconteren (1/0)")
    w.put(5, 2, 1 if result.discount_first_year else 0, editable=True)
    row, investment, (input_who, input_pv, _) = _inputs(w, 7, model, result, proxy_cells, texts, rate)
    layout = XlsxLayout(Path(path), sheet.title, f"'{sheet.title}'!{rate}", f"'{sheet.title}'!{investment}", "", "")
    row, outcome_ranges = _outcomes(w, row, model, result, proxy_cells, texts, layout)
    _totals(w, row, investment, outcome_ranges, texts, layout)
    _who_pays(book, model, sheet.title, (input_who, input_pv), outcome_ranges, texts)
    sheet.freeze_panes = "C1"
    for letter, width in zip("ABCDEFG", (26, 42, 30, 11, 12, 14, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    try:
        book.save(path)
    except OSError as error:
        raise UserError(f"{path}: cannot write the workbook ({error.strerror})") from None
    return layout


def _outcomes(w: _Writer, row: int, model: ImpactModel, result: ValuationResult, proxy_cells: dict[str, str],
              texts: Texts, layout: XlsxLayout) -> tuple[int, dict[str, str]]:
    """The outcome rows with impact per year and present value; returns next row and column ranges."""
    names = {s.id: s.name for s in model.stakeholders}
    years = list(range(0, len(result.years) + SPARE_YEARS))
    first_year_col = 17
    last_year_col = first_year_col + len(years) - 1
    pv_col = last_year_col + 1
    w.put(row, 1, texts("outcomes_short"), bold=True)
    factor_row, header_row = row + 1, row + 2
    w.put(factor_row, first_year_col - 1, "discount factor" if texts.lang == "en" else "disconteringsfactor")
    w.header(header_row, [texts("stakeholder"), texts("outcome"), texts("indicator"), texts("quantity"), "unit",
                          texts("proxy"), texts("unit_value"), "DW", "DS", "AT", "DO", texts("year") + " start",
                          texts("duration"), texts("transfer_from", who="").strip(), texts("impact_y1"),
                          texts("years")])
    for k, year in enumerate(years):
        c = col(first_year_col + k)
        w.put(header_row, first_year_col + k, year, bold=True)
        w.formula(factor_row, first_year_col + k, f"=1/(1+$B$4)^({c}${header_row}-1+$B$5)", "0.0000")
    w.header(header_row, [texts("present_value")], start=pv_col)
    first = r = header_row + 1
    for o, valued in zip(model.outcomes, result.outcomes, strict=True):
        w.put(r, 1, names[o.stakeholder])
        w.put(r, 2, o.description)
        w.put(r, 3, o.indicator or "")
        w.put(r, 4, valued.quantity, "#,##0.##", editable=True)
        w.put(r, 5, o.unit or "")
        w.put(r, 6, o.proxy or "")
        if o.proxy:
            conversion = f"*{o.conversion.factor!r}" if o.conversion is not None else ""
            w.formula(r, 7, f"={proxy_cells[o.proxy]}{conversion}", MONEY)
        else:
            w.put(r, 7, valued.unit_value, MONEY, editable=True)
        for k, name in enumerate(("deadweight", "displacement", "attribution", "drop_off")):
            address = w.put(r, 8 + k, getattr(valued, name), PERCENT, editable=True)
            if name == "deadweight":
                layout.deadweight[o.id] = f"'{w.sheet.title}'!{address}"
        w.put(r, 12, valued.start_year, editable=True)
        w.put(r, 13, valued.duration, editable=True)
        w.put(r, 14, names.get(o.transfer_from, "") if o.transfer_from else None)
        w.formula(r, 15, excel_first_year({"quantity": f"D{r}", "unit_value": f"G{r}", "deadweight": f"H{r}",
                                           "displacement": f"I{r}", "attribution": f"J{r}"}), MONEY)
        for k in range(len(years)):
            t = f"{col(first_year_col + k)}${header_row}"
            w.formula(r, first_year_col + k, f"=IF(AND({t}>=$L{r},{t}<$L{r}+$M{r}),$O{r}*(1-$K{r})^({t}-$L{r}),0)",
                      MONEY)
        years_range = f"{col(first_year_col)}{r}:{col(last_year_col)}{r}"
        factors = f"{col(first_year_col)}${factor_row}:{col(last_year_col)}${factor_row}"
        pv = w.formula(r, pv_col, f"=SUMPRODUCT({years_range},{factors})", MONEY)
        layout.outcome_pv[o.id] = f"'{w.sheet.title}'!{pv}"
        r += 1
    last = max(r - 1, first)
    pv_letter = col(pv_col)
    w.put(r, 1, texts("total"), bold=True)
    total = w.formula(r, pv_col, f"=SUM({pv_letter}{first}:{pv_letter}{last})", MONEY, bold=True)
    layout.total_pv = f"'{w.sheet.title}'!{total}"
    ranges = {"who": f"$A${first}:$A${last}", "transfer": f"$N${first}:$N${last}",
              "pv": f"${pv_letter}${first}:${pv_letter}${last}", "total": total}
    return r + 2, ranges


def _totals(w: _Writer, row: int, investment: str, ranges: dict[str, str], texts: Texts,
            layout: XlsxLayout) -> None:
    total = ranges["total"]
    lines = [("total_pv", f"={total}", MONEY), ("investment", f"={investment}", MONEY),
             ("npv", f"={total}-{investment}", MONEY), ("sroi_ratio", f"={total}/{investment}", "0.00"),
             ("net_sroi", f"=({total}-{investment})/{investment}", "0.00"),
             ("mkba_benefits", f'=SUMIF({ranges["transfer"]},"",{ranges["pv"]})', MONEY),
             ("mkba_ratio", f"=B{row + 5}/{investment}", "0.00")]
    for k, (key, formula, fmt) in enumerate(lines):
        w.put(row + k, 1, texts(key), bold=key == "sroi_ratio")
        address = w.formula(row + k, 2, formula, fmt, bold=key == "sroi_ratio")
        if key == "sroi_ratio":
            layout.ratio = f"'{w.sheet.title}'!{address}"


def _who_pays(book: Workbook, model: ImpactModel, main: str, inputs: tuple[str, str], ranges: dict[str, str],
              texts: Texts) -> None:
    """Who pays and who benefits, per stakeholder, by SUMIF over the value map (transfers move value)."""
    sheet = book.create_sheet(texts("who_pays")[:31])
    w = _Writer(sheet)
    w.header(1, [texts("stakeholder"), texts("invested"), texts("benefits"), texts("net")])
    ref = f"'{main}'!"
    for r, s in enumerate(model.stakeholders, start=2):
        w.put(r, 1, s.name)
        w.formula(r, 2, f"=SUMIF({ref}{inputs[0]},A{r},{ref}{inputs[1]})", MONEY)
        w.formula(r, 3, f"=SUMIF({ref}{ranges['who']},A{r},{ref}{ranges['pv']})"
                    f"-SUMIF({ref}{ranges['transfer']},A{r},{ref}{ranges['pv']})", MONEY)
        w.formula(r, 4, f"=C{r}-B{r}", MONEY)
    for letter, width in zip("ABCD", (40, 16, 16, 16), strict=True):
        sheet.column_dimensions[letter].width = width

"""Reports: a report document built from a model, its valuation and evidence, and its renderers.

    from impactlab.reports import build_report, render_html, render_pdf, render_xlsx, render_appendix
    doc = build_report(load_model("model.yaml"), lang="nl")
    render_pdf(doc, "report.pdf")
"""

from impactlab.reports.appendix import render_appendix
from impactlab.reports.blocks import Quote, ReportDocument
from impactlab.reports.document import build_report
from impactlab.reports.evidence import DataSource, source_from_frame, source_from_store
from impactlab.reports.html import render_html
from impactlab.reports.pdf import render_pdf
from impactlab.reports.xlsx import XlsxLayout, render_xlsx

__all__ = ["DataSource", "Quote", "ReportDocument", "XlsxLayout", "build_report", "render_appendix", "render_html",
           "render_pdf", "render_xlsx", "source_from_frame", "source_from_store"]

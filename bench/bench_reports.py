"""Report benchmark (issue 6): the PDF report of the demo programme, 100k Monte Carlo draws, in < 10 s."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import report
from impactlab import load_model
from impactlab.reports import build_report, render_html, render_pdf, render_xlsx

DEMO = Path(__file__).resolve().parents[1] / "examples" / "buurtcirkels.yaml"
DRAWS = 100_000
TARGET_S = 10.0


def pdf_report(out: Path) -> dict[str, float]:
    """Seconds for each step of a PDF report from the model file: load, build (valuation, MC), typeset."""
    started = time.perf_counter()
    model = load_model(DEMO)
    loaded = time.perf_counter()
    doc = build_report(model, lang="nl", draws=DRAWS, seed=7)
    built = time.perf_counter()
    render_pdf(doc, out)
    done = time.perf_counter()
    return {"load": loaded - started, "build": built - loaded, "pdf": done - built, "total": done - started}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.pdf"
        first = pdf_report(out)  # cold: Vega and Typst start up in this process
        warm = pdf_report(out)
        report(f"PDF report, {DEMO.name}, {DRAWS:,} draws (cold)", f"{first['total']:.2f} s",
               f"target < {TARGET_S:.0f} s", first["total"] < TARGET_S)
        report("  of which build (value, sensitivity, MC) / typeset", f"{first['build']:.2f} / {first['pdf']:.2f} s")
        report("PDF report (warm, second in the same process)", f"{warm['total']:.2f} s")
        report("PDF size", f"{out.stat().st_size / 1024:.0f} kB")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "impactlab", "report", str(DEMO), "--format", "pdf", "--out", str(out),
                        "--draws", str(DRAWS), "--seed", "7"], check=True, capture_output=True)
        command = time.perf_counter() - started
        report("`impactlab report --format pdf` in a fresh process", f"{command:.2f} s", f"target < {TARGET_S:.0f} s",
               command < TARGET_S)
        doc = build_report(load_model(DEMO), lang="nl", draws=DRAWS, seed=7)
        started = time.perf_counter()
        render_html(doc)
        report("HTML render (self-contained, charts inline)", f"{time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        render_xlsx(doc, Path(folder) / "valuemap.xlsx")
        report("Excel value map", f"{time.perf_counter() - started:.2f} s")

"""The upload limits as figures (issue 10): time and peak memory of parsing the largest accepted .xlsx and .docx,
in the background job that parses them, each in a worker process of its own.

* the largest accepted workbook: a first sheet of exactly ``cells`` cells (2,000,000: 200,000 rows x 10
  columns, numbers and text), read by the ``dataset.preview`` job (the upload's columns and first rows);
* the largest accepted Word document: ``text_chars`` characters of text (1,000,000) in 200,000 paragraphs, whose
  body XML stays within ``xml_part_bytes`` (16 MB), read and scrubbed by the ``qualitative.extract`` job.

Peak memory is the worker process's high-water mark (VmHWM): its baseline (Django, the app, the database,
before the job) and its peak after the job. Time is the job's wall time and its CPU time (the machine may be
shared: the load average is printed with it). Targets: the job within its time limit (30 minutes) and well
within it (< 60 s), peak memory < 1 GB. Before the job, deduce's compact lookup tables are built as `make setup`
builds them (``python -m impactlab.deidentify``), so the job measures reading them, not building them.

``python -m bench limits xlsx`` (or ``docx``) runs one of the two.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from bench.common import report

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ("respondent_id", "wave", "district", "item1", "item2", "item3", "item4", "item5", "item6", "item7")
WORDS = ("zorg", "huis", "hulp", "wijk", "werk", "kind", "taal", "thee")
TARGET_SECONDS, TARGET_MB = 60.0, 1024.0

WORKER = r'''
import json, os, sys, time
from pathlib import Path

def hwm():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")

kind, source, var = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
os.environ.update({"IMPACTLAB_DEVELOPMENT": "1", "DJANGO_SETTINGS_MODULE": "impactlab_web.settings",
                   "IMPACTLAB_VAR": str(var), "IMPACTLAB_JOBS_EAGER": "0",
                   "DATABASE_URL": f"sqlite:///{var / 'bench.sqlite3'}"})
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from impactlab_web.data.models import Upload
from impactlab_web.jobs.runner import enqueue, run
from impactlab_web.organisations.models import Membership, Organisation, Profile, Role
from impactlab_web.programmes.models import Programme

organisation = Organisation.objects.create(name="Bench", kind="welfare")
programme = Programme.objects.create(name="Bench", lead=organisation)
user = User.objects.create_user("bench", password="bench-impactlab-2025")
Profile.objects.create(user=user, language="en")
Membership.objects.create(user=user, organisation=organisation, role=Role.ADMINISTRATOR)
raw = var / ("raw" + source.suffix)
raw.write_bytes(source.read_bytes())
if kind == "xlsx":
    upload = Upload.objects.create(programme=programme, owner=organisation, uploaded_by=user, filename=source.name,
                                   format="xlsx", size=raw.stat().st_size, path=str(raw), state=Upload.State.READING)
    job = enqueue("dataset.preview", {"upload": str(upload.pk)}, user, programme)
else:
    job = enqueue("qualitative.extract", {"programme": programme.pk, "path": str(raw), "suffix": ".docx",
                                          "label": "interview", "group": "", "user": user.pk}, user, programme)
baseline = hwm()
started, cpu = time.perf_counter(), time.process_time()
job = run(job)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({"status": job.status, "error": job.error[:300], "seconds": seconds, "cpu_seconds": cpu,
                  "baseline_mb": baseline,
                  "peak_mb": hwm(), "result": {k: v for k, v in job.result.items() if k != "link"}}))
'''


def largest_xlsx(path: Path, cells: int, columns: int = len(COLUMNS)) -> tuple[int, int]:
    """A workbook whose first sheet is exactly `cells` cells (header + rows x `columns`), written as XML."""
    from openpyxl import Workbook

    rows = cells // columns  # the header counts as a row
    template = io.BytesIO()
    book = Workbook()
    book.active.append(list(COLUMNS[:columns]))
    book.save(template)
    letters = [chr(65 + k) for k in range(columns)]
    districts = ("Noord", "Oost", "Zuid", "West", "Centrum")

    def sheet() -> bytes:
        out = io.StringIO()
        out.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
                  '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        out.write('<row r="1">' + "".join(f'<c r="{c}1" t="inlineStr"><is><t>{name}</t></is></c>'
                                          for c, name in zip(letters, COLUMNS, strict=False)) + "</row>")
        for r in range(2, rows + 1):
            cells_ = [f'<c r="A{r}"><v>{r // 2}</v></c>', f'<c r="B{r}"><v>{r % 2}</v></c>',
                      f'<c r="C{r}" t="inlineStr"><is><t>{districts[r % 5]}</t></is></c>']
            cells_ += [f'<c r="{letters[k]}{r}"><v>{(r * (k + 3)) % 5 + 1}</v></c>' for k in range(3, columns)]
            out.write(f'<row r="{r}">' + "".join(cells_) + "</row>")
        out.write("</sheetData></worksheet>")
        return out.getvalue().encode()

    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = sheet() if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            target.writestr(info.filename, data)
    return rows, columns


def largest_docx(path: Path, text_chars: int, word_chars: int = 4) -> tuple[int, int]:
    """A Word document of `text_chars` characters of text (paragraphs joined by line breaks) in as many
    paragraphs as the body XML limit allows: one short word each."""
    from docx import Document

    paragraphs = text_chars // (word_chars + 1)
    template = io.BytesIO()
    Document().save(template)
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w='
            '"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
    body = "".join(f"<w:p><w:r><w:t>{WORDS[k % len(WORDS)]}</w:t></w:r></w:p>" for k in range(paragraphs))
    xml = (head + body + "</w:body></w:document>").encode()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, xml if info.filename == "word/document.xml" else source.read(info))
    return paragraphs, len(xml)


def _job(kind: str, source: Path) -> dict:
    var = Path(tempfile.mkdtemp(prefix="impactlab-bench-limits-"))
    try:
        done = subprocess.run([sys.executable, "-c", WORKER, kind, str(source), str(var)], capture_output=True,
                              text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(var, ignore_errors=True)


def _report(label: str, figures: dict) -> None:
    ok = figures["status"] == "done"
    report(f"{label}: job", figures["status"] if ok else f"{figures['status']}: {figures['error'][:60]}")
    report(f"{label}: time in the job (CPU time; load average)",
           f"{figures['seconds']:.1f} s ({figures['cpu_seconds']:.1f} s; {os.getloadavg()[0]:.1f})",
           f"< {TARGET_SECONDS:.0f} s", ok and figures["seconds"] < TARGET_SECONDS)
    report(f"{label}: worker peak memory (VmHWM; before the job)",
           f"{figures['peak_mb']:.0f} MB ({figures['baseline_mb']:.0f})", f"< {TARGET_MB:.0f} MB",
           ok and figures["peak_mb"] < TARGET_MB)


def main() -> None:
    from impactlab import limits

    bounds = limits.current()
    cases = [c for c in ("xlsx", "docx") if c in sys.argv[1:]] or ["xlsx", "docx"]
    with tempfile.TemporaryDirectory(prefix="impactlab-bench-files-") as folder:
        if "xlsx" in cases:
            _xlsx(Path(folder), bounds)
        if "docx" in cases:
            subprocess.run([sys.executable, "-m", "impactlab.deidentify"], check=True, cwd=ROOT)  # as make setup
            _docx(Path(folder), bounds)


def _xlsx(folder: Path, bounds: Any) -> None:
    from impactlab import limits

    xlsx = folder / "largest.xlsx"
    started = time.perf_counter()
    rows, columns = largest_xlsx(xlsx, bounds.cells)
    with zipfile.ZipFile(xlsx) as archive:
        unpacked = sum(i.file_size for i in archive.infolist())
    report(f"largest accepted xlsx: {rows:,} rows x {columns} columns = {rows * columns:,} cells",
           f"{xlsx.stat().st_size / 2**20:.1f} MB", f"unpacked {unpacked / 2**20:.0f} MB, made in "
           f"{time.perf_counter() - started:.0f} s")
    limits.check_workbook(xlsx, xlsx.name)  # accepted: within every limit
    _report("xlsx, dataset.preview job", _job("xlsx", xlsx))


def _docx(folder: Path, bounds: Any) -> None:
    from impactlab import limits

    docx = folder / "largest.docx"
    paragraphs, body = largest_docx(docx, bounds.text_chars)
    limits.check_zip(docx.read_bytes(), docx.name, parse=["word/document.xml"])  # accepted
    report(f"largest accepted docx: {paragraphs:,} paragraphs, {bounds.text_chars:,} characters",
           f"{docx.stat().st_size / 2**20:.1f} MB", f"body XML {body / 2**20:.1f} MB "
           f"(limit {bounds.xml_part_bytes / 2**20:.0f} MB)")
    _report("docx, qualitative.extract job", _job("docx", docx))


if __name__ == "__main__":
    main()

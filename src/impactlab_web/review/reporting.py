"""Report versions from the web app: every figure and file comes from the core (`impactlab.reports`).

``request_report`` makes a pending ``ReportVersion`` and enqueues the ``report`` job; the job builds the
document once (valuation, sensitivity, Monte Carlo with progress, evidence of the cycle's snapshots through the
core's disclosure control) and renders each asked format into the version's folder under VAR_DIR.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from impactlab import parse_model
from impactlab.errors import UserError
from impactlab.evidence.disclosure import DisclosurePolicy
from impactlab.evidence.rows import EvidenceScope
from impactlab.model.schema import ImpactModel
from impactlab.reports import DataSource, ReportDocument, build_report, render_html, render_pdf, render_xlsx
from impactlab.reports.evidence import sources_from_snapshots
from impactlab_web.core import evidence
from impactlab_web.jobs import runner
from impactlab_web.jobs.registry import Progress
from impactlab_web.qualitative.project import quotes_for
from impactlab_web.review.models import Cycle, ReportVersion

FILE_NAMES = {"html": "report.html", "pdf": "report.pdf", "xlsx": "value-map.xlsx"}
CONTENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def default_draws() -> int:
    """The draws of a report: the dashboard's too (``figures.monte_carlo``), so both show the same interval."""
    from impactlab_web.dashboards.figures import monte_carlo

    return monte_carlo()[0]


@transaction.atomic
def request_report(cycle: Cycle, lang: str, formats: list[str], user: Any = None) -> ReportVersion:
    """A pending report version of the cycle's frozen model (or else the version `user` sees:
    ``evidence.version_for``), generated in the background. A report of a draft is its editors' only
    (``sharing.reports_for``) and says it is a draft."""
    if cycle.status == Cycle.Status.FINISHED:
        raise UserError(_("Cycle %(number)s is finished and read-only: start a new cycle for a new report.")
                        % {"number": cycle.number})
    version = cycle.model_version or evidence.version_for(user, cycle.programme)
    if version is None:
        raise UserError(_("There is no published impact model version to report on yet."))
    if not evidence.may_see(user, version):
        raise UserError(_("Version %(number)s of the impact model is a draft: its figures are not results.")
                        % {"number": version.number})
    Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
    last = cycle.reports.order_by("-number").values_list("number", flat=True).first() or 0
    wanted = [f for f in ReportVersion.FORMATS if f in formats] or ["pdf"]
    report = ReportVersion.objects.create(cycle=cycle, number=last + 1, lang=lang, formats=wanted,
                                          model_version=version, draws=default_draws(), seed=default_seed(),
                                          created_by=user if user is not None and user.is_authenticated else None)
    job = runner.enqueue("report", {"report": report.pk}, user, cycle.programme)
    ReportVersion.objects.filter(pk=report.pk).update(job=job)
    report.job = job
    return report


def default_seed() -> int:
    """The seed of a report: the dashboard's too (``figures.monte_carlo``)."""
    from impactlab_web.dashboards.figures import monte_carlo

    return monte_carlo()[1]


def scope_of(report: ReportVersion) -> EvidenceScope:
    """The snapshots a report reads: those its requester may use (the data-sharing rules), narrowed to the
    cycle's snapshots when the cycle names any. A report made by the system (the demo) reads the programme's."""
    cycle = report.cycle
    only = frozenset(cycle.datasets.values_list("snapshot_id", flat=True)) or None
    return evidence.scope_for(report.created_by, cycle.programme, only)


def sources_for(scope: EvidenceScope, model: ImpactModel,
                policy: DisclosurePolicy) -> tuple[list[DataSource], list[str]]:
    """Change statistics of the survey datasets among the scope's snapshots: the core's ``dataset_rows`` (all
    of a dataset's usable snapshots read together, newest snapshot winning per respondent and wave), as the
    dashboard and the command line do. Returns the sources and the snapshot ids they read."""
    if not scope.allowed:
        return [], []
    sources = sources_from_snapshots(scope.store(), scope.allowed, model, policy)
    used = list(dict.fromkeys(i for s in sources for i in s.snapshot_id.split("+")))
    return sources, used


def summary_of(doc: ReportDocument) -> dict[str, Any]:
    """What the review page shows without opening the files: title, key figures, sections and outcomes."""
    r = doc.result
    outcomes = doc.section("outcomes")
    names = {s.id: s.name for s in doc.model.stakeholders}
    summary_figures = {f.key.removeprefix("summary."): f.value for f in doc.figures if f.section == "summary"}
    return {
        "title": doc.title, "subtitle": doc.subtitle, "date": doc.date, "currency": r.currency,
        "figures": {k: summary_figures.get(k) for k in ("sroi_ratio", "npv", "total_pv", "investment",
                                                          "monte_carlo.p5", "monte_carlo.p95", "prob_above_1",
                                                          "mkba_npv")},
        "sections": [{"id": s.id, "title": s.title} for s in doc.sections],
        "outcomes": [{"id": o.id, "description": o.description, "stakeholder": names.get(o.stakeholder, ""),
                      "present_value": float(o.present_value), "quantity": float(o.quantity),
                      "deadweight": float(o.deadweight), "attribution": float(o.attribution),
                      "displacement": float(o.displacement), "drop_off": float(o.drop_off)}
                     for o in r.outcomes],
        "outcome_sections": [s.id.removeprefix("outcome-") for s in outcomes.subsections],
    }


def generate(report: ReportVersion, progress: Progress | None = None) -> ReportVersion:
    """Build and render the report version's files now (the job calls this; the demo too)."""
    say = progress or (lambda fraction, message="": None)
    cycle = report.cycle
    model = parse_model(report.model_version.text)
    policy = evidence.policy_for(cycle.programme, report.model_version)
    say(0.02, "evidence")
    scope = scope_of(report)
    sources, used = sources_for(scope, model, policy)
    quotes = quotes_for(cycle.programme, report.model_version)
    doc = build_report(model, lang=report.lang, sources=sources, cycle=_label(report), draws=report.draws,
                       seed=report.seed, workspace=scope, policy=policy, quotes=quotes,
                       progress=lambda done, total: say(0.05 + 0.55 * done / total, f"{done:,} / {total:,} draws"))
    folder = report.folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    files = {}
    for k, fmt in enumerate(report.formats):
        say(0.6 + 0.4 * k / len(report.formats), f"{fmt.upper()}")
        path = folder / FILE_NAMES[fmt]
        if fmt == "html":
            path.write_text(render_html(doc), encoding="utf-8")
        elif fmt == "pdf":
            render_pdf(doc, path)
        else:
            render_xlsx(doc, path)
        files[fmt] = path.name
    (folder / "content.json").write_text(json.dumps(_content(doc), ensure_ascii=False), encoding="utf-8")
    trail = [i for t in doc.result.evidence for i in str(t.get("snapshot", "")).split("+") if i]
    report.files, report.summary, report.snapshots = files, summary_of(doc), list(dict.fromkeys(used + trail))
    report.status, report.error = ReportVersion.Status.READY, ""
    report.save(update_fields=["files", "summary", "snapshots", "status", "error"])
    return report


def _label(report: ReportVersion) -> str:
    """The cycle's label in the report; a report of a draft model version says so on its title page."""
    label = report.cycle.label
    if not report.model_version.is_draft:
        return label
    with translation.override(report.lang):
        return _("%(cycle)s · DRAFT: model version %(number)s is not published, its figures are not results") % {
            "cycle": label, "number": report.model_version.number}


def _content(doc: ReportDocument) -> dict[str, Any]:
    """The document's text blocks for reading on the review page (charts are in the HTML and PDF files)."""
    data = doc.to_dict()

    def strip(section: dict) -> dict:
        blocks = [b for b in section["blocks"] if b.get("kind") in ("paragraph", "bullets", "table", "quote")]
        return {"id": section["id"], "title": section["title"], "blocks": blocks,
                "subsections": [strip(s) for s in section.get("subsections", [])]}

    return {"sections": [strip(s) for s in data["sections"]]}


def content(report: ReportVersion) -> dict[str, Any]:
    path = report.folder / "content.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"sections": []}


def holds_personal_data(report: ReportVersion) -> bool:
    """Figures from respondent data (snapshots) or quotes from transcripts: reading it goes into the audit trail."""
    if report.snapshots:
        return True

    def quotes(section: dict[str, Any]) -> bool:
        return (any(b.get("kind") == "quote" for b in section.get("blocks", []))
                or any(quotes(s) for s in section.get("subsections", [])))

    return any(quotes(section) for section in content(report).get("sections", []))

"""Build the report document of a programme and cycle: every section, chart and figure, in nl or en."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from impactlab.evidence.disclosure import DisclosurePolicy, programme_policy
from impactlab.evidence.rows import EvidenceScope
from impactlab.model.document import available_proxies
from impactlab.model.library import builtin_indices, library_version, proxy_library
from impactlab.model.schema import ImpactModel
from impactlab.reports import charts
from impactlab.reports.blocks import Bullets, Chart, Figure, Paragraph, Quote, ReportDocument, Section, Table
from impactlab.reports.evidence import DataSource
from impactlab.reports.labels import FIELDS, parameter_labels
from impactlab.reports.limitations import limitations
from impactlab.reports.texts import Texts
from impactlab.reports.theory import theory_pictures
from impactlab.valuation import SensitivityResult, SimulationResult, ValuationResult, sensitivity, simulate, value
from impactlab.valuation.compiled import CompiledModel, compile_model
from impactlab.valuation.evidence_hook import with_evidence

SECTION_ORDER = ("summary", "theory", "stakeholders", "methods", "outcomes", "value_map", "who_pays", "sensitivity",
                 "assumptions", "limitations")
DEDUCTIONS = ("deadweight", "displacement", "attribution", "drop_off")
Progress = Callable[[int, int], None]


@dataclass
class _Context:
    """Everything the section builders read, and the figure list they fill."""

    model: ImpactModel
    texts: Texts
    result: ValuationResult
    sens: SensitivityResult
    sim: SimulationResult
    compiled: CompiledModel
    labels: dict[str, str]
    sources: list[DataSource]
    quotes: Mapping[str, list[Quote]]
    figures: list[Figure] = field(default_factory=list)

    def fig(self, key: str, section: str, label: str, value: float | str | None, unit: str = "",
            source: str = "") -> None:
        self.figures.append(Figure(key, section, label, value, unit, source))

    @property
    def cur(self) -> str:
        return self.result.currency


def _summary(c: _Context) -> Section:
    t, r, s = c.texts, c.result, c.sim.sroi_ratio
    blocks: list = [Paragraph(t("headline", cur=t.money(1), ratio=t.money(r.sroi_ratio)) if r.sroi_ratio
                              else t("headline_none"), emphasis=True)]
    if c.sim.uncertain_parameters:
        blocks.append(Paragraph(t("interval", draws=t.num(c.sim.draws), p5=t.num(s.p5, 2), p95=t.num(s.p95, 2),
                                  prob=t.pct(c.sim.prob_ratio_above_1, 1))))
    rows = [("sroi_ratio", t.ratio(r.sroi_ratio), r.sroi_ratio, ""),
            ("mc_interval", f"{t.num(s.p5, 2)} – {t.num(s.p95, 2)}", None, ""),
            ("prob_above_1", t.pct(c.sim.prob_ratio_above_1, 1), c.sim.prob_ratio_above_1, "share"),
            ("total_pv", t.money(r.present_value), r.present_value, c.cur),
            ("investment", t.money(r.investment), r.investment, c.cur),
            ("npv", t.money(r.net_present_value), r.net_present_value, c.cur),
            ("net_sroi", t.num(r.net_sroi_ratio, 2), r.net_sroi_ratio, ""),
            ("payback", t.num(r.payback_months, 1), r.payback_months, "months"),
            ("mkba_benefits", t.money(r.society.benefits), r.society.benefits, c.cur),
            ("mkba_npv", t.money(r.society.npv), r.society.npv, c.cur),
            ("mkba_ratio", t.num(r.society.bc_ratio, 2), r.society.bc_ratio, "")]
    for key, _, number, unit in rows:
        if key != "mc_interval":
            c.fig(f"summary.{key}", "summary", t(key), number, unit)
    for name in ("mean", "p5", "p50", "p95"):
        c.fig(f"summary.monte_carlo.{name}", "summary", f"{t('sroi_ratio')} {name.upper()}", getattr(s, name))
    c.fig("summary.monte_carlo.draws", "summary", t("draws"), c.sim.draws)
    c.fig("summary.monte_carlo.seed", "summary", "seed", c.sim.seed)
    blocks.append(Table([t("figure"), t("value")], [[t(k), text] for k, text, _, _ in rows], [False, True]))
    index = (c.model.valuation.index or "–").upper()
    blocks.append(Paragraph(t("price_basis", year=r.price_year, rate=t.pct(r.discount_rate, 2), index=index)))
    return Section("summary", t("summary"), blocks)


def _theory(c: _Context) -> Section:
    t, p = c.texts, c.model.programme
    blocks: list = [Paragraph(p.description)] if p.description else []
    blocks += [Paragraph(t("theory_text")), *theory_pictures(c.model, t)]
    return Section("theory", t("theory"), blocks)


def _stakeholders(c: _Context) -> Section:
    t = c.texts
    rows = [[s.name, s.category or "", t.num(s.size) if s.size is not None else "", s.involvement or
             t("not_involved")] for s in c.model.stakeholders]
    table = Table([t("stakeholder"), t("category"), t("size"), t("involvement")], rows, [False, False, True, False])
    return Section("stakeholders", t("stakeholders"), [table])


def _sources_table(c: _Context) -> Table:
    t = c.texts
    sizes = {o.id: c.model.stakeholder(o.stakeholder).size for o in c.model.outcomes}
    rows = []
    for s in c.sources:
        ch = s.change
        size = sizes.get(s.outcome or "")
        response = ch.n_pre / size if ch.n_pre is not None and size else None
        key = f"methods.{s.dataset}"
        for name, number in (("snapshot", s.snapshot_id), ("respondents", s.rows), ("n_pre", ch.n_pre),
                             ("n_post", ch.n_post), ("n_pairs", ch.overall.n_pairs),
                             ("response", response), ("attrition", ch.attrition)):
            c.fig(f"{key}.{name}", "methods", f"{s.dataset}: {name}", number)
        rows.append([s.dataset, s.snapshot_id[:12], s.instrument_name or "–", f"{s.pre_wave} → {s.post_wave}",
                     _count(t, ch.n_pre), _count(t, ch.n_post), _count(t, ch.overall.n_pairs),
                     t.pct(response), t.pct(ch.attrition), s.outcome or "–"])
    header = [t(k) for k in ("dataset", "snapshot", "instrument", "waves", "n_pre", "n_post", "n_pairs",
                             "response", "attrition", "outcome")]
    return Table(header, rows, [False] * 4 + [True] * 5 + [False],
                 note=t("disclosure_note", min_cell=c.model.valuation.min_cell))


def _count(t: Texts, n: int | None) -> str:
    return t("suppressed") if n is None else t.num(n)


def _methods(c: _Context) -> Section:
    t, r = c.texts, c.result
    how = t("also") if r.discount_first_year else t("not")
    blocks: list = [Paragraph(t("methods_text")),
                    Paragraph(t("discount_text", rate=t.pct(r.discount_rate, 2), how=how).replace("  ", " "))]
    blocks.append(_sources_table(c) if c.sources else Paragraph(t("no_data")))
    if c.result.evidence:
        blocks.append(Bullets([f"{e.get('outcome')} ({e.get('field', 'quantity')}): {e.get('description')}"
                               for e in c.result.evidence]))
    return Section("methods", t("methods"), blocks)


def _evidence_blocks(c: _Context, outcome_id: str) -> list:
    t, blocks = c.texts, []
    for s in (s for s in c.sources if s.outcome == outcome_id):
        ch, key = s.change, f"outcomes.{outcome_id}.evidence.{s.dataset}"
        overall = ch.overall
        for name in ("n_pairs", "mean_pre", "mean_post", "mean_change", "ci_low", "ci_high", "cohen_dz", "p_value"):
            c.fig(f"{key}.{name}", "outcomes", f"{s.instrument}: {name}", getattr(overall, name),
                  source=s.snapshot_id)
        if ch.suppressed:
            blocks.append(Paragraph(t("change_suppressed", min_cell=ch.min_cell)))
            continue
        blocks.append(Paragraph(f"{s.instrument_name}: " + t(
            "change_stats", pre=t.num(overall.mean_pre, 2), post=t.num(overall.mean_post, 2),
            diff=t.num(overall.mean_change, 2), lo=t.num(overall.ci_low, 2), hi=t.num(overall.ci_high, 2),
            dz=t.num(overall.cohen_dz, 2), n=t.num(overall.n_pairs))))
        rc = overall.reliable_change
        if rc is not None:
            c.fig(f"{key}.reliably_improved", "outcomes", f"{s.instrument}: reliably improved", rc.improved)
            blocks.append(Paragraph(t("reliable", better=t.pct(rc.improved), worse=t.pct(rc.deteriorated))))
        rows = []
        for g in ch.groups:
            c.fig(f"{key}.groups.{g.group}.n_pairs", "outcomes", f"{s.by} {g.group}: n", g.result.n_pairs)
            c.fig(f"{key}.groups.{g.group}.mean_change", "outcomes", f"{s.by} {g.group}: mean change",
                  g.result.mean_change)
            rows.append([str(g.group), _count(t, g.result.n_pairs),
                         t("suppressed") if g.suppressed else t.num(g.result.mean_change, 2)])
        if rows:
            blocks.append(Table([f"{t('group')} ({s.by})", t("n_pairs"), t("mean_change")], rows,
                                [False, True, True], note=t("disclosure_note", min_cell=ch.min_cell)))
    return blocks


def _outcomes(c: _Context) -> Section:
    t = c.texts
    names = {s.id: s.name for s in c.model.stakeholders}
    subsections = []
    for o, model_outcome in zip(c.result.outcomes, c.model.outcomes, strict=True):
        facts = [f"{t('stakeholder')}: {names[o.stakeholder]}"]
        if o.indicator:
            facts.append(f"{t('indicator')}: {o.indicator}")
        facts.append(f"{t('quantity')}: {t.num(o.quantity)} {model_outcome.unit or ''}".rstrip())
        facts.append(f"{t('unit_value')}: {t.money(o.unit_value)}" + (f" ({t('proxy')} {o.proxy})" if o.proxy else ""))
        if o.transfer_from:
            facts.append(t("transfer_from", who=names.get(o.transfer_from, o.transfer_from)))
        facts.append(f"{t('present_value')}: {t.money(o.present_value)}")
        blocks: list = [Bullets(facts)]
        if o.trail:
            named = {(t(FIELDS[k]).lower() if k in FIELDS else k): v for k, v in o.trail.items()}
            blocks.append(Bullets([f"{t('trail')} – {k}: {v}" for k, v in named.items()]))
        blocks += _evidence_blocks(c, o.id)
        blocks += list(c.quotes.get(o.id, []))
        subsections.append(Section(f"outcome-{o.id}", o.description, blocks))
    chart = Chart("waterfall", t("waterfall_title"), charts.waterfall_spec(c.result, t))
    return Section("outcomes", t("outcomes"), [chart], subsections)


def _value_map(c: _Context) -> Section:
    t, r = c.texts, c.result
    names = {s.id: s.name for s in c.model.stakeholders}
    inputs = [[names[i.stakeholder], i.description or i.id, i.support or "", str(i.year), t.money(i.value),
               t.money(i.present_value)] for i in r.inputs]
    inputs.append([t("total"), "", "", "", "", t.money(r.investment)])
    for i in r.inputs:
        c.fig(f"inputs.{i.id}.value", "value_map", i.description or i.id, i.value, c.cur)
        c.fig(f"inputs.{i.id}.present_value", "value_map", i.description or i.id, i.present_value, c.cur)
    input_table = Table([t("stakeholder"), t("inputs"), t("support"), t("year"), t("value"), t("present_value")],
                        inputs, [False, False, False, True, True, True], caption=t("inputs"), total_rows=1)
    rows = []
    for o in r.outcomes:
        rows.append([names[o.stakeholder], o.description, t.num(o.quantity), t.money(o.unit_value),
                     *(t.pct(getattr(o, d)) for d in DEDUCTIONS),
                     f"{o.start_year}–{o.start_year + o.duration - 1}", t.money(o.impact_first_year),
                     t.money(o.present_value)])
        for name in ("quantity", "unit_value", *DEDUCTIONS, "duration", "impact_first_year", "present_value"):
            c.fig(f"outcomes.{o.id}.{name}", "value_map", f"{o.description}: {name}", getattr(o, name))
        for year, amount in zip(r.years, o.impact_by_year, strict=True):
            c.fig(f"outcomes.{o.id}.impact_year_{year}", "value_map", f"{o.description}: {t('year')} {year}",
                  amount, c.cur)
    rows.append([t("total"), "", "", "", "", "", "", "", "", "", t.money(r.present_value)])
    header = [t("stakeholder"), t("outcome"), t("quantity"), t("unit_value"), "DW", "DS", "AT", "DO", t("years"),
              t("impact_y1"), t("present_value")]
    outcome_table = Table(header, rows, [False, False] + [True] * 9, caption=t("outcomes_short"), total_rows=1,
                          note=t("value_map_note"))
    return Section("value_map", t("value_map"), [input_table, outcome_table])


def _who_pays(c: _Context) -> Section:
    t = c.texts
    rows = [[s.name, t.money(s.invested), t.money(s.benefits), t.money(s.net)] for s in c.result.stakeholders]
    for s in c.result.stakeholders:
        for name in ("invested", "benefits", "net"):
            c.fig(f"stakeholders.{s.id}.{name}", "who_pays", f"{s.name}: {t(name)}", getattr(s, name), c.cur)
    return Section("who_pays", t("who_pays"), [
        Chart("who_pays", t("who_pays"), charts.who_pays_spec(c.result, t)),
        Table([t("stakeholder"), t("invested"), t("benefits"), t("net")], rows, [False, True, True, True]),
        Paragraph(t("who_pays_text"))])


def _sensitivity(c: _Context) -> Section:
    t, sens = c.texts, c.sens
    blocks: list = []
    if sens.tornado:
        blocks.append(Chart("tornado", t("tornado"), charts.tornado_spec(sens, c.labels, t)))
        rows = [[c.labels[b.parameter], t.num(b.low), t.num(b.base), t.num(b.high), t.num(b.ratio_at_low, 2),
                 t.num(b.ratio_at_high, 2)] for b in sens.tornado]
        blocks.append(Table([t("assumption"), t("low"), t("base"), t("high"), t("ratio_low"), t("ratio_high")],
                            rows, [False] + [True] * 5))
        for b in sens.tornado:
            c.fig(f"sensitivity.tornado.{b.parameter}.ratio_at_low", "sensitivity", c.labels[b.parameter],
                  b.ratio_at_low)
            c.fig(f"sensitivity.tornado.{b.parameter}.ratio_at_high", "sensitivity", c.labels[b.parameter],
                  b.ratio_at_high)
    else:
        blocks.append(Paragraph(t("no_ranges")))
    found = [b for b in sens.break_even if b.break_even is not None]
    blocks.append(Paragraph(t("break_even_text")))
    if found:
        blocks.append(Table([t("assumption"), t("base"), t("break_even"), t("change")],
                            [[c.labels[b.parameter], t.num(b.base), t.num(b.break_even), t.num(b.change)]
                             for b in found], [False, True, True, True], caption=t("break_even")))
    else:
        blocks.append(Paragraph(t("break_even_none")))
    for b in sens.break_even:
        c.fig(f"sensitivity.break_even.{b.parameter}", "sensitivity", c.labels[b.parameter], b.break_even)
    s = c.sim.sroi_ratio
    if c.sim.uncertain_parameters and c.sim.ratio_draws is not None:
        blocks.append(Chart("histogram", t("histogram"), charts.histogram_spec(c.sim.ratio_draws, s.p5, s.p95, t)))
        blocks.append(Paragraph(t("interval", draws=t.num(c.sim.draws), p5=t.num(s.p5, 2), p95=t.num(s.p95, 2),
                                  prob=t.pct(c.sim.prob_ratio_above_1, 1))))
    return Section("sensitivity", t("sensitivity"), blocks)


def _assumptions(c: _Context) -> Section:
    t, model = c.texts, c.model
    proxies = available_proxies(model)
    used = sorted(c.compiled.index_factors)
    rows = []
    for pid in used:
        p = proxies[pid]
        factor = c.compiled.index_factors[pid]
        base = next(q.base for q in c.compiled.params if q.name == f"proxies.{pid}.value")
        rows.append([f"{p.name} ({pid})", t.money(base), p.unit or "", str(p.price_year), t.num(factor, 4),
                     t.money(base * factor), p.source])
        c.fig(f"proxies.{pid}.value", "assumptions", p.name, base, c.cur, p.source)
        c.fig(f"proxies.{pid}.index_factor", "assumptions", p.name, factor)
    blocks: list = [Table([t("proxy"), t("value"), "", t("price_year"), t("index_factor"),
                           f"{t('value')} {model.programme.price_year}", t("source")], rows,
                          [False, True, False, True, True, True, False], caption=t("proxy"))]
    from_library = [pid for pid in used if pid in proxy_library() and pid not in {p.id for p in model.proxies}]
    if from_library:
        blocks.append(Paragraph(t("library_version", ids=", ".join(from_library), version=library_version())))
    index = builtin_indices().get(model.valuation.index or "")
    if model.valuation.index is None:
        blocks.append(Paragraph(t("no_index")))
    else:
        source = index.source if index else t("source")
        name = index.name if index else model.valuation.index
        blocks.append(Paragraph(t("index_text", year=model.programme.price_year, name=name, source=source)))
    params = [[c.labels[p.name], t.num(p.base), t.num(p.low) if p.uncertain else "",
               t.num(p.high) if p.uncertain else "", p.source or t("no_source")] for p in c.compiled.params]
    blocks.append(Table([t("assumption"), t("base"), t("low"), t("high"), t("source")], params,
                        [False, True, True, True, False], caption=t("assumption")))
    return Section("assumptions", t("assumptions"), blocks)


def _limitations(c: _Context) -> Section:
    items = limitations(c.model, c.compiled, c.sources, c.texts)
    return Section("limitations", c.texts("limitations"), [Bullets(items)])


BUILDERS = {"summary": _summary, "theory": _theory, "stakeholders": _stakeholders, "methods": _methods,
            "outcomes": _outcomes, "value_map": _value_map, "who_pays": _who_pays, "sensitivity": _sensitivity,
            "assumptions": _assumptions, "limitations": _limitations}


def build_report(model: ImpactModel, *, lang: str = "nl", sources: Iterable[DataSource] = (),
                 quotes: Mapping[str, list[Quote]] | None = None, cycle: str | None = None, draws: int = 100_000,
                 seed: int | None = 0, progress: Progress | None = None, date: str | None = None,
                 workspace: EvidenceScope | Path | str | None = None,
                 policy: DisclosurePolicy | None = None) -> ReportDocument:
    """The report of one programme (and cycle): valuation, sensitivity, Monte Carlo and evidence.

    ``sources`` are disclosure-controlled change statistics of dataset snapshots (see reports.evidence);
    ``quotes`` maps an outcome id to the (coded) quotes that support it. Evidence quantities of the model
    are resolved from the snapshots in ``workspace`` first (a folder: all its snapshots; an ``EvidenceScope``:
    the snapshots the caller may use). The minimum cell size of every note is ``policy`` (default: the
    programme's, ``programme_policy``), which must be the one the sources were computed with.
    """
    texts = Texts(lang, model.programme.currency)
    policy = policy or programme_policy(model, workspace.min_cell if isinstance(workspace, EvidenceScope) else None)
    model, trail = with_evidence(model, workspace)
    model = model.model_copy(update={"valuation": model.valuation.model_copy(update={"min_cell": policy.min_cell})})
    compiled = compile_model(model)
    result = value(model)
    result.evidence = trail
    sim = simulate(compiled, draws=draws, seed=seed, progress=progress, keep_draws=True)
    sens = sensitivity(compiled)
    labels = parameter_labels(model, texts, [p.name for p in compiled.params])
    ctx = _Context(model, texts, result, sens, sim, compiled, labels, list(sources), quotes or {})
    sections = [BUILDERS[key](ctx) for key in SECTION_ORDER]
    p = model.programme
    subtitle = " · ".join(x for x in (p.organisation, p.period, f"{texts('cycle')} {cycle}" if cycle else None) if x)
    return ReportDocument(lang, f"{texts('report')}: {p.name}", subtitle,
                          date or datetime.date.today().isoformat(), sections, ctx.figures, model, result,
                          model.valuation.min_cell)
